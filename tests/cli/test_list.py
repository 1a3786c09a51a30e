from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from archiver.store import Store
from tests.conftest import run_cli
from tests.helpers import entity_project, make_snapshot

NOON = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store")
    store.write(make_snapshot(created=NOON, tags=("nightly",)))
    store.write(make_snapshot(entity_project(), resource="westus", created=NOON))
    return store


def test_list_prints_a_row_per_snapshot(tmp_path: Path) -> None:
    store = _store(tmp_path)
    result = run_cli("list", "--store", str(store.root))

    assert result.exit_code == 0, result.stderr
    header, first, second = result.stdout.splitlines()
    assert header.split() == ["SNAPSHOT", "KIND", "DOCS", "CLASSES", "LABELS", "TAGS"]
    assert first.split() == [
        "eastus/Tickets/20261204T120000Z-000.json.zst",
        "CustomSingleLabelClassification",
        "3",
        "2",
        "3",
        "nightly",
    ]
    assert second.split()[:2] == [
        "westus/Leases/20261204T120000Z-000.json.zst",
        "CustomEntityRecognition",
    ]


def test_list_filters_by_project_and_marks_corrupt_files(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.entries(project="Leases")[0].path.write_bytes(b"\x28\xb5\x2f\xfd broken")

    result = run_cli("list", "Leases", "--store", str(store.root), "--json")

    assert result.exit_code == 0, result.stderr
    (row,) = result.json()["snapshots"]
    assert row["project"] == "Leases" and row["corrupt"] is True
    assert row["error"].startswith("corrupt snapshot ")


def test_empty_store_says_so(tmp_path: Path) -> None:
    result = run_cli("list", "--store", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no snapshots" in result.stderr


def test_list_without_any_store_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("ARCHIVER_STORE", raising=False)
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    result = run_cli("list")
    assert result.exit_code == 3
    assert "no store given" in result.stderr


def test_list_takes_resource_slash_project_and_reports_no_match(tmp_path: Path) -> None:
    store = _store(tmp_path)
    result = run_cli("list", "westus/Leases", "--store", str(store.root))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    missing = run_cli("list", "eastus/Leases", "--store", str(store.root))
    assert missing.exit_code == 4
    assert "no snapshots of eastus/Leases" in missing.stderr
