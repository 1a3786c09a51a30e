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
from archiver.errors import ConfigError, NotFoundError, StorageError, UsageError
from archiver.maintenance import Listed, inventory
from archiver.snapshot import utc_iso

HELP = (
    "List the snapshots in the store, oldest first, with what each holds.\n\n"
    "Corrupt files are listed and marked, not skipped; `archiver verify` explains them."
)
EPILOG = exit_statuses(
    0, UsageError.exit_code, ConfigError.exit_code, NotFoundError.exit_code, StorageError.exit_code
)

_COLUMNS = ("SNAPSHOT", "KIND", "DOCS", "CLASSES", "LABELS", "TAGS")


def list_snapshots(
    project: Annotated[
        str | None, typer.Argument(metavar="[[RESOURCE/]PROJECT]", help="Only this project.")
    ] = None,
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

    resource, project = context.project_filter(target, project, resource)
    listed = inventory(target.entries(resource=resource, project=project))
    rows = [_as_json(row) for row in listed]
    out.document({"store": str(target.root), "snapshots": rows})
    if not rows:
        out.talk(f"no snapshots in {target.root}")
        return 0

    out.table([_COLUMNS, *(_cells(row) for row in listed)])
    return 0


def _as_json(row: Listed) -> dict[str, Any]:
    entry = row.entry
    document: dict[str, Any] = {
        "ref": entry.name,
        "path": str(entry.path),
        "resource": entry.resource,
        "project": entry.project,
        "corrupt": row.error is not None,
    }
    if row.error is not None:
        return {**document, "created": utc_iso(entry.created), "error": row.error.message}

    assert row.snapshot is not None and row.summary is not None
    return {
        **document,
        "created": utc_iso(row.snapshot.created),
        "kind": row.summary.kind,
        "documents": row.summary.documents,
        "classes": row.summary.classes,
        "labels": row.summary.labels,
        "tags": list(row.snapshot.tags),
        "pinned": row.snapshot.pinned,
    }


def _cells(row: Listed) -> tuple[str, ...]:
    if row.snapshot is None or row.summary is None:
        return (row.entry.name, "CORRUPT", "-", "-", "-", "")
    marks = [*row.snapshot.tags, *(["pinned"] if row.snapshot.pinned else [])]
    summary = row.summary
    counts = (str(summary.documents), str(summary.classes), str(summary.labels))
    return (row.entry.name, summary.kind, *counts, ",".join(marks))


def register(app: typer.Typer) -> None:
    app.command("list", help=HELP, epilog=EPILOG)(list_snapshots)
