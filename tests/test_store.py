from __future__ import annotations

import errno
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pytest

from archiver.errors import NotFoundError, StorageError
from archiver.store import Store
from tests.helpers import make_snapshot, single_label

NOON = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)


def test_write_places_snapshot_under_resource_project_and_time(tmp_path: Path) -> None:
    store = Store(tmp_path)
    path = store.write(make_snapshot(created=NOON))
    assert path == tmp_path / "eastus" / "Tickets" / "20261204T120000Z-000.json.zst"
    assert store.read(path).project == single_label()


def test_two_writes_in_one_second_get_distinct_names(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = store.write(make_snapshot(created=NOON))
    second = store.write(make_snapshot(created=NOON.replace(microsecond=900)))
    assert first != second
    assert second.name == "20261204T120000Z-001.json.zst"
    assert [entry.path for entry in store.entries()] == [first, second]


def test_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    path = store.write(make_snapshot(created=NOON))
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_entries_ignore_temp_and_foreign_files_and_filter(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write(make_snapshot(created=NOON))
    store.write(make_snapshot(single_label("Other"), resource="westus", created=NOON))
    project_dir = tmp_path / "eastus" / "Tickets"
    (project_dir / ".tmp-abc.partial").write_bytes(b"half")
    (project_dir / "notes.txt").write_text("hello")

    assert [(e.resource, e.project) for e in store.entries()] == [
        ("eastus", "Tickets"),
        ("westus", "Other"),
    ]
    assert [e.project for e in store.entries(resource="westus")] == ["Other"]
    assert store.entries(project="Nothing") == []


def test_an_empty_or_missing_store_lists_nothing(tmp_path: Path) -> None:
    assert Store(tmp_path / "absent").entries() == []


def test_reading_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no snapshot"):
        Store(tmp_path).read(tmp_path / "nope.json.zst")


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only file system")],
)
def test_refused_writes_are_storage_errors_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, reason: str
) -> None:
    # Root ignores permission bits, so the refusal is made by hand: as the kernel would say it.
    store = Store(tmp_path)
    kept = store.write(make_snapshot(created=NOON))
    real_open = os.open

    def refuse(path: str, flags: int, mode: int = 0o777) -> int:
        if ".tmp-" in str(path):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(StorageError, match=f"cannot write to {kept.parent}: {reason}"):
        store.write(make_snapshot(created=NOON))
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]


def test_disk_full_leaves_existing_snapshots_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path)
    kept = store.write(make_snapshot(created=NOON))
    before = kept.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StorageError, match="no space left"):
        store.write(make_snapshot(created=NOON))

    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]
    assert kept.read_bytes() == before


def test_store_inside_a_file_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match=str(blocker)):
        Store(blocker).write(make_snapshot())


class _FillsUp:
    """A file object whose disk fills up halfway through the first write."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def __enter__(self) -> _FillsUp:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stream.close()

    def write(self, data: bytes) -> int:
        self.stream.write(data[: len(data) // 2])
        self.stream.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()


def test_disk_filling_up_halfway_through_a_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path)
    kept = store.write(make_snapshot(created=NOON))
    before = kept.read_bytes()
    real_fdopen = os.fdopen

    def filling(fd: int, mode: str) -> _FillsUp:
        return _FillsUp(real_fdopen(fd, "wb"))

    monkeypatch.setattr(os, "fdopen", filling)

    with pytest.raises(StorageError, match=f"cannot write to {kept.parent}: no space left"):
        store.write(make_snapshot(created=NOON))

    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]
    assert kept.read_bytes() == before
