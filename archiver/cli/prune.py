"""`archiver prune`: remove snapshots that a retention policy does not keep."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
from archiver.errors import ConfigError, StorageError, StoreBusyError, UsageError
from archiver.maintenance import PruneRow, prune
from archiver.retention import Policy, parse_duration

HELP = (
    "Remove snapshots that a retention policy does not keep, per resource and project.\n\n"
    "Calendar rules keep the newest snapshot of each of the N newest hours, days, ISO weeks, "
    "months or years (in --tz) that hold one. --keep-within keeps everything taken within "
    "that long before the project's newest snapshot. The newest snapshot of each project and "
    "pinned snapshots are always kept; corrupt files are never removed. Every snapshot is "
    "printed with keep or remove and the reasons."
)
EPILOG = exit_statuses(
    0,
    UsageError.exit_code,
    ConfigError.exit_code,
    StoreBusyError.exit_code,
    StorageError.exit_code,
)


def prune_snapshots(
    project: Annotated[
        str | None, typer.Argument(metavar="[[RESOURCE/]PROJECT]", help="Only this project.")
    ] = None,
    resource: Annotated[str | None, typer.Option("--resource", help="Only this resource.")] = None,
    keep_last: Annotated[int, typer.Option("--keep-last", min=0, metavar="N")] = 0,
    keep_hourly: Annotated[int, typer.Option("--keep-hourly", min=0, metavar="N")] = 0,
    keep_daily: Annotated[int, typer.Option("--keep-daily", min=0, metavar="N")] = 0,
    keep_weekly: Annotated[int, typer.Option("--keep-weekly", min=0, metavar="N")] = 0,
    keep_monthly: Annotated[int, typer.Option("--keep-monthly", min=0, metavar="N")] = 0,
    keep_yearly: Annotated[int, typer.Option("--keep-yearly", min=0, metavar="N")] = 0,
    keep_within: Annotated[
        str | None,
        typer.Option("--keep-within", metavar="DURATION", help="e.g. 36h, 14d, 6mo, 1y6mo."),
    ] = None,
    keep_tag: Annotated[
        list[str] | None, typer.Option("--keep-tag", metavar="TAG", help="Repeatable.")
    ] = None,
    tz: Annotated[str, typer.Option("--tz", help="Time zone of the calendar rules.")] = "UTC",
    wait_lock: WaitLockOption = 0.0,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Decide and print; remove nothing.")
    ] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    log_file: LogFileOption = None,
) -> int:
    out = output.setup(
        "prune",
        json_mode=json_mode,
        verbose=verbose,
        quiet=quiet,
        debug=debug,
        log_file=log_file,
    )
    policy = Policy(
        keep_last=keep_last,
        keep_hourly=keep_hourly,
        keep_daily=keep_daily,
        keep_weekly=keep_weekly,
        keep_monthly=keep_monthly,
        keep_yearly=keep_yearly,
        keep_within=parse_duration(keep_within) if keep_within else None,
        keep_tags=frozenset(keep_tag or ()),
    )
    zone = _zone(tz)
    target = context.open_store(store, context.load(config))

    resource, project = context.project_filter(target, project, resource)
    rows = prune(
        target,
        policy,
        zone,
        resource=resource,
        project=project,
        dry_run=dry_run,
        wait_lock=wait_lock,
    )
    for row in rows:
        out.line(f"{_verdict(row, dry_run=dry_run)}\t{row.entry.name}\t{', '.join(row.reasons)}")
    removed = sum(1 for row in rows if not row.keep)
    out.talk(f"{'would remove' if dry_run else 'removed'} {removed} of {len(rows)} snapshots")
    busy = {row.busy.message for row in rows if row.busy is not None}
    for message in sorted(busy):
        out.error(f"skipped: {message}")
    out.document({"dry_run": dry_run, "snapshots": [_as_json(row) for row in rows]}, ok=not busy)
    return StoreBusyError.exit_code if busy else 0


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UsageError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin"
        ) from None


def _verdict(row: PruneRow, *, dry_run: bool) -> str:
    if row.keep:
        return "keep"
    return "remove" if dry_run or row.removed else "remove?"


def _as_json(row: PruneRow) -> dict[str, object]:
    return {
        "ref": row.entry.name,
        "path": str(row.entry.path),
        "keep": row.keep,
        "reasons": list(row.reasons),
        "removed": row.removed,
        "busy": row.busy.message if row.busy is not None else None,
    }


def register(app: typer.Typer) -> None:
    app.command("prune", help=HELP, epilog=EPILOG)(prune_snapshots)
