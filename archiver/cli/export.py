"""`archiver export`: projects of a resource into new snapshots in the store."""

from __future__ import annotations

import logging
import time
from typing import Annotated

import typer

from archiver.backup import (
    ExportBatch,
    ExportOptions,
    ExportOutcome,
    batch_failure,
    export_batches,
    prepare_batches,
)
from archiver.cli import context, output
from archiver.cli.options import (
    ApiVersionOption,
    ConfigOption,
    DebugOption,
    EndpointOption,
    JsonOption,
    KeyEnvOption,
    LogFileOption,
    QuietOption,
    StoreOption,
    VerboseOption,
    WaitLockOption,
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
from archiver.service.auth import redact
from archiver.store import Store

log = logging.getLogger(__name__)

HELP = (
    "Export projects from one or more resources into new snapshots in the store.\n\n"
    "Name the projects, or pass --all for every project of each resource. --from may be "
    "repeated: the resources run at once, each with at most its max_concurrency projects "
    "in flight, paced to its quota. One project's failure does not stop the others."
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
    resources: Annotated[
        list[str] | None,
        typer.Option("--from", help="Resource (from the config) to export from; repeatable."),
    ] = None,
    all_projects: Annotated[
        bool, typer.Option("--all", help="Every project of each resource.")
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
    wait_lock: WaitLockOption = 0.0,
    endpoint: EndpointOption = None,
    key_env: KeyEnvOption = None,
    api_version: ApiVersionOption = None,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    log_file: LogFileOption = None,
) -> int:
    out = output.setup(
        "export", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug, log_file=log_file
    )
    names = list(projects or [])
    if bool(names) == all_projects:
        raise UsageError("name one or more projects, or pass --all")
    options = ExportOptions(
        tags=tuple(check_tag(t) for t in tag or ()),
        description=note,
        skip_unchanged=skip_unchanged,
        wait_lock=wait_lock,
    )

    settings = context.load(config)
    target = context.open_store(store, settings, create=True)
    sources = context.pick_resources(
        settings, resources or [], endpoint=endpoint, key_env=key_env, api_version=api_version
    )
    started = time.monotonic()
    batches, outcomes = prepare_batches(sources, names, context.connect)
    for failed in outcomes:
        _report(out, failed)
    outcomes += _run(out, batches, target, options, listed=all_projects)

    elapsed = time.monotonic() - started
    _summarize(out, batches, outcomes, elapsed)
    out.document(
        {"store": str(target.root), "projects": [_as_json(o) for o in outcomes]},
        ok=all(o.ok for o in outcomes),
    )
    return _status(out, outcomes)


def _run(
    out: output.Output,
    batches: list[ExportBatch],
    store: Store,
    options: ExportOptions,
    *,
    listed: bool,
) -> list[ExportOutcome]:
    if listed:
        for batch in batches:
            out.talk(f"{len(batch.names)} projects in {batch.resource.name}")

    def finished(outcome: ExportOutcome) -> None:
        out.finished(ok=outcome.ok)
        _report(out, outcome)

    out.start_progress(sum(len(batch.names) for batch in batches))
    try:
        return export_batches(
            batches, store, options, on_start=lambda *_: out.started(), on_outcome=finished
        )
    finally:
        out.end_progress()
        for batch in batches:
            batch.client.close()


def _status(out: output.Output, outcomes: list[ExportOutcome]) -> int:
    failure = batch_failure(outcomes)
    if failure is None:
        return 0
    if len(outcomes) > 1:
        out.error(failure.message)
    return failure.exit_code


def _summarize(
    out: output.Output, batches: list[ExportBatch], outcomes: list[ExportOutcome], elapsed: float
) -> None:
    for batch in batches:
        pacer = batch.client.pacer
        if pacer is not None:
            stats = pacer.stats
            log.info(
                "%s: %d POST and %d GET requests, %d back-offs after 429 or 503",
                batch.resource.name,
                stats.writes,
                stats.reads,
                stats.backoffs,
            )
    if len(outcomes) <= 1:
        return

    written = sum(1 for o in outcomes if o.ok and not o.unchanged)
    unchanged = sum(1 for o in outcomes if o.unchanged)
    failed = sum(1 for o in outcomes if not o.ok)
    minutes, seconds = divmod(int(elapsed), 60)
    out.talk(
        f"{len(outcomes)} projects in {minutes}:{seconds:02d}: {written} written, "
        f"{unchanged} unchanged, {failed} failed"
    )


def _report(out: output.Output, outcome: ExportOutcome) -> None:
    where = f"{outcome.resource}/{outcome.project}" if outcome.project else outcome.resource
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
        "project": outcome.project or None,
        "ok": outcome.ok,
        "path": str(outcome.path) if outcome.path else None,
        "unchanged": outcome.unchanged,
    }
    if outcome.summary is not None:
        result["summary"] = outcome.summary.__dict__
    if outcome.error is not None:
        result["error"] = {"code": outcome.error.code, "message": redact(outcome.error.message)}
    return result


def register(app: typer.Typer) -> None:
    app.command("export", help=HELP, epilog=EPILOG)(export)
