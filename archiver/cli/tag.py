"""`archiver tag`: add or remove tags of a snapshot in the store."""

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
from archiver.maintenance import retag
from archiver.refs import resolve

HELP = "Add or remove tags of a snapshot. `prune --keep-tag TAG` keeps tagged snapshots."
EPILOG = exit_statuses(
    0,
    UsageError.exit_code,
    ConfigError.exit_code,
    NotFoundError.exit_code,
    StoreBusyError.exit_code,
    StorageError.exit_code,
    CorruptSnapshotError.exit_code,
)


def tag(
    ref: Annotated[str, typer.Argument(help="The snapshot to tag.")],
    add: Annotated[list[str] | None, typer.Option("--add", help="Tag to add (repeatable).")] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="Tag to remove (repeatable).")
    ] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    out = output.setup("tag", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    if not add and not remove:
        raise UsageError("give --add TAG or --remove TAG")
    snapshots = context.store_for_ref(ref, store, config)

    snapshot = retag(snapshots, resolve(snapshots, ref), add=add or (), remove=remove or ())
    out.document({"path": str(snapshot.path), "tags": list(snapshot.tags)})
    out.line(f"{snapshot.path}\t{', '.join(snapshot.tags) or '(no tags)'}")
    return 0


def register(app: typer.Typer) -> None:
    app.command("tag", help=HELP, epilog=EPILOG)(tag)
