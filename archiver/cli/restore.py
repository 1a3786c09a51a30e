"""`archiver restore`: a snapshot into a resource, same or new name, never blindly."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from archiver.cli import context, output
from archiver.cli.options import (
    ConfigOption,
    DebugOption,
    JsonOption,
    LogFileOption,
    QuietOption,
    StoreOption,
    VerboseOption,
    WaitLockOption,
    exit_statuses,
)
from archiver.diffing import ProjectDiff
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
    VerifyFailedError,
)
from archiver.projectfile import summarize
from archiver.refs import looks_like_path, resolve
from archiver.restore import Overrides, RestorePlan, execute_restore, plan_restore
from archiver.snapshot import utc_text

HELP = (
    "Restore a snapshot into a resource, under its own name or --as NAME.\n\n"
    "The plan comes first: target name, whether it exists and how it differs, format "
    "conversion, overrides. An existing project is never replaced unless --overwrite is "
    "given; then a safety snapshot of it, tagged pre-restore, is written to the store and "
    "read back first. After the import the target is exported again and compared with what "
    "was sent (--no-verify skips this). --dry-run prints the plan and changes nothing."
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
    VerifyFailedError.exit_code,
    ConflictError.exit_code,
)


def restore(
    ref: Annotated[str, typer.Argument(help="The snapshot, or with --at the project.")],
    resource: Annotated[str | None, typer.Option("--to", help="Resource to restore into.")] = None,
    target: Annotated[str | None, typer.Option("--as", help="Project name in the target.")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", metavar="TIME", help="The newest snapshot at or before TIME."),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace an existing project (after a safety snapshot)."),
    ] = False,
    storage_container: Annotated[
        str | None,
        typer.Option("--storage-container", help="Set the project's storage container."),
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="Set the project's language.")
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="Set the project's description.")
    ] = None,
    verify: Annotated[
        bool,
        typer.Option("--verify/--no-verify", help="Export the target again and compare."),
    ] = True,
    retrain: Annotated[
        bool,
        typer.Option("--retrain", help="Train the recorded models again and redeploy them."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    wait_lock: WaitLockOption = 0.0,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    log_file: LogFileOption = None,
) -> int:
    out = output.setup(
        "restore",
        json_mode=json_mode,
        verbose=verbose,
        quiet=quiet,
        debug=debug,
        log_file=log_file,
    )
    if not resource:
        raise UsageError("name the resource to restore into with --to RESOURCE")
    ref = _with_time(ref, at)

    settings = context.load(config)
    snapshot = resolve(context.store_for_ref(ref, store, config), ref)
    destination = settings.resource(resource)
    client = context.connect(destination)

    overrides = Overrides(storage_container, language, description)
    plan = plan_restore(
        snapshot,
        client,
        destination,
        target=target,
        overwrite=overwrite,
        overrides=overrides,
        retrain=retrain,
    )
    # With --dry-run the plan is the command's output; otherwise it is commentary.
    say = out.line if dry_run else out.talk
    for line in _plan_lines(plan):
        say(line)
    if plan.conflict:
        refusal = ConflictError(
            f"project {plan.target!r} already exists in {destination.name}; pass --overwrite "
            "to replace it (a safety snapshot is taken first)"
        )
        out.error(f"error: {refusal.message}")
        error = {"code": refusal.code, "message": refusal.message, "exit_code": refusal.exit_code}
        out.document({"plan": _plan_json(plan), "dry_run": dry_run, "error": error}, ok=False)
        return refusal.exit_code
    if dry_run:
        out.document({"plan": _plan_json(plan), "dry_run": True})
        return 0

    out.talk(f"importing into {destination.name}/{plan.target} …")
    store_for_safety = context.configured_store(store, settings)
    result = execute_restore(
        plan, client, store_for_safety, verify=verify, wait_lock=wait_lock, on_progress=out.talk
    )
    safety = str(result.safety_snapshot) if result.safety_snapshot else None
    out.document(
        {
            "plan": _plan_json(plan),
            "import_job_id": result.import_job_id,
            "safety_snapshot": safety,
            "verified": result.verified,
            "rebuilt": [asdict(job) for job in result.rebuilt],
        }
    )
    if safety:
        out.line(f"safety snapshot\t{safety}")
    checked = "verified" if result.verified else "not verified (--no-verify)"
    out.line(f"restored\t{destination.name}/{plan.target}\tfrom {snapshot.path}\t{checked}")
    for job in result.rebuilt:
        out.line(
            f"{'trained' if job.kind == 'model' else 'deployed'}\t{job.name}\tjob {job.job_id}"
        )
    return 0


def _with_time(ref: str, at: str | None) -> str:
    if at is None:
        return ref
    if "@" in ref or looks_like_path(ref):
        raise UsageError("--at takes a project name, e.g. restore --at 2026-12-01 Movies")
    return f"{ref}@{at}"


def _plan_lines(plan: RestorePlan) -> list[str]:
    summary = summarize(plan.project)
    source = plan.snapshot.source
    action = "replace the existing project" if plan.target_exists else "create a new project"
    lines = [
        f"restore plan: {source.resource}/{source.project} ({utc_text(plan.snapshot.created)})"
        f" → {plan.resource.name}/{plan.target} (api-version {plan.resource.api_version})",
        f"  will {action}: {summary.classes} classes, {summary.documents} documents, "
        f"{summary.labels} labels",
    ]
    if plan.converted_from:
        lines.append(f"  converted from the {plan.converted_from} project file format")
    lines += [f"  sets {key} = {value!r}" for key, value in plan.overrides.items()]
    if plan.retrain:
        lines += _retrain_lines(plan)
    if plan.changes is not None:
        lines.append(f"  differs from the live project in: {_counts(plan.changes)}")
    if plan.conflict:
        lines.append("  refused: the project exists and --overwrite was not given")
    elif plan.target_exists:
        lines.append("  a safety snapshot of the live project is written first (tag pre-restore)")
    return lines


def _retrain_lines(plan: RestorePlan) -> list[str]:
    models = plan.snapshot.models or ()
    deployments = plan.snapshot.deployments or ()
    lines = [f"  then trains model {m.label} ({m.training_config_version})" for m in models]
    lines += [f"  then deploys {d.name} → model {d.model_label}" for d in deployments]
    return lines or ["  --retrain: the snapshot records no models to train"]


def _counts(changes: ProjectDiff) -> str:
    if changes.empty:
        return "nothing"
    counts = changes.counts()
    return "; ".join(
        f"{section} " + ", ".join(f"{n} {action}" for action, n in sorted(actions.items()))
        for section, actions in counts.items()
    )


def _plan_json(plan: RestorePlan) -> dict[str, object]:
    return {
        "snapshot": str(plan.snapshot.path),
        "resource": plan.resource.name,
        "project": plan.target,
        "target_exists": plan.target_exists,
        "overwrite": plan.overwrite,
        "converted_from": plan.converted_from,
        "overrides": plan.overrides,
        "changes": plan.changes.counts() if plan.changes is not None else None,
        "summary": asdict(summarize(plan.project)),
    }


def register(app: typer.Typer) -> None:
    app.command("restore", help=HELP, epilog=EPILOG)(restore)
