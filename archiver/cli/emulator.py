"""`archiver emulator`: a local emulator of the authoring API, for offline use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from archiver.cli import output
from archiver.cli.options import DebugOption, QuietOption, VerboseOption, exit_statuses
from archiver.errors import UsageError

HELP = (
    "Serve a local emulator of the text authoring API (api-versions 2021-11-01-preview and "
    "2022-05-01 to 2025-05-15-preview) until interrupted.\n\n"
    "The first line on stdout is the URL it listens on, so that --port 0 (any free port) "
    "can be used from scripts. Projects persist in --data across restarts."
)
EPILOG = exit_statuses(0, UsageError.exit_code)


def emulator(
    port: Annotated[int, typer.Option("--port", help="TCP port; 0 picks a free one.")] = 5080,
    data: Annotated[Path, typer.Option("--data", help="Directory for the projects.")] = Path(
        "emulator-data"
    ),
    key: Annotated[
        str | None,
        typer.Option("--key", help="Subscription key to require (or ARCHIVER_EMULATOR_KEY)."),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    job_delay: Annotated[
        float, typer.Option("--job-delay", help="Seconds each job takes to finish.")
    ] = 0.0,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            metavar="FILE",
            help="JSON scenario: quotas, latency, job timings and faults (see README, Emulator).",
        ),
    ] = None,
    rate_limits: Annotated[
        bool,
        typer.Option(
            "--rate-limits", help="Enforce the service's quotas: 10 writes and 100 reads a minute."
        ),
    ] = False,
    latency: Annotated[
        float | None,
        typer.Option("--latency", metavar="SECONDS", help="Seconds added to every request."),
    ] = None,
    time_scale: Annotated[
        float | None,
        typer.Option(
            "--time-scale",
            metavar="FACTOR",
            help="Multiply every duration (jobs, latency, quota window, Retry-After) by FACTOR.",
        ),
    ] = None,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    output.setup("emulator", verbose=verbose, quiet=quiet, debug=debug)
    key = key or os.environ.get("ARCHIVER_EMULATOR_KEY")
    if not key:
        raise UsageError("give the key to require with --key or ARCHIVER_EMULATOR_KEY")
    if not 0 <= port <= 65535:
        raise UsageError(f"invalid port {port}")
    if job_delay < 0:
        raise UsageError("--job-delay must be zero or more seconds")

    from archiver.emulator import ScenarioError, serve

    try:
        serve(
            data,
            key,
            host=host,
            port=port,
            job_delay=job_delay,
            scenario=scenario,
            rate_limits=rate_limits,
            latency=latency,
            time_scale=time_scale,
        )
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot serve on {host}:{port} with data in {data}: {exc}") from None
    return 0


def register(app: typer.Typer) -> None:
    app.command("emulator", help=HELP, epilog=EPILOG)(emulator)
