"""`archiver list`: the snapshots a store holds, one line each."""

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
from archiver.errors import ConfigError, CorruptSnapshotError, UsageError
from archiver.projectfile import summarize
from archiver.store import Entry, Store

HELP = (
    "List the snapshots in the store, oldest first, with what each holds.\n\n"
    "Corrupt files are listed and marked, not skipped; `archiver verify` explains them."
)
EPILOG = exit_statuses(0, UsageError.exit_code, ConfigError.exit_code)

_COLUMNS = ("SNAPSHOT", "KIND", "DOCS", "CLASSES", "LABELS", "TAGS")


def list_snapshots(
    project: Annotated[str | None, typer.Argument(help="Only this project.")] = None,
    resource: Annotated[str | None, typer.Option("--resource", help="Only this resource.")] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    out = output.setup("list", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    target = context.open_store(store, context.load(config))

    rows = [
        _describe(target, entry) for entry in target.entries(resource=resource, project=project)
    ]
    out.document({"store": str(target.root), "snapshots": rows})
    if not rows:
        out.talk(f"no snapshots in {target.root}")
        return 0

    table = [_COLUMNS] + [_cells(row) for row in rows]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(_COLUMNS) - 1)]
    for cells in table:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        out.line("  ".join([*padded, cells[-1]]).rstrip())
    return 0


def _describe(store: Store, entry: Entry) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ref": entry.name,
        "path": str(entry.path),
        "resource": entry.resource,
        "project": entry.project,
        "created": entry.created.isoformat().replace("+00:00", "Z"),
    }
    try:
        snapshot = store.read(entry.path)
    except CorruptSnapshotError as exc:
        return {**row, "corrupt": True, "error": exc.message}

    summary = summarize(snapshot.project)
    return {
        **row,
        "corrupt": False,
        "created": snapshot.created.isoformat().replace("+00:00", "Z"),
        "kind": summary.kind,
        "documents": summary.documents,
        "classes": summary.classes,
        "labels": summary.labels,
        "tags": list(snapshot.tags),
    }


def _cells(row: dict[str, Any]) -> tuple[str, ...]:
    if row["corrupt"]:
        return (row["ref"], "CORRUPT", "-", "-", "-", "")
    return (
        row["ref"],
        row["kind"],
        str(row["documents"]),
        str(row["classes"]),
        str(row["labels"]),
        ",".join(row["tags"]),
    )


def register(app: typer.Typer) -> None:
    app.command("list", help=HELP, epilog=EPILOG)(list_snapshots)
