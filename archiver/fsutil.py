"""File-system helpers for writers that may be killed at any moment.

Every file is first written under a temporary name that records its writer,
`.tmp-<host>-<pid>-<random>.partial`, so that a later run can prove the file
stale (same host, process gone) and remove it. Readers never look at them.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
from pathlib import Path

log = logging.getLogger(__name__)

_TEMP = re.compile(r"\.tmp-(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]+\.partial")


def this_host() -> str:
    return socket.gethostname()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def temp_path(directory: Path) -> Path:
    """A fresh temporary name in `directory` that says who is writing it."""
    return directory / f".tmp-{this_host()}-{os.getpid()}-{secrets.token_hex(6)}.partial"


def write_durably(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Create `path` exclusively with `data`, flushed and fsynced; remove it on failure."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(directory: Path) -> list[Path]:
    """Remove temporary files in `directory` whose writer is provably gone."""
    removed = []
    host = this_host()
    for path in directory.glob(".tmp-*.partial"):
        match = _TEMP.fullmatch(path.name)
        if match is None or match["host"] != host or process_alive(int(match["pid"])):
            continue
        path.unlink(missing_ok=True)
        log.info("removed %s, left by an interrupted run", path)
        removed.append(path)
    return removed
