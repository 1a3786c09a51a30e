"""The one owner of the terminal: data on stdout, talk on stderr, or one JSON document.

Commands never print; they hand lines and documents to the current Output.
With `--json`, stdout carries exactly one JSON document, failures included.
On a terminal (stderr a TTY, neither `--json` nor `-q`) a long command may keep
one progress line at the bottom of stderr; every other line is written above it.
Logging goes to stderr by `-v`/`-q`, and at DEBUG to `--log-file` whatever they
say. Every line on stderr or in the log file is scrubbed of the keys and tokens
the run knows.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from archiver.errors import ArchiverError, StorageError
from archiver.service.auth import redact

JSON_VERSION = 1
LOG_FILE_ENV = "ARCHIVER_LOG_FILE"
_LOG_FILE_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
_TICK_SECONDS = 1.0


@dataclass
class Output:
    command: str = ""
    json_mode: bool = False
    quiet: bool = False
    debug: bool = False
    err: TextIO | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _progress: Progress | None = field(default=None, repr=False)

    def line(self, text: str = "") -> None:
        """A line of data for stdout; nothing with --json."""
        if self.json_mode:
            return
        with self._lock:
            # stdout and stderr are often one terminal: lift the progress line first.
            progress = self._progress
            if progress is not None:
                progress.clear()
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
            if progress is not None:
                progress.draw()

    def talk(self, text: str) -> None:
        """A line for the person watching, on stderr."""
        if not self.quiet:
            self.write_stderr(text + "\n")

    def table(self, rows: Sequence[Sequence[str]]) -> None:
        """Rows of cells in aligned columns, the first row the header; the last column ragged."""
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.line("  ".join([*padded, row[-1]]).rstrip())

    def error(self, text: str) -> None:
        """A line about something that failed, on stderr even with --quiet."""
        self.write_stderr(f"archiver: {text}\n")

    def document(self, payload: dict[str, Any], *, ok: bool = True) -> None:
        """The one JSON document of a --json run."""
        if self.json_mode:
            envelope = {"archiver": JSON_VERSION, "command": self.command, "ok": ok, **payload}
            text = json.dumps(envelope, indent=2, ensure_ascii=False, default=str)
            with self._lock:
                sys.stdout.write(text + "\n")

    def failure(self, exc: ArchiverError, *, cause: BaseException | None = None) -> int:
        """Report an error in one line (and one document with --json); return its status."""
        self.end_progress()
        if self.debug:
            self.write_stderr("".join(traceback.format_exception(cause or exc)))
        message = redact(exc.message)
        self.error(f"error: {message}")
        error = {"code": exc.code, "message": message, "exit_code": exc.exit_code}
        self.document({"error": error}, ok=False)
        return exc.exit_code

    def write_stderr(self, text: str) -> None:
        """Any text for stderr, scrubbed, written above the progress line if one is shown."""
        stream = self.err or sys.stderr
        with self._lock:
            progress = self._progress
            if progress is not None:
                progress.clear()
            stream.write(redact(text))
            if progress is not None:
                progress.draw()
            stream.flush()

    def start_progress(self, total: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        """Show a progress line for `total` items, only where a person watches a terminal."""
        stream = self.err or sys.stderr
        if self.json_mode or self.quiet or not _is_terminal(stream):
            return
        with self._lock:
            self._progress = Progress(stream, total, label=self.command, clock=clock)
            self._progress.draw()
        ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
        ticker.start()

    def started(self) -> None:
        self._update(lambda progress: progress.started())

    def finished(self, *, ok: bool) -> None:
        self._update(lambda progress: progress.finished(ok=ok))

    def end_progress(self) -> None:
        """Remove the progress line, leaving the terminal as it was."""
        with self._lock:
            progress, self._progress = self._progress, None
            if progress is not None:
                progress.clear()
                progress.stream.flush()

    def _update(self, change: Callable[[Progress], None]) -> None:
        with self._lock:
            if self._progress is not None:
                change(self._progress)
                self._progress.draw()

    def _tick(self) -> None:
        # Redraws the elapsed time while nothing else happens, e.g. during a long wait.
        while True:
            time.sleep(_TICK_SECONDS)
            with self._lock:
                if self._progress is None:
                    return
                self._progress.draw()


@dataclass
class Progress:
    """One line redrawn in place: done, running, waiting, failed, elapsed."""

    stream: TextIO
    total: int
    label: str = ""
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    running: int = 0
    failed: int = 0
    shown: bool = False
    start: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.start = self.clock()

    def started(self) -> None:
        self.running += 1

    def finished(self, *, ok: bool) -> None:
        self.running = max(self.running - 1, 0)
        self.done += 1
        self.failed += 0 if ok else 1

    def render(self) -> str:
        waiting = max(self.total - self.done - self.running, 0)
        elapsed = int(self.clock() - self.start)
        failed = f" ({self.failed} failed)" if self.failed else ""
        return (
            f"{self.label}: {self.done}/{self.total} done{failed}, {self.running} running, "
            f"{waiting} waiting, {elapsed // 60}:{elapsed % 60:02d} elapsed"
        )

    def draw(self) -> None:
        width = shutil.get_terminal_size().columns - 1
        self.stream.write("\r" + self.render()[:width] + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.shown = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_current = Output()


def current() -> Output:
    return _current


def reset(argv: list[str]) -> Output:
    """Fresh output for a new run, guessed from argv until the command sets it up."""
    global _current
    _current.end_progress()
    command = next((arg for arg in argv if not arg.startswith("-")), "")
    _current = Output(command=command, json_mode="--json" in argv, debug="--debug" in argv)
    # Until the command sets logging up: warnings only, and no file a former run opened.
    _install([_terminal_handler(_current, logging.WARNING)], lowest=logging.WARNING)
    return _current


def setup(
    command: str,
    *,
    json_mode: bool = False,
    verbose: int = 0,
    quiet: bool = False,
    debug: bool = False,
    log_file: Path | None = None,
) -> Output:
    """Configure output and logging once per run, from the common options.

    `log_file` (or ARCHIVER_LOG_FILE) receives every DEBUG line, whatever -v or -q
    say, so that a cron job's log tells what happened without a noisy mail.
    """
    global _current
    _current = Output(command=command, json_mode=json_mode, quiet=quiet, debug=debug)

    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose >= 2 or debug:
        level = logging.DEBUG
    elif verbose == 1:
        level = logging.INFO

    handlers = [_terminal_handler(_current, level)]

    log_path = log_file or _log_file_from_env()
    if log_path is not None:
        handlers.append(_file_handler(log_path))
    _install(handlers, lowest=min(h.level for h in handlers))
    return _current


class RedactFilter(logging.Filter):
    """Replaces any key or token known to the run in a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = redact(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


class RedactingFormatter(logging.Formatter):
    """Scrubs the whole formatted text, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _TerminalHandler(logging.Handler):
    """Log lines on stderr, through the Output so they never cut the progress line."""

    def __init__(self, output: Output) -> None:
        super().__init__()
        self.output = output
        self.addFilter(RedactFilter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.output.write_stderr(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def _terminal_handler(output: Output, level: int) -> logging.Handler:
    handler = _TerminalHandler(output)
    handler.setLevel(level)
    handler.setFormatter(RedactingFormatter("archiver: %(message)s"))
    return handler


def _log_file_from_env() -> Path | None:
    value = os.environ.get(LOG_FILE_ENV)
    return Path(value) if value else None


def _file_handler(path: Path) -> logging.Handler:
    # Created readable by its owner only: a log names projects, endpoints and paths.
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"cannot open the log file {path}: {exc.strerror}") from None
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(RedactingFormatter(_LOG_FILE_FORMAT))
    handler.addFilter(RedactFilter())
    return handler


def _install(handlers: list[logging.Handler], *, lowest: int) -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(lowest)
