from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver.store import Store
from tests.conftest import run_cli
from tests.helpers import make_snapshot, single_label

DAY1 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def _store(tmp_path: Path, days: int = 10) -> Store:
    store = Store(tmp_path)
    for day in range(days):
        store.write(make_snapshot(created=DAY1 + timedelta(days=day)))
        store.write(make_snapshot(single_label("Other"), created=DAY1 + timedelta(days=day)))
    return store


def test_dry_run_prints_every_verdict_and_removes_nothing(tmp_path: Path) -> None:
    store = _store(tmp_path)
    result = run_cli("prune", "--keep-last", "3", "--dry-run", "--store", str(tmp_path))

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 20
    assert lines[0] == "keep\teastus/Other/20261110T020000Z-000.json.zst\tnewest, last"
    assert sum(line.startswith("remove\t") for line in lines) == 14
    assert "would remove 14 of 20 snapshots" in result.stderr
    assert len(store.entries()) == 20


def test_prune_removes_per_project(tmp_path: Path) -> None:
    store = _store(tmp_path)
    result = run_cli("prune", "Tickets", "--keep-daily", "2", "--store", str(tmp_path), "--json")
    assert result.exit_code == 0, result.stderr
    removed = [row for row in result.json()["snapshots"] if row["removed"]]
    assert len(removed) == 8
    assert len(store.entries(project="Tickets")) == 2
    assert len(store.entries(project="Other")) == 10


def test_pinned_and_tagged_snapshots_survive(tmp_path: Path) -> None:
    store = _store(tmp_path, days=4)
    oldest = store.entries(project="Tickets")[0].path
    assert run_cli("pin", str(oldest)).exit_code == 0
    second = store.entries(project="Tickets")[1].path
    assert run_cli("tag", str(second), "--add", "release").exit_code == 0

    result = run_cli(
        "prune", "Tickets", "--keep-last", "1", "--keep-tag", "release", "--store", str(tmp_path)
    )

    assert result.exit_code == 0, result.stderr
    kept = [entry.path for entry in store.entries(project="Tickets")]
    assert kept == [oldest, second, store.entries(project="Tickets")[-1].path]
    assert f"keep\teastus/Tickets/{oldest.name}\tpinned" in result.stdout


def test_empty_policy_is_refused(tmp_path: Path) -> None:
    _store(tmp_path, days=2)
    result = run_cli("prune", "--store", str(tmp_path))
    assert result.exit_code == 2
    assert "empty policy" in result.stderr


def test_unknown_zone_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("prune", "--keep-daily", "1", "--tz", "Mars/Olympus", "--store", str(tmp_path))
    assert result.exit_code == 2
    assert "unknown time zone" in result.stderr


def test_corrupt_files_are_left_alone(tmp_path: Path) -> None:
    store = _store(tmp_path, days=3)
    victim = store.entries(project="Tickets")[0].path
    victim.write_bytes(b"junk")
    result = run_cli("prune", "Tickets", "--keep-last", "1", "--store", str(tmp_path))
    assert result.exit_code == 0
    assert victim.exists()
    assert "corrupt: left for a person to inspect" in result.stdout


def test_a_busy_project_is_skipped_and_the_others_pruned(tmp_path: Path) -> None:
    import json

    store = _store(tmp_path, days=3)
    lock = tmp_path / "eastus" / "Other" / ".lock"
    lock.write_text(
        json.dumps(
            {
                "host": "other-host",
                "pid": 1,
                "command": "export",
                "started": "x",
                "refreshed": "x",
                "token": "t",
            }
        )
    )

    result = run_cli("prune", "--keep-last", "1", "--store", str(tmp_path))

    assert result.exit_code == 8
    assert "skipped: " in result.stderr and "other-host" in result.stderr
    assert len(store.entries(project="Tickets")) == 1
    assert len(store.entries(project="Other")) == 3


def test_prune_of_an_unknown_project_is_not_found(tmp_path: Path) -> None:
    _store(tmp_path, days=1)
    result = run_cli("prune", "eastus/Nope", "--keep-last", "1", "--store", str(tmp_path))
    assert result.exit_code == 4
