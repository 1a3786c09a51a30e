"""Per-project locks in the store, so that runs on many hosts never collide.

A lock is the file `<store>/<resource>/<project>/.lock`, holding JSON that
names its holder: host, process id, command, start time and the time it was
last refreshed. It is created complete or not at all (written aside, then
hard-linked into place), and refreshed by a background thread while its
holder runs.

A lock whose process is gone on this host is taken over, with a log line. A
lock from another host is never broken automatically: its holder may still be
running, and only a person can tell (`archiver unlock`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from archiver.errors import StorageError, StoreBusyError
from archiver.fsutil import process_alive, temp_path, this_host, write_durably

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
REFRESH_SECONDS = 30.0
_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class LockInfo:
    host: str
    pid: int
    command: str
    started: str
    refreshed: str
    token: str

    def describe(self) -> str:
        return (
            f"host {self.host}, pid {self.pid} ({self.command}), since {self.started}, "
            f"last refreshed {self.refreshed}"
        )

    @property
    def local(self) -> bool:
        return self.host == this_host()


def read_lock(path: Path) -> LockInfo | None:
    """The lock's holder, or None when there is no lock file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockInfo(**{field: data[field] for field in LockInfo.__dataclass_fields__})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # Unreadable content cannot come from this tool's atomic writes; report it as held.
        return LockInfo("unknown", 0, "unknown", "unknown", "unknown", "")


@contextmanager
def project_lock(
    directory: Path, *, command: str, wait: float = 0.0, refresh: float = REFRESH_SECONDS
) -> Iterator[LockInfo]:
    """Hold the lock of one project directory for the duration of the block."""
    path = directory / LOCK_NAME
    info = _acquire(path, command, wait)
    stop = threading.Event()
    refresher = threading.Thread(
        target=_keep_fresh, args=(path, info, stop, refresh), daemon=True, name="lock-refresh"
    )
    refresher.start()
    try:
        yield info
    finally:
        stop.set()
        refresher.join()
        _release(path, info)


def remove_lock(path: Path) -> LockInfo | None:
    """Remove a lock for a person who knows its holder is gone; refuse a live local one."""
    info = read_lock(path)
    if info is None:
        return None
    if info.local and info.pid != os.getpid() and process_alive(info.pid):
        raise StoreBusyError(f"{path} is held by a running process: {info.describe()}")
    path.unlink(missing_ok=True)
    return info


def _acquire(path: Path, command: str, wait: float) -> LockInfo:
    deadline = time.monotonic() + wait
    while True:
        info = _new_info(command)
        if _create(path, info):
            return info

        holder = read_lock(path)
        if holder is not None and holder.local and not process_alive(holder.pid):
            _take_over(path, holder)
            continue
        if time.monotonic() >= deadline:
            described = holder.describe() if holder else "a run that has just finished"
            raise StoreBusyError(f"{path.parent} is locked by {described}")
        time.sleep(min(_POLL_SECONDS, max(deadline - time.monotonic(), 0.0)))


def _new_info(command: str) -> LockInfo:
    now = _now()
    return LockInfo(this_host(), os.getpid(), command, now, now, secrets.token_hex(8))


def _create(path: Path, info: LockInfo) -> bool:
    """Create the lock file complete, or return False when it exists."""
    aside = _write_aside(path, info)
    try:
        os.link(aside, path)
    except FileExistsError:
        return False
    except OSError as exc:
        raise StorageError(f"cannot create lock {path}: {exc.strerror or exc}") from None
    finally:
        aside.unlink(missing_ok=True)
    return True


def _take_over(path: Path, holder: LockInfo) -> None:
    """Move a dead holder's lock aside; put back a live one moved by mistake.

    Between reading the stale lock and moving it, another run may have taken it over
    and written its own: the token tells which lock was moved.
    """
    claimed = path.with_name(f"{LOCK_NAME}.stale-{os.getpid()}")
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        return

    moved = read_lock(claimed)
    if moved is not None and moved.token != holder.token:
        with contextlib.suppress(FileExistsError):
            os.link(claimed, path)
        claimed.unlink(missing_ok=True)
        return
    claimed.unlink(missing_ok=True)
    log.warning("took over the lock of %s: its holder is gone (%s)", path.parent, holder.describe())


def _keep_fresh(path: Path, info: LockInfo, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        current = read_lock(path)
        if current is None or current.token != info.token:
            log.warning("lost the lock of %s to another run", path.parent)
            return
        refreshed = LockInfo(**{**asdict(info), "refreshed": _now()})
        try:
            os.replace(_write_aside(path, refreshed), path)
        except (StorageError, OSError) as exc:
            log.warning("cannot refresh the lock of %s: %s", path.parent, exc)


def _release(path: Path, info: LockInfo) -> None:
    current = read_lock(path)
    if current is not None and current.token == info.token:
        path.unlink(missing_ok=True)


def _write_aside(path: Path, info: LockInfo) -> Path:
    aside = temp_path(path.parent)
    try:
        write_durably(aside, json.dumps(asdict(info)).encode("utf-8"))
    except OSError as exc:
        raise StorageError(f"cannot write lock {path}: {exc.strerror or exc}") from None
    return aside


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
