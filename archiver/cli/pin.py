"""`archiver pin` and `archiver unpin`: a pinned snapshot is never pruned."""

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
    CorruptSnapshotError,
    NotFoundError,
    StorageError,
    StoreBusyError,
    UsageError,
)
from archiver.maintenance import set_pinned
from archiver.refs import resolve

_STATUSES = exit_statuses(
    0,
    UsageError.exit_code,
    ConfigError.exit_code,
    NotFoundError.exit_code,
    StoreBusyError.exit_code,
    StorageError.exit_code,
    CorruptSnapshotError.exit_code,
)
PIN_HELP = "Pin a snapshot: no retention policy will ever remove it."
UNPIN_HELP = "Unpin a snapshot, so that retention policies apply to it again."

RefArgument = Annotated[str, typer.Argument(help="The snapshot.")]


def pin(
    ref: RefArgument,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    output.setup("pin", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    return _set(ref, store, config, pinned=True)


def unpin(
    ref: RefArgument,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    output.setup("unpin", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    return _set(ref, store, config, pinned=False)


def _set(ref: str, store: StoreOption, config: ConfigOption, *, pinned: bool) -> int:
    out = output.current()
    snapshots = context.store_for_ref(ref, store, config)
    snapshot = set_pinned(snapshots, resolve(snapshots, ref), pinned=pinned)
    out.document({"path": str(snapshot.path), "pinned": snapshot.pinned})
    out.line(f"{'pinned' if pinned else 'unpinned'}\t{snapshot.path}")
    return 0


def register(app: typer.Typer) -> None:
    app.command("pin", help=PIN_HELP, epilog=_STATUSES)(pin)
    app.command("unpin", help=UNPIN_HELP, epilog=_STATUSES)(unpin)
