"""`archiver export`: projects of a resource into new snapshots in the store."""

from __future__ import annotations

from typing import Annotated

import typer

from archiver.backup import (
    ExportOptions,
    ExportOutcome,
    batch_failure,
    export_projects,
    list_project_names,
)
from archiver.cli import context, output
from archiver.cli.options import (
    ApiVersionOption,
    ConfigOption,
    DebugOption,
    EndpointOption,
    JsonOption,
    KeyEnvOption,
    QuietOption,
    StoreOption,
    VerboseOption,
    exit_statuses,
)
from archiver.errors import (
    ConfigError,
    NotFoundError,
    PartialFailureError,
    RemoteError,
    StorageError,
    StoreBusyError,
    ThrottledError,
    UsageError,
    ValidationError,
)
from archiver.maintenance import check_tag

HELP = (
    "Export projects from a resource into new snapshots in the store.\n\n"
    "Name the projects, or pass --all for every project of the resource. One project's "
    "failure does not stop the others."
)
EPILOG = exit_statuses(
    0,
    UsageError.exit_code,
    ConfigError.exit_code,
    NotFoundError.exit_code,
    ValidationError.exit_code,
    RemoteError.exit_code,
    ThrottledError.exit_code,
    StoreBusyError.exit_code,
    StorageError.exit_code,
    PartialFailureError.exit_code,
)


def export(
    projects: Annotated[list[str] | None, typer.Argument(help="Project names.")] = None,
    resource: Annotated[
        str | None, typer.Option("--from", help="Resource (from the config) to export from.")
    ] = None,
    all_projects: Annotated[
        bool, typer.Option("--all", help="Every project of the resource.")
    ] = False,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Tag the snapshots (repeatable).")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A description for the snapshots.")
    ] = None,
    skip_unchanged: Annotated[
        bool,
        typer.Option(
            "--skip-unchanged", help="Write nothing when the project equals its latest snapshot."
        ),
    ] = False,
    wait_lock: Annotated[
        float,
        typer.Option("--wait-lock", metavar="SECONDS", help="Wait this long for a locked project."),
    ] = 0.0,
    endpoint: EndpointOption = None,
    key_env: KeyEnvOption = None,
    api_version: ApiVersionOption = None,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    out = output.setup("export", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    names = list(projects or [])
    if bool(names) == all_projects:
        raise UsageError("name one or more projects, or pass --all")

    settings = context.load(config)
    target = context.open_store(store, settings, create=True)
    source = context.pick_resource(
        settings, resource, endpoint=endpoint, key_env=key_env, api_version=api_version
    )
    client = context.connect(source)
    if all_projects:
        names = list_project_names(client)
        out.talk(f"{len(names)} projects in {source.name}")

    options = ExportOptions(
        tags=tuple(check_tag(t) for t in tag or ()),
        description=note,
        skip_unchanged=skip_unchanged,
        wait_lock=wait_lock,
    )
    outcomes = export_projects(
        client, source, names, target, options, on_outcome=lambda o: _report(out, o)
    )
    out.document(
        {"store": str(target.root), "projects": [_as_json(o) for o in outcomes]},
        ok=all(o.ok for o in outcomes),
    )
    failure = batch_failure(outcomes)
    if failure is None:
        return 0
    if len(outcomes) > 1:
        out.error(failure.message)
    return failure.exit_code


def _report(out: output.Output, outcome: ExportOutcome) -> None:
    where = f"{outcome.resource}/{outcome.project}"
    if outcome.error is not None:
        out.error(f"{where}: {outcome.error.message}")
        return
    summary = outcome.summary
    detail = f"{summary.documents} documents, {summary.classes} classes" if summary else ""
    if outcome.unchanged:
        detail = f"unchanged since this snapshot; nothing written ({detail})"
    out.line(f"{where}\t{outcome.path}\t{detail}")


def _as_json(outcome: ExportOutcome) -> dict[str, object]:
    result: dict[str, object] = {
        "resource": outcome.resource,
        "project": outcome.project,
        "ok": outcome.ok,
        "path": str(outcome.path) if outcome.path else None,
        "unchanged": outcome.unchanged,
    }
    if outcome.summary is not None:
        result["summary"] = outcome.summary.__dict__
    if outcome.error is not None:
        result["error"] = {"code": outcome.error.code, "message": outcome.error.message}
    return result


def register(app: typer.Typer) -> None:
    app.command("export", help=HELP, epilog=EPILOG)(export)
