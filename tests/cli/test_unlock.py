from __future__ import annotations

import json
from pathlib import Path

from archiver.locks import LOCK_NAME
from tests.conftest import run_cli


def _plant(store: Path, name: str, host: str) -> Path:
    directory = store / "eastus" / name
    directory.mkdir(parents=True)
    path = directory / LOCK_NAME
    path.write_text(
        json.dumps(
            {
                "host": host,
                "pid": 999999,
                "command": "export",
                "started": "2026-12-01T00:00:00Z",
                "refreshed": "2026-12-01T00:05:00Z",
                "token": "t",
            }
        )
    )
    return path


def test_unlock_lists_then_removes_a_named_lock(tmp_path: Path) -> None:
    lock = _plant(tmp_path, "Tickets", "far-away-host")

    listed = run_cli("unlock", "--store", str(tmp_path))
    assert listed.exit_code == 0
    assert listed.stdout.startswith("eastus/Tickets\thost far-away-host, pid 999999 (export)")
    assert lock.exists()

    removed = run_cli("unlock", "eastus/Tickets", "--store", str(tmp_path))
    assert removed.exit_code == 0, removed.stderr
    assert "removed the lock of eastus/Tickets, held by host far-away-host" in removed.stderr
    assert not lock.exists()


def test_unlock_of_an_unknown_lock_is_not_found(tmp_path: Path) -> None:
    result = run_cli("unlock", "eastus/Nope", "--store", str(tmp_path))
    assert result.exit_code == 4


def test_unlock_all(tmp_path: Path) -> None:
    locks = [_plant(tmp_path, name, "h") for name in ("A", "B")]
    result = run_cli("unlock", "--all", "--store", str(tmp_path), "--json")
    assert result.exit_code == 0
    assert result.json()["removed"] == ["eastus/A", "eastus/B"]
    assert not any(lock.exists() for lock in locks)
