"""`archiver unlock`: remove project locks left behind, for a person who checked."""

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
from archiver.errors import ConfigError, NotFoundError, StoreBusyError, UsageError
from archiver.locks import remove_lock

HELP = (
    "Show project locks, or remove them.\n\n"
    "With no PROJECT and no --all, lists the locks. A lock held by a running process on this "
    "host is never removed. A lock from another host is removed only when you name it or "
    "pass --all: check first that the run holding it is really gone."
)
EPILOG = exit_statuses(
    0,
    UsageError.exit_code,
    ConfigError.exit_code,
    NotFoundError.exit_code,
    StoreBusyError.exit_code,
)


def unlock(
    projects: Annotated[
        list[str] | None, typer.Argument(metavar="[RESOURCE/PROJECT]...", help="Locks to remove.")
    ] = None,
    all_locks: Annotated[bool, typer.Option("--all", help="Remove every lock.")] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    out = output.setup("unlock", json_mode=json_mode, verbose=verbose, quiet=quiet, debug=debug)
    target = context.open_store(store, context.load(config))
    locks = target.locks()
    names = {f"{path.parent.parent.name}/{path.parent.name}": (path, info) for path, info in locks}

    wanted = list(names) if all_locks else list(projects or [])
    missing = [name for name in wanted if name not in names]
    if missing:
        raise NotFoundError(f"no lock for {', '.join(missing)} in {target.root}")

    removed = []
    for name in wanted:
        info = remove_lock(names[name][0])
        if info is not None:
            out.talk(f"removed the lock of {name}, held by {info.describe()}")
            removed.append(name)
    if not wanted:
        for name, (_, info) in names.items():
            out.line(f"{name}\t{info.describe()}")
    held = {name: info.__dict__ for name, (_, info) in names.items()}
    out.document({"locks": held, "removed": removed})
    return 0


def register(app: typer.Typer) -> None:
    app.command("unlock", help=HELP, epilog=EPILOG)(unlock)
