"""`archiver config check`: every problem of the config file, each with its line."""

from __future__ import annotations

import typer

from archiver.cli import context, output
from archiver.cli.options import (
    ConfigOption,
    DebugOption,
    JsonOption,
    LogFileOption,
    QuietOption,
    VerboseOption,
    exit_statuses,
)
from archiver.config import check_config
from archiver.errors import ConfigError

HELP = "Commands about the config file."
CHECK_HELP = (
    "Check the config file: TOML syntax, every resource's keys and values, https "
    "endpoints, and whether each credential can be read in this environment (the "
    "variable is set, the key file is there and readable by its owner only, "
    "azure-identity is installed). Each problem is printed with its line."
)
CHECK_EPILOG = exit_statuses(0, ConfigError.exit_code)


def check(
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    log_file: LogFileOption = None,
) -> int:
    out = output.setup(
        "config check",
        json_mode=json_mode,
        verbose=verbose,
        quiet=quiet,
        debug=debug,
        log_file=log_file,
    )
    path = context.require_config(config)

    settings, problems = check_config(path)
    names = sorted(settings.resources)
    out.document(
        {
            "config": str(path),
            "store": str(settings.store) if settings.store else None,
            "resources": names,
            "problems": [{"line": p.line, "message": p.message} for p in problems],
        },
        ok=not problems,
    )
    for problem in problems:
        out.line(str(problem))

    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        out.error(f"{path}: {count}")
        return ConfigError.exit_code
    store = f"store {settings.store}" if settings.store else "no store"
    out.talk(f"{path}: ok: {len(names)} resources ({', '.join(names) or 'none'}); {store}")
    return 0


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=HELP, no_args_is_help=True)
    group.command("check", help=CHECK_HELP, epilog=CHECK_EPILOG)(check)
    app.add_typer(group, name="config")
