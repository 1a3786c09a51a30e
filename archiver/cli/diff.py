"""`archiver diff`: what changed between two snapshots, like diff(1) for projects."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from archiver.cli import context, output
from archiver.cli.options import (
    ConfigOption,
    DebugOption,
    JsonOption,
    QuietOption,
    StoreOption,
    VerboseOption,
    exit_statuses,
)
from archiver.diffing import ADDED, CHANGED, REMOVED, SECTIONS, Change, ProjectDiff, diff_projects
from archiver.errors import (
    EXIT_DIFFERENCES,
    ConfigError,
    CorruptSnapshotError,
    NotFoundError,
    StorageError,
    UsageError,
)
from archiver.refs import resolve
from archiver.snapshot import Snapshot, utc_iso, utc_text

HELP = (
    "Compare two snapshots: classes by category, documents by location, labels per "
    "document, metadata field by field.\n\n"
    "Each REF is a snapshot path, PROJECT@latest, PROJECT@~N, PROJECT@TIME or "
    "RESOURCE/PROJECT@... ."
)
EPILOG = exit_statuses(
    0,
    EXIT_DIFFERENCES,
    UsageError.exit_code,
    ConfigError.exit_code,
    NotFoundError.exit_code,
    CorruptSnapshotError.exit_code,
    StorageError.exit_code,
)

_SIGNS = {ADDED: "+", REMOVED: "-", CHANGED: "~"}


def diff(
    old_ref: Annotated[str, typer.Argument(metavar="OLD", help="The older snapshot.")],
    new_ref: Annotated[str, typer.Argument(metavar="NEW", help="The newer snapshot.")],
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    out = output.setup("diff", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    old = resolve(context.store_for_ref(old_ref, store, config), old_ref)
    new = resolve(context.store_for_ref(new_ref, store, config), new_ref)
    result = diff_projects(old.project, new.project)

    out.document(
        {
            "old": _operand(old),
            "new": _operand(new),
            "equal": result.empty,
            "counts": result.counts(),
            "changes": [_change_json(c) for c in result.changes],
        }
    )
    for line in render_text(result, old, new):
        out.line(line)
    return 0 if result.empty else EXIT_DIFFERENCES


def render_text(result: ProjectDiff, old: Snapshot, new: Snapshot) -> list[str]:
    """The diff as lines a person reads: a header, then each section with counts."""
    lines = [f"--- {_title(old)}", f"+++ {_title(new)}"]
    if result.empty:
        return [*lines, "no differences"]

    counts = result.counts()
    for section in SECTIONS:
        if section not in counts:
            continue
        summary = ", ".join(f"{n} {action}" for action, n in sorted(counts[section].items()))
        lines.append(f"{section}: {summary}")
        lines += [
            f"  {_describe(change)}" for change in result.changes if change.section == section
        ]
    return lines


def _title(snapshot: Snapshot) -> str:
    source = snapshot.source
    created = utc_text(snapshot.created)
    return f"{source.resource}/{source.project} {created} ({snapshot.path})"


def _describe(change: Change) -> str:
    sign = _SIGNS.get(change.action, "!")
    if change.action == ADDED:
        return f"{sign} {change.key}{_brief(change.new)}"
    if change.action == REMOVED:
        return f"{sign} {change.key}{_brief(change.old)}"
    if change.action == CHANGED and change.field == "labels":
        return f"{sign} {change.key}: labels {_labels_change(change.old, change.new)}"
    if change.action == CHANGED:
        field = change.field if change.field != change.key else ""
        prefix = f"{change.key}: {field} " if field else f"{change.key}: "
        return f"{sign} {prefix}{_value(change.old)} → {_value(change.new)}"
    side = "old" if change.old else "new"
    return f"{sign} {change.key}: location appears more than once in the {side} snapshot"


def _brief(item: Any) -> str:
    """A short account of an added or removed class or document."""
    if not isinstance(item, dict) or not item:
        return ""
    parts = []
    if "labels" in item:
        parts.append("labels " + (_labels(item["labels"]) or "none"))
    parts += [f"{key} {_value(value)}" for key, value in item.items() if key != "labels"]
    return ": " + ", ".join(parts)


def _labels_change(old: tuple[Any, ...], new: tuple[Any, ...]) -> str:
    if all(isinstance(label, str) for label in (*old, *new)):
        return f"{_labels(old) or 'none'} → {_labels(new) or 'none'}"
    removed = [label for label in old if label not in new]
    added = [label for label in new if label not in old]
    return " ".join(
        [f"-{_label(label)}" for label in removed] + [f"+{_label(label)}" for label in added]
    )


def _labels(labels: tuple[Any, ...]) -> str:
    return ", ".join(_label(label) for label in labels)


def _label(label: Any) -> str:
    if isinstance(label, str):
        return label
    category, offset, length = label[0], label[1], label[2]
    return f"{category}@{offset}+{length}"


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False)


def _operand(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "path": str(snapshot.path) if snapshot.path else None,
        "resource": snapshot.source.resource,
        "project": snapshot.source.project,
        "created": utc_iso(snapshot.created),
    }


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "section": change.section,
        "action": change.action,
        "key": change.key,
        "field": change.field or None,
        "old": change.old,
        "new": change.new,
    }


def register(app: typer.Typer) -> None:
    app.command("diff", help=HELP, epilog=EPILOG)(diff)
