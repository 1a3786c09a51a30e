"""`archiver show`: one snapshot's envelope and contents, or its project file."""

from __future__ import annotations

import json
from typing import Annotated

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
from archiver.errors import (
    ConfigError,
    CorruptSnapshotError,
    NotFoundError,
    StorageError,
    UsageError,
)
from archiver.projectfile import summarize
from archiver.refs import resolve
from archiver.snapshot import Snapshot, utc_iso, utc_text

HELP = (
    "Show a snapshot: where and when it was taken and what it holds.\n\n"
    "REF is a snapshot path, PROJECT@latest, PROJECT@~N, PROJECT@TIME or "
    "RESOURCE/PROJECT@... . --project-file prints the project file itself, ready to import."
)
EPILOG = exit_statuses(
    0,
    UsageError.exit_code,
    ConfigError.exit_code,
    NotFoundError.exit_code,
    CorruptSnapshotError.exit_code,
    StorageError.exit_code,
)


def show(
    ref: Annotated[str, typer.Argument(help="The snapshot to show.")],
    project_file: Annotated[
        bool, typer.Option("--project-file", help="Print the project file JSON only.")
    ] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    out = output.setup("show", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    snapshot = resolve(context.store_for_ref(ref, store, config), ref)

    if project_file:
        out.document({"project": snapshot.project})
        out.line(json.dumps(snapshot.project, indent=2, ensure_ascii=False))
        return 0

    out.document(describe(snapshot))
    for label, value in _lines(snapshot):
        out.line(f"{label + ':':<13} {value}")
    return 0


def describe(snapshot: Snapshot) -> dict[str, object]:
    summary = summarize(snapshot.project)
    return {
        "path": str(snapshot.path) if snapshot.path else None,
        "created": utc_iso(snapshot.created),
        "tool_version": snapshot.tool_version,
        "source": snapshot.source.__dict__,
        "project_sha256": snapshot.project_sha256,
        "tags": list(snapshot.tags),
        "description": snapshot.description,
        "summary": summary.__dict__,
    }


def _lines(snapshot: Snapshot) -> list[tuple[str, str]]:
    source, summary = snapshot.source, summarize(snapshot.project)
    return [
        ("snapshot", str(snapshot.path)),
        ("created", utc_text(snapshot.created)),
        ("project", f"{source.resource}/{source.project} ({summary.kind})"),
        ("endpoint", f"{source.endpoint} (api-version {source.api_version})"),
        ("export job", source.export_job_id or "-"),
        ("format", summary.file_format),
        (
            "contents",
            f"{summary.classes} classes, {summary.documents} documents, {summary.labels} labels",
        ),
        ("sha256", snapshot.project_sha256),
        ("tags", ", ".join(snapshot.tags) or "-"),
        ("description", snapshot.description or "-"),
    ]


def register(app: typer.Typer) -> None:
    app.command("show", help=HELP, epilog=EPILOG)(show)
