from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from archiver.store import Store
from tests.conftest import run_cli
from tests.helpers import load_demo, make_snapshot

DAY1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _store(tmp_path: Path, *projects: dict[str, Any], resource: str = "eastus") -> Path:
    store = Store(tmp_path / "store")
    for day, project in enumerate(projects):
        created = DAY1 + timedelta(days=day)
        tags = ("nightly",) if day == 0 else ()
        store.write(make_snapshot(project, created=created, resource=resource, tags=tags))
    return store.root


def _history(tmp_path: Path) -> Path:
    tickets, changed = load_demo("SupportTickets"), load_demo("SupportTickets.changed")
    return _store(tmp_path, tickets, changed, changed)


def _table(text: str) -> list[list[str]]:
    """The cells of each line: columns are set apart by two spaces or more."""
    return [re.split(r"\s{2,}", line) for line in text.splitlines()]


def test_log_shows_totals_first_then_what_each_snapshot_changed(tmp_path: Path) -> None:
    result = run_cli("log", "SupportTickets", "--store", str(_history(tmp_path)))

    assert result.exit_code == 0, result.stderr
    header, *rows = _table(result.stdout)
    assert header == ["CREATED", "SNAPSHOT", "CLASSES", "DOCUMENTS", "LABELS", "METADATA", "TAGS"]
    assert rows == [
        ["2026-12-01T02:00:00Z", "20261201T020000Z-000.json.zst", "5", "36", "36", "-", "nightly"],
        [
            "2026-12-02T02:00:00Z",
            "20261202T020000Z-000.json.zst",
            "+1",
            "+2 ~4 -2",
            "+2 ~3 -2",
            "~1",
        ],
        ["2026-12-03T02:00:00Z", "20261203T020000Z-000.json.zst", "=", "=", "=", "="],
    ]


def test_a_corrupt_snapshot_is_shown_and_skipped_in_the_comparisons(tmp_path: Path) -> None:
    store = _store(tmp_path, load_demo("SupportTickets"), load_demo("SupportTickets"))
    broken = store / "eastus" / "SupportTickets" / "20261201T120000Z-000.json.zst"
    broken.write_bytes(b"not a snapshot")

    result = run_cli("log", "SupportTickets", "--store", str(store))
    assert result.exit_code == 0, result.stderr
    rows = _table(result.stdout)[1:]
    assert rows[1] == ["2026-12-01T12:00:00Z", broken.name, "CORRUPT", "-", "-", "-"]
    assert rows[2][2:] == ["=", "=", "=", "="]
    assert f"corrupt snapshot {broken}" in result.stderr


def test_log_json_names_what_each_snapshot_was_compared_with(tmp_path: Path) -> None:
    store = _store(tmp_path, load_demo("SupportTickets"), load_demo("SupportTickets.changed"))
    (store / "eastus" / "SupportTickets" / "20261201T120000Z-000.json.zst").write_bytes(b"junk")

    result = run_cli("log", "eastus/SupportTickets", "--store", str(store), "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert (document["command"], document["resource"], document["project"]) == (
        "log",
        "eastus",
        "SupportTickets",
    )
    first, corrupt, last = document["snapshots"]
    assert (first["changes"], first["totals"]["documents"], first["tags"]) == (
        None,
        36,
        ["nightly"],
    )
    assert corrupt["corrupt"] is True and "error" in corrupt
    assert last["compared_with"] == first["ref"]
    assert last["changes"]["documents"] == {"added": 2, "changed": 4, "removed": 2}


def test_a_project_in_two_resources_needs_the_resource_named(tmp_path: Path) -> None:
    _store(tmp_path, load_demo("SupportTickets"), resource="eastus")
    store = _store(tmp_path, load_demo("SupportTickets"), resource="westus")

    ambiguous = run_cli("log", "SupportTickets", "--store", str(store))
    assert ambiguous.exit_code == 2
    named = run_cli("log", "westus/SupportTickets", "--store", str(store))
    assert named.exit_code == 0, named.stderr
    assert len(named.stdout.splitlines()) == 2


def test_log_of_an_unknown_project_exits_4(tmp_path: Path) -> None:
    store = _store(tmp_path, load_demo("SupportTickets"))
    result = run_cli("log", "Nope", "--store", str(store))
    assert result.exit_code == 4


def test_log_takes_a_project_not_a_snapshot(tmp_path: Path) -> None:
    store = _store(tmp_path, load_demo("SupportTickets"))
    result = run_cli("log", "SupportTickets@latest", "--store", str(store))
    assert result.exit_code == 2


def test_log_help_ends_with_the_exit_statuses() -> None:
    result = run_cli("log", "--help")
    assert result.exit_code == 0
    assert "Exit status" in result.stdout
    assert "4  nothing matches" in result.stdout
