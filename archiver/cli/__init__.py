"""The command line: one module per command; errors become exit statuses here only."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from archiver import __version__
from archiver.cli import output
from archiver.errors import ArchiverError, InternalError, Interrupted


class ArchiverGroup(TyperGroup):
    """Runs a command and maps whatever it raises to one line and one exit status."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        output.reset(argv)
        try:
            result = super().main(
                args=argv,
                prog_name=prog_name or "archiver",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            status = int(result) if isinstance(result, int) else 0
            if status == Interrupted.exit_code:
                # Typer turns Ctrl-C into a bare exit status; report it like any failure.
                status = output.current().failure(Interrupted("interrupted"))
        except typer.TyperException as exc:
            status = _usage_failure(exc, json_mode="--json" in argv)
        except (typer.Abort, KeyboardInterrupt):
            status = output.current().failure(Interrupted("interrupted"))
        except ArchiverError as exc:
            status = output.current().failure(exc)
        except Exception as exc:
            # Anything else is a bug; it still gets one line, a status and a JSON document.
            status = output.current().failure(_internal(exc), cause=exc)

        if standalone_mode:
            sys.exit(status)
        return status


def _internal(exc: Exception) -> InternalError:
    return InternalError(
        f"internal error: {type(exc).__name__}: {exc} (--debug shows where; please report it)"
    )


def _usage_failure(exc: typer.TyperException, *, json_mode: bool) -> int:
    """Show a usage error the way Typer would; with --json, also as a document."""
    status = int(getattr(exc, "exit_code", 2))
    show = getattr(exc, "show", None)
    if callable(show):
        show()
    else:
        sys.stderr.write(f"archiver: error: {exc}\n")
    if json_mode:
        error = {"code": "usage", "message": str(exc), "exit_code": status}
        output.Output(json_mode=True).document({"error": error}, ok=False)
    return status


app = typer.Typer(
    cls=ArchiverGroup,
    name="archiver",
    help="Backups for Azure AI Language authoring projects: export, verify, diff, restore.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"archiver {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Backups for Azure AI Language authoring projects: export, verify, diff, restore."""


def _register() -> None:
    # Imported here, after `app` exists; `list_` is named so to keep the builtin.
    from archiver.cli import (
        config_cmd,
        diff,
        emulator,
        export,
        list_,
        log,
        pin,
        prune,
        resources,
        restore,
        show,
        tag,
        unlock,
        verify,
    )

    commands = (export, list_, show, verify, diff, log, restore, tag, pin, prune, unlock, emulator)
    for module in commands:
        module.register(app)
    resources.register(app)
    config_cmd.register(app)


_register()


def main() -> None:
    app()
