from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import zstandard

from archiver.projectfile import project_hash
from archiver.store import Store
from tests.conftest import run_cli
from tests.helpers import make_snapshot

DAY1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _envelope(path: Path) -> Any:
    return json.loads(zstandard.ZstdDecompressor().decompress(path.read_bytes()))


def _pack(envelope: dict[str, object]) -> bytes:
    return zstandard.ZstdCompressor(write_checksum=True).compress(json.dumps(envelope).encode())


def _zero(path: Path) -> None:
    path.write_bytes(b"")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-20])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def _not_zstd(path: Path) -> None:
    path.write_text('{"format": "archiver-snapshot"}')


def _not_json(path: Path) -> None:
    path.write_bytes(zstandard.ZstdCompressor(write_checksum=True).compress(b"<html>"))


def _wrong_hash(path: Path) -> None:
    envelope = _envelope(path)
    envelope["project"]["metadata"]["description"] = "edited"
    path.write_bytes(_pack(envelope))


def _wrong_schema(path: Path) -> None:
    envelope = _envelope(path)
    envelope["project"]["stringIndexType"] = "Utf8"
    envelope["project_sha256"] = project_hash(envelope["project"])
    path.write_bytes(_pack(envelope))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "zero-byte": _zero,
    "truncated": _truncate,
    "bit-flipped": _flip,
    "not-zstd": _not_zstd,
    "not-json": _not_json,
    "wrong-hash": _wrong_hash,
    "wrong-schema": _wrong_schema,
}


def _store(tmp_path: Path, count: int = 3) -> Store:
    store = Store(tmp_path)
    for day in range(count):
        store.write(make_snapshot(created=DAY1 + timedelta(days=day)))
    return store


def test_intact_store_verifies(tmp_path: Path) -> None:
    _store(tmp_path)
    result = run_cli("verify", "--store", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "verified 3 snapshots: 3 intact, 0 corrupt" in result.stderr


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_every_kind_of_damage_is_caught(tmp_path: Path, damage: str) -> None:
    store = _store(tmp_path)
    victim = store.entries()[1].path
    DAMAGE[damage](victim)

    result = run_cli("verify", "--store", str(tmp_path), "--json")

    assert result.exit_code == 10
    document = result.json()
    assert document["ok"] is False and document["checked"] == 3
    (bad,) = document["corrupt"]
    assert bad["path"] == str(victim)
    assert "Traceback" not in result.stderr


def test_one_line_per_bad_file_and_a_summary(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for entry in store.entries()[:2]:
        _flip(entry.path)
    result = run_cli("verify", "--store", str(tmp_path))
    assert result.exit_code == 10
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("CORRUPT corrupt snapshot ") for line in lines)
    assert "verified 3 snapshots: 1 intact, 2 corrupt" in result.stderr


def test_verify_one_ref_or_one_project(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _flip(store.entries()[0].path)
    assert run_cli("verify", "Tickets@latest", "--store", str(tmp_path)).exit_code == 0
    assert run_cli("verify", "Tickets@~2", "--store", str(tmp_path)).exit_code == 10
    assert run_cli("verify", "eastus/Tickets", "--store", str(tmp_path)).exit_code == 10
    assert run_cli("verify", str(store.entries()[2].path)).exit_code == 0
    assert run_cli("verify", "Ghost", "--store", str(tmp_path)).exit_code == 4


def test_temp_files_are_ignored(tmp_path: Path) -> None:
    store = _store(tmp_path, count=1)
    (store.entries()[0].path.parent / ".tmp-host-1-abc.partial").write_bytes(b"partial")
    result = run_cli("verify", "--store", str(tmp_path))
    assert result.exit_code == 0
    assert "1 intact" in result.stderr
