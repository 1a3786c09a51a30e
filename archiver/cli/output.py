"""The one owner of the terminal: data on stdout, talk on stderr, or one JSON document.

Commands never print; they hand lines and documents to the current Output.
With `--json`, stdout carries exactly one JSON document, failures included.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from dataclasses import dataclass
from typing import Any

from archiver.errors import ArchiverError

JSON_VERSION = 1


@dataclass
class Output:
    command: str = ""
    json_mode: bool = False
    quiet: bool = False
    debug: bool = False

    def line(self, text: str = "") -> None:
        """A line of data for stdout; nothing with --json."""
        if not self.json_mode:
            sys.stdout.write(text + "\n")

    def talk(self, text: str) -> None:
        """A line for the person watching, on stderr."""
        if not self.quiet:
            sys.stderr.write(text + "\n")

    def error(self, text: str) -> None:
        """A line about something that failed, on stderr even with --quiet."""
        sys.stderr.write(f"archiver: {text}\n")

    def document(self, payload: dict[str, Any], *, ok: bool = True) -> None:
        """The one JSON document of a --json run."""
        if self.json_mode:
            envelope = {"archiver": JSON_VERSION, "command": self.command, "ok": ok, **payload}
            sys.stdout.write(json.dumps(envelope, indent=2, ensure_ascii=False, default=str) + "\n")

    def failure(self, exc: ArchiverError, *, cause: BaseException | None = None) -> int:
        """Report an error in one line (and one document with --json); return its status."""
        if self.debug:
            traceback.print_exception(cause or exc, file=sys.stderr)
        self.error(f"error: {exc.message}")
        error = {"code": exc.code, "message": exc.message, "exit_code": exc.exit_code}
        self.document({"error": error}, ok=False)
        return exc.exit_code


_current = Output()


def current() -> Output:
    return _current


def reset(argv: list[str]) -> Output:
    """Fresh output for a new run, guessed from argv until the command sets it up."""
    global _current
    command = next((arg for arg in argv if not arg.startswith("-")), "")
    _current = Output(command=command, json_mode="--json" in argv, debug="--debug" in argv)
    return _current


def setup(
    command: str,
    *,
    json_mode: bool = False,
    verbose: int = 0,
    quiet: bool = False,
    debug: bool = False,
) -> Output:
    """Configure output and logging once per run, from the common options."""
    global _current
    _current = Output(command=command, json_mode=json_mode, quiet=quiet, debug=debug)

    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose >= 2 or debug:
        level = logging.DEBUG
    elif verbose == 1:
        level = logging.INFO
    logging.basicConfig(level=level, format="archiver: %(message)s", stream=sys.stderr, force=True)
    return _current
