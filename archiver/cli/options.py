"""Options shared by several commands, and the help text that ends each command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from archiver.errors import EXIT_STATUSES, InternalError, Interrupted

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Config file (default: ./archiver.toml, then user config).",
        envvar="ARCHIVER_CONFIG",
        show_envvar=False,
    ),
]
StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Store directory (default: ARCHIVER_STORE, then the config).",
        envvar="ARCHIVER_STORE",
        show_envvar=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout, failures included.")
]
VerboseOption = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help="More detail on stderr (-vv: debug).")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
LogFileOption = Annotated[
    Path | None,
    typer.Option(
        "--log-file",
        metavar="FILE",
        help="Append every detail (DEBUG) to FILE, whatever -v or -q say; keys never appear.",
        envvar="ARCHIVER_LOG_FILE",
        show_envvar=False,
        dir_okay=False,
    ),
]
EndpointOption = Annotated[
    str | None, typer.Option("--endpoint", help="One-off endpoint URL instead of a resource.")
]
KeyEnvOption = Annotated[
    str | None, typer.Option("--key-env", help="With --endpoint: variable holding the key.")
]
ApiVersionOption = Annotated[
    str | None, typer.Option("--api-version", help="With --endpoint: api-version to speak.")
]


WaitLockOption = Annotated[
    float,
    typer.Option(
        "--wait-lock",
        metavar="SECONDS",
        min=0,
        max=86400,
        help="Wait this long for a project locked by another run.",
    ),
]


def exit_statuses(*codes: int) -> str:
    """The 'Exit status' paragraph of a command's help: `codes`, interrupted, internal."""
    wanted = {*codes, Interrupted.exit_code, InternalError.exit_code}
    rows = [f"{code:>3}  {meaning}" for code, meaning in EXIT_STATUSES if code in wanted]
    return "Exit status:\n\n" + "\n".join(rows)
