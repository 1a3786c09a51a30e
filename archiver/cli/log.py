"""`archiver log`: a project's history, one line per snapshot, with what each one changed."""

from __future__ import annotations

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
from archiver.diffing import ACTIONS, ADDED, CHANGED, REMOVED
from archiver.errors import ConfigError, NotFoundError, StorageError, UsageError
from archiver.history import HistoryRow, project_history
from archiver.refs import matching_entries, parse_ref
from archiver.snapshot import utc_iso, utc_text

HELP = (
    "Show the history of a project: one line per snapshot, oldest first, with its time, "
    "tags, and how many classes, documents and labels it added (+), changed (~) and "
    "removed (-) since the intact snapshot before it ('=' when none). METADATA counts "
    "changed fields of the metadata and the rest of the file. The first snapshot shows "
    "its totals. Corrupt snapshots are marked CORRUPT and left out of the comparisons."
)
EPILOG = exit_statuses(
    0, UsageError.exit_code, ConfigError.exit_code, NotFoundError.exit_code, StorageError.exit_code
)

_COLUMNS = ("CREATED", "SNAPSHOT", "CLASSES", "DOCUMENTS", "LABELS", "METADATA", "TAGS")
_SIGNS = {ADDED: "+", CHANGED: "~", REMOVED: "-"}


def log(
    project: Annotated[str, typer.Argument(metavar="PROJECT", help="PROJECT or RESOURCE/PROJECT.")],
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    out = output.setup("log", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    if "@" in project:
        raise UsageError(f"log takes PROJECT or RESOURCE/PROJECT, not a snapshot: {project!r}")
    target = context.open_store(store, context.load(config))
    entries = list(reversed(matching_entries(target, parse_ref(project))))

    # Rows are reduced as they come, so no more than two project files are held at once.
    table: list[tuple[str, ...]] = [_COLUMNS]
    documents = []
    for row in project_history(entries):
        if row.error is not None:
            out.talk(f"warning: {row.error.message}")
        table.append(_cells(row))
        documents.append(_as_json(row))

    first = entries[0]
    out.document({"resource": first.resource, "project": first.project, "snapshots": documents})
    out.table(table)
    return 0


def _cells(row: HistoryRow) -> tuple[str, ...]:
    name = row.entry.path.name
    if row.snapshot is None or row.summary is None:
        return (utc_text(row.entry.created), name, "CORRUPT", "-", "-", "-", "")

    marks = ",".join([*row.snapshot.tags, *(["pinned"] if row.snapshot.pinned else [])])
    created = utc_text(row.snapshot.created)
    if row.counts is None:
        summary = row.summary
        totals = (str(summary.classes), str(summary.documents), str(summary.labels), "-")
        return (created, name, *totals, marks)

    counts = row.counts
    metadata = {a: counts["metadata"][a] + counts["file"][a] for a in ACTIONS}
    changes = [_delta(counts[s]) for s in ("classes", "documents", "labels")] + [_delta(metadata)]
    return (created, name, *changes, marks)


def _delta(counts: dict[str, int]) -> str:
    parts = [f"{_SIGNS[action]}{counts[action]}" for action in ACTIONS if counts[action]]
    return " ".join(parts) or "="


def _as_json(row: HistoryRow) -> dict[str, Any]:
    entry = row.entry
    document: dict[str, Any] = {
        "ref": entry.name,
        "path": str(entry.path),
        "corrupt": row.corrupt,
    }
    if row.snapshot is None or row.summary is None:
        error = row.error.message if row.error else None
        return {**document, "created": utc_iso(entry.created), "error": error}

    summary = row.summary
    return {
        **document,
        "created": utc_iso(row.snapshot.created),
        "tags": list(row.snapshot.tags),
        "pinned": row.snapshot.pinned,
        "totals": {
            "classes": summary.classes,
            "documents": summary.documents,
            "labels": summary.labels,
        },
        "compared_with": row.previous.name if row.previous else None,
        "changes": row.counts,
    }


def register(app: typer.Typer) -> None:
    app.command("log", help=HELP, epilog=EPILOG)(log)
