"""The store: a directory of snapshots, `<store>/<resource>/<project>/<time>.json.zst`.

File names are the UTC creation time in basic ISO 8601 plus a sequence number,
`20261204T020000Z-000.json.zst`: they sort in time order, carry no colons (SMB
and NTFS mounts) and stay unique for two writes in one second. A snapshot is
written to a temporary file in the same directory, flushed, fsynced, renamed
and the directory fsynced, so no reader ever sees a partial file under a final
name.
"""

from __future__ import annotations

import errno
import logging
import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from archiver.errors import NotFoundError, StorageError
from archiver.fsutil import fsync_directory, remove_stale_temps, temp_path, write_durably
from archiver.locks import LOCK_NAME, LockInfo, project_lock, read_lock
from archiver.projectfile import check_project_name
from archiver.snapshot import SUFFIX, Snapshot, decode_snapshot, encode_snapshot

log = logging.getLogger(__name__)

_NAME = re.compile(r"(\d{8}T\d{6}Z)-(\d{3})" + re.escape(SUFFIX))
_MAX_SEQUENCE = 999


@dataclass(frozen=True, order=True)
class Entry:
    """A snapshot file found in the store, known by its path alone."""

    resource: str
    project: str
    created: datetime
    sequence: int
    path: Path

    @property
    def name(self) -> str:
        return f"{self.resource}/{self.project}/{self.path.name}"


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root

    def project_dir(self, resource: str, project: str) -> Path:
        return self.root / resource / check_project_name(project)

    def lock(
        self, resource: str, project: str, *, command: str, wait: float = 0.0
    ) -> AbstractContextManager[LockInfo]:
        """The per-project lock that every writer of that project holds."""
        directory = self.project_dir(resource, project)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _storage_error(exc, directory) from None
        return project_lock(directory, command=command, wait=wait)

    def locks(self) -> list[tuple[Path, LockInfo]]:
        """Every lock file in the store with its holder."""
        found = []
        for path in sorted(self.root.glob(f"*/*/{LOCK_NAME}")):
            info = read_lock(path)
            if info is not None:
                found.append((path, info))
        return found

    def write(self, snapshot: Snapshot) -> Path:
        """Write `snapshot` atomically under a new, unique name; return its path."""
        directory = self.project_dir(snapshot.source.resource, snapshot.source.project)
        data = encode_snapshot(snapshot)
        # Whatever is written must read back: check the bytes before they reach the disk.
        decode_snapshot(data, str(directory / "(new snapshot)"))
        stamp = snapshot.created.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

        try:
            directory.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(directory)
            temp = temp_path(directory)
            write_durably(temp, data)
            try:
                path = _claim_name(directory, stamp, temp)
            finally:
                temp.unlink(missing_ok=True)
            fsync_directory(directory)
        except OSError as exc:
            raise _storage_error(exc, directory) from None
        return path

    def rewrite(self, snapshot: Snapshot) -> Path:
        """Replace an existing snapshot file atomically, e.g. to change its tags."""
        if snapshot.path is None:
            raise ValueError("rewrite needs a snapshot read from the store")
        directory = snapshot.path.parent
        temp = temp_path(directory)
        try:
            write_durably(temp, encode_snapshot(snapshot))
            os.replace(temp, snapshot.path)
            fsync_directory(directory)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise _storage_error(exc, snapshot.path) from None
        return snapshot.path

    def remove(self, entry: Entry) -> None:
        try:
            entry.path.unlink()
            fsync_directory(entry.path.parent)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise _storage_error(exc, entry.path) from None

    def entries(self, *, resource: str | None = None, project: str | None = None) -> list[Entry]:
        """Every snapshot file in the store, oldest first within each project."""
        found = [
            entry
            for entry in self._walk()
            if (resource is None or entry.resource == resource)
            and (project is None or entry.project == project)
        ]
        return sorted(found)

    def read(self, path: Path) -> Snapshot:
        return read_snapshot(path)

    def _walk(self) -> Iterator[Entry]:
        if not self.root.is_dir():
            return
        try:
            for resource_dir in _subdirectories(self.root):
                for project_dir in _subdirectories(resource_dir):
                    for path in project_dir.iterdir():
                        entry = _entry_for(resource_dir.name, project_dir.name, path)
                        if entry is not None:
                            yield entry
        except OSError as exc:
            raise _storage_error(exc, Path(exc.filename or self.root), action="read") from None


def read_snapshot(path: Path) -> Snapshot:
    """Read and fully check one snapshot file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"no snapshot at {path}") from None
    except IsADirectoryError:
        raise NotFoundError(f"{path} is a directory, not a snapshot file") from None
    except OSError as exc:
        raise _storage_error(exc, path, action="read") from None

    return replace(decode_snapshot(data, str(path)), path=path)


def entry_at(path: Path) -> Entry:
    """An entry for a snapshot file named by its path, wherever it lies."""
    entry = _entry_for(path.parent.parent.name, path.parent.name, path)
    if entry is not None:
        return entry
    return Entry(
        path.parent.parent.name, path.parent.name, datetime.min.replace(tzinfo=UTC), 0, path
    )


def _entry_for(resource: str, project: str, path: Path) -> Entry | None:
    match = _NAME.fullmatch(path.name)
    if match is None or not path.is_file():
        return None
    try:
        created = datetime.strptime(match[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        log.warning("ignoring %s: its name is not a valid time", path)
        return None
    return Entry(resource, project, created, int(match[2]), path)


def _subdirectories(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_dir())


def _claim_name(directory: Path, stamp: str, temp: Path) -> Path:
    # A hard link fails when the name exists, so two writers in the same second
    # (or two processes) can never replace each other's snapshot.
    for sequence in range(_MAX_SEQUENCE + 1):
        final = directory / f"{stamp}-{sequence:03d}{SUFFIX}"
        try:
            os.link(temp, final)
        except FileExistsError:
            continue
        return final
    raise StorageError(f"more than {_MAX_SEQUENCE + 1} snapshots in one second in {directory}")


def _storage_error(exc: OSError, path: Path, *, action: str = "write to") -> StorageError:
    reasons = {
        errno.ENOSPC: "no space left on device",
        errno.EACCES: "permission denied",
        errno.EROFS: "read-only file system",
        errno.EDQUOT: "disk quota exceeded",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
    return StorageError(f"cannot {action} {path}: {reason}")
