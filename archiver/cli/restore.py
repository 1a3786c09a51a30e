"""`archiver restore`: a snapshot into a resource, same or new name, never blindly."""

from __future__ import annotations

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
    ConflictError,
    CorruptSnapshotError,
    NotFoundError,
    RemoteError,
    StorageError,
    StoreBusyError,
    ThrottledError,
    UsageError,
    ValidationError,
)
from archiver.projectfile import summarize
from archiver.refs import resolve
from archiver.restore import RestorePlan, execute_restore, plan_restore
from archiver.snapshot import utc_text

HELP = (
    "Restore a snapshot into a resource, under its own name or --as NAME.\n\n"
    "An existing project is never replaced unless --overwrite is given; then a safety "
    "snapshot of it, tagged pre-restore, is written to the store and read back first. "
    "--dry-run prints the plan and sends nothing that changes the resource."
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
    CorruptSnapshotError.exit_code,
    ConflictError.exit_code,
)


def restore(
    ref: Annotated[str, typer.Argument(help="The snapshot to restore.")],
    resource: Annotated[str | None, typer.Option("--to", help="Resource to restore into.")] = None,
    target: Annotated[str | None, typer.Option("--as", help="Project name in the target.")] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace an existing project (after a safety snapshot)."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    out = output.setup("restore", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    if not resource:
        raise UsageError("name the resource to restore into with --to RESOURCE")

    settings = context.load(config)
    snapshots = context.store_for_ref(ref, store, config)
    snapshot = resolve(snapshots, ref)
    destination = settings.resource(resource)
    client = context.connect(destination)

    plan = plan_restore(snapshot, client, destination, target=target, overwrite=overwrite)
    # With --dry-run the plan is the command's output; otherwise it is commentary.
    say = out.line if dry_run else out.talk
    for line in _plan_lines(plan):
        say(line)
    if dry_run:
        out.document({"plan": _plan_json(plan), "dry_run": True})
        return 0

    result = execute_restore(plan, client, context.configured_store(store, settings))
    safety = str(result.safety_snapshot) if result.safety_snapshot else None
    out.document(
        {"plan": _plan_json(plan), "import_job_id": result.import_job_id, "safety_snapshot": safety}
    )
    if safety:
        out.line(f"safety snapshot\t{safety}")
    out.line(f"restored\t{destination.name}/{plan.target}\tfrom {snapshot.path}")
    return 0


def _plan_lines(plan: RestorePlan) -> list[str]:
    summary = summarize(plan.project)
    action = "replace the existing project" if plan.target_exists else "create a new project"
    lines = [
        f"restore plan: {plan.snapshot.source.resource}/{plan.snapshot.source.project} "
        f"({utc_text(plan.snapshot.created)}) → {plan.resource.name}/{plan.target}",
        f"  will {action}: {summary.classes} classes, {summary.documents} documents, "
        f"{summary.labels} labels",
    ]
    if plan.target_exists:
        lines.append(
            "  a safety snapshot of the current project is written first (tag pre-restore)"
        )
    return lines


def _plan_json(plan: RestorePlan) -> dict[str, object]:
    return {
        "snapshot": str(plan.snapshot.path),
        "resource": plan.resource.name,
        "project": plan.target,
        "target_exists": plan.target_exists,
        "overwrite": plan.overwrite,
        "summary": summarize(plan.project).__dict__,
    }


def register(app: typer.Typer) -> None:
    app.command("restore", help=HELP, epilog=EPILOG)(restore)
