"""`archiver diff`: what changed between two snapshots, like diff(1) for projects."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from archiver.backup import capture
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
from archiver.diffing import (
    ACTIONS,
    ADDED,
    CHANGED,
    CLASS,
    CLASSES,
    LABELS,
    REGIONS,
    REMOVED,
    SECTIONS,
    Change,
    EntityLabel,
    ProjectDiff,
    Region,
    diff_projects,
)
from archiver.errors import (
    EXIT_DIFFERENCES,
    ConfigError,
    CorruptSnapshotError,
    NotFoundError,
    RemoteError,
    StorageError,
    ThrottledError,
    UsageError,
    ValidationError,
)
from archiver.history import previous_snapshot
from archiver.projectfile import detect_format
from archiver.refs import resolve
from archiver.snapshot import Snapshot, utc_iso, utc_text

# Version of the JSON structure below "diff_format"; raised when a key changes meaning.
DIFF_FORMAT = 1

HELP = (
    "Compare two snapshots: classes by category, documents by location, labels per "
    "document, metadata field by field.\n\n"
    "Each operand is a snapshot path, PROJECT@latest, PROJECT@~N, PROJECT@TIME, "
    "RESOURCE/PROJECT@..., or RESOURCE:PROJECT for the live project, exported on the fly. "
    "With one snapshot, it is compared with the intact snapshot before it; with one live "
    "project, its latest snapshot is compared with the live project."
)
EPILOG = exit_statuses(
    0,
    EXIT_DIFFERENCES,
    UsageError.exit_code,
    ConfigError.exit_code,
    NotFoundError.exit_code,
    ValidationError.exit_code,
    RemoteError.exit_code,
    ThrottledError.exit_code,
    StorageError.exit_code,
    CorruptSnapshotError.exit_code,
)

_LIVE = re.compile(r"(?P<resource>[A-Za-z0-9_.-]+):(?P<project>[A-Za-z0-9_.-]+)")
_SIGNS = {ADDED: "+", REMOVED: "-", CHANGED: "~"}
_COLOURS = {ADDED: "green", REMOVED: "red", CHANGED: "yellow"}
# Fields whose values are names, shown without quotes.
_NAMES = frozenset({CLASS, "dataset", "language"})


class ReportFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class Operand:
    """One side of a diff: a snapshot, and how the report names it."""

    snapshot: Snapshot
    name: str
    live: bool = False


def diff(
    old_ref: Annotated[
        str, typer.Argument(metavar="OLD", help="The older snapshot, or RESOURCE:PROJECT.")
    ],
    new_ref: Annotated[
        str | None,
        typer.Argument(metavar="NEW", help="The newer snapshot, or RESOURCE:PROJECT."),
    ] = None,
    stat: Annotated[bool, typer.Option("--stat", help="Counts only, no changes.")] = False,
    report_format: Annotated[
        ReportFormat,
        typer.Option("--format", help="text, or markdown for an audit report."),
    ] = ReportFormat.TEXT,
    include_volatile: Annotated[
        bool,
        typer.Option("--include-volatile", help="Also compare times the service sets by itself."),
    ] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    out = output.setup("diff", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    if json_mode and report_format is not ReportFormat.TEXT:
        raise UsageError("--json and --format markdown exclude each other")

    old, new = resolve_operands(old_ref, new_ref, store, config)
    result = diff_projects(
        old.snapshot.project, new.snapshot.project, include_volatile=include_volatile
    )

    out.document(diff_document(result, old, new, include_volatile=include_volatile))
    if report_format is ReportFormat.MARKDOWN:
        lines = render_markdown(result, old, new, stat=stat)
    else:
        lines = render_text(result, old, new, stat=stat, colour=colour_wanted())
    for line in lines:
        out.line(line)
    return 0 if result.empty else EXIT_DIFFERENCES


def resolve_operands(
    first: str, second: str | None, store_path: Path | None, config_path: Path | None
) -> tuple[Operand, Operand]:
    """The two sides of a diff.

    With one operand: a snapshot and the intact one before it, or a live project's
    latest snapshot and the live project.
    """
    _check_resources([first, second], config_path)
    if second is not None:
        # Snapshots first: a wrong ref should fail before an export job is waited for.
        stored = {text: _stored_ref(text, store_path, config_path) for text in (first, second)}
        old, new = (stored[text] or _live(text, config_path) for text in (first, second))
        return old, new

    live = _LIVE.fullmatch(first)
    if live is None:
        new = _stored(resolve(context.store_for_ref(first, store_path, config_path), first))
        assert new.snapshot.path is not None
        return _stored(previous_snapshot(new.snapshot.path)), new

    # A live project alone: what changed since its latest snapshot.
    store = context.open_store(store_path, context.load(config_path))
    old = _stored(resolve(store, f"{live['resource']}/{live['project']}"))
    return old, _capture(live["resource"], live["project"], config_path)


def _check_resources(operands: list[str | None], config_path: Path | None) -> None:
    """Fail on an unknown resource before any export job is started."""
    live = [_LIVE.fullmatch(text) for text in operands if text is not None]
    names = [match["resource"] for match in live if match is not None]
    if names:
        config = context.load(config_path)
        for name in names:
            context.pick_resource(config, name)


def _stored_ref(text: str, store_path: Path | None, config_path: Path | None) -> Operand | None:
    """The snapshot a ref names, or None for a live operand."""
    if _LIVE.fullmatch(text) is not None:
        return None
    return _stored(resolve(context.store_for_ref(text, store_path, config_path), text))


def _live(text: str, config_path: Path | None) -> Operand:
    resource, project = text.split(":")
    return _capture(resource, project, config_path)


def _stored(snapshot: Snapshot) -> Operand:
    # Named from the store down, so the report reads the same wherever the store is mounted.
    path = snapshot.path
    if path is None:
        return Operand(snapshot, snapshot.source.project)
    name = "/".join(path.parts[-3:]) if len(path.parts) > 3 else str(path)
    return Operand(snapshot, name)


def _capture(resource_name: str, project: str, config_path: Path | None) -> Operand:
    resource = context.pick_resource(context.load(config_path), resource_name)
    snapshot = capture(context.connect(resource), resource, project)
    return Operand(snapshot, f"{resource_name}:{project}", live=True)


def colour_wanted() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def render_text(
    result: ProjectDiff, old: Operand, new: Operand, *, stat: bool = False, colour: bool = False
) -> list[str]:
    """The diff as lines a person reads: a header, then each section with its counts."""
    paint = _painter(colour)
    lines = [paint(f"--- {_title(old)}", bold=True), paint(f"+++ {_title(new)}", bold=True)]
    lines += [f"note: {note}" for note in _notes(result)]
    if result.empty:
        return [*lines, "no differences"]

    counts = result.counts(zeros=True)
    for section, changes in _by_section(result.changes):
        lines.append(paint(f"{section}: {_tally(counts[section])}", bold=True))
        if not stat:
            lines += [_text_line(change, paint) for change in changes]
    if any(counts[LABELS].values()):
        lines.append(paint(f"labels: {_tally(counts[LABELS])}", bold=True))
    return lines


def _title(operand: Operand) -> str:
    created = utc_text(operand.snapshot.created)
    if operand.live:
        return f"{operand.name} (live, exported {created})"
    return f"{operand.name} ({created})"


def _notes(result: ProjectDiff) -> list[str]:
    notes = []
    before, after = result.formats
    if before != after:
        notes.append(f"project file formats differ ({before} → {after}); both were normalised")
    for duplicate in result.duplicates:
        notes.append(
            f"{duplicate.section} {duplicate.key}: {duplicate.old} copies in old, "
            f"{duplicate.new} in new; copies are compared in file order"
        )
    return notes


def _by_section(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    grouped: dict[str, list[Change]] = {section: [] for section in SECTIONS}
    for change in changes:
        grouped[change.section].append(change)
    return [(section, items) for section, items in grouped.items() if items]


def _tally(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[action]} {action}" for action in ACTIONS if counts[action])


_Paint = Callable[..., str]


def _painter(colour: bool) -> _Paint:
    def paint(text: str, *, fg: str | None = None, bold: bool = False) -> str:
        return typer.style(text, fg=fg, bold=bold or None) if colour else text

    return paint


def _text_line(change: Change, paint: _Paint) -> str:
    action = _sign_action(change)
    sign = paint(_SIGNS[action], fg=_COLOURS[action])
    return f"  {sign} {_describe(change, _plain)}"


def render_markdown(
    result: ProjectDiff, old: Operand, new: Operand, *, stat: bool = False
) -> list[str]:
    """An audit report: which snapshots, when and from where; a summary; the changes."""
    project = new.snapshot.source.project
    lines = [f"# Diff of project {_code(project)}", "", *_header_table(old, new), ""]
    lines += [f"> Note: {_escape(note)}" for note in _notes(result)]
    lines += ["## Summary", "", *_summary(result), ""]
    if stat or result.empty:
        return lines

    for section, changes in _by_section(result.changes):
        lines += [f"## {section.capitalize()}", ""]
        lines += [f"- {_sign_action(change)} {_describe(change, _markdown)}" for change in changes]
        lines.append("")
    return lines


_HEADER_ROWS = (
    "snapshot",
    "taken",
    "resource",
    "endpoint",
    "api-version",
    "project kind",
    "project file format",
    "SHA-256",
    "tags",
)


def _header_table(old: Operand, new: Operand) -> list[str]:
    lines = ["| | old | new |", "|---|---|---|"]
    for label, before, after in zip(_HEADER_ROWS, _facts(old), _facts(new), strict=True):
        lines.append(f"| {label} | {before} | {after} |")
    return lines


def _facts(operand: Operand) -> list[str]:
    """Where a side comes from, in the order of _HEADER_ROWS."""
    snapshot, source = operand.snapshot, operand.snapshot.source
    taken = utc_text(snapshot.created)
    return [
        _code(operand.name),
        f"live export {taken}" if operand.live else taken,
        _code(source.resource),
        _code(source.endpoint),
        source.api_version,
        source.project_kind,
        detect_format(snapshot.project),
        _code(snapshot.project_sha256[:16]),
        ", ".join(snapshot.tags) or "none",
    ]


def _summary(result: ProjectDiff) -> list[str]:
    if result.empty:
        return ["**No differences.**"]
    counts = result.counts(zeros=True)
    lines = ["**Different.**", "", "| | added | changed | removed |", "|---|---:|---:|---:|"]
    for section, row in counts.items():
        if any(row.values()):
            lines.append(f"| {section} | {row[ADDED]} | {row[CHANGED]} | {row[REMOVED]} |")
    return lines


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    """A Markdown code span that holds `text` whatever backticks it contains."""
    fence = "`"
    while fence in text:
        fence += "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}".replace("|", "\\|")


@dataclass(frozen=True)
class _Style:
    name: Callable[[str], str]
    value: Callable[[str], str]


_plain = _Style(name=lambda text: text, value=lambda text: text)
_markdown = _Style(name=_code, value=_code)


def _sign_action(change: Change) -> str:
    # File and metadata fields are the items there; elsewhere a changed field changes its item.
    return change.action if change.section in ("file", "metadata") else change.item_action


def _describe(change: Change, style: _Style) -> str:
    if change.section in ("file", "metadata"):
        what = style.name(".".join(change.field))
        return f"{what}: {_field_change(change, style)}"

    what = style.name(change.key) + (f" (copy {change.copy})" if change.copy > 1 else "")
    if not change.field:
        brief = _brief(change.new if change.action == ADDED else change.old, style)
        return f"{what}: {brief}" if brief else what
    return f"{what}: {'.'.join(change.field)} {_field_change(change, style)}"


def _field_change(change: Change, style: _Style) -> str:
    name = change.field[-1]
    if change.added or change.removed:
        added = [f"+{_shown(name, item, style)}" for item in change.added]
        return " ".join(added + [f"-{_shown(name, item, style)}" for item in change.removed])
    if change.action == ADDED:
        return f"added {_shown(name, change.new, style)}"
    if change.action == REMOVED:
        return f"removed {_shown(name, change.old, style)}"
    return f"{_shown(name, change.old, style)} → {_shown(name, change.new, style)}"


def _brief(item: Any, style: _Style) -> str:
    """A short account of an added or removed class or document: labels first."""
    if not isinstance(item, dict) or not item:
        return ""
    order = [name for name in (CLASS, CLASSES, LABELS, REGIONS) if name in item]
    order += [name for name in item if name not in order]
    return ", ".join(f"{name} {_shown(name, item[name], style)}" for name in order)


def _shown(name: str, value: Any, style: _Style) -> str:
    if isinstance(value, EntityLabel):
        return style.value(f"{value.category}@{value.offset}+{value.length}")
    if isinstance(value, Region):
        return style.value(f"@{value.offset}+{value.length}")
    if isinstance(value, tuple):
        return ", ".join(_shown(name, item, style) for item in value)
    if name in _NAMES and isinstance(value, str):
        return style.value(value)
    return style.value(json.dumps(jsonable(value), ensure_ascii=False))


def diff_document(
    result: ProjectDiff, old: Operand, new: Operand, *, include_volatile: bool = False
) -> dict[str, Any]:
    """The diff as the versioned JSON structure the README documents."""
    return {
        "diff_format": DIFF_FORMAT,
        "old": _operand_json(old),
        "new": _operand_json(new),
        "equal": result.empty,
        "include_volatile": include_volatile,
        "counts": result.counts(zeros=True),
        "duplicates": [duplicate.__dict__ for duplicate in result.duplicates],
        "changes": [_change_json(change) for change in result.changes],
    }


def _operand_json(operand: Operand) -> dict[str, Any]:
    snapshot = operand.snapshot
    source = snapshot.source
    return {
        "name": operand.name,
        "live": operand.live,
        "path": str(snapshot.path) if snapshot.path else None,
        "resource": source.resource,
        "project": source.project,
        "created": utc_iso(snapshot.created),
        "endpoint": source.endpoint,
        "api_version": source.api_version,
        "project_kind": source.project_kind,
        "project_file_format": detect_format(snapshot.project),
        "project_sha256": snapshot.project_sha256,
        "tags": list(snapshot.tags),
    }


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "section": change.section,
        "action": change.action,
        "key": change.key if change.section in ("classes", "documents") else None,
        "copy": change.copy,
        "field": list(change.field),
        "old": jsonable(change.old),
        "new": jsonable(change.new),
        "added": [jsonable(item) for item in change.added],
        "removed": [jsonable(item) for item in change.removed],
    }


def jsonable(value: Any) -> Any:
    """A value of the diff's normal form as JSON: labels and regions with the file's names."""
    if isinstance(value, EntityLabel):
        return {
            "category": value.category,
            "offset": value.offset,
            "length": value.length,
            "regionOffset": value.region_offset,
            "regionLength": value.region_length,
        }
    if isinstance(value, Region):
        return {"regionOffset": value.offset, "regionLength": value.length}
    if isinstance(value, tuple | list):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {name: jsonable(item) for name, item in value.items()}
    return value


def register(app: typer.Typer) -> None:
    app.command("diff", help=HELP, epilog=EPILOG)(diff)
