from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver.store import Store
from tests.conftest import run_cli
from tests.helpers import load_demo, make_snapshot

DAY1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _store(tmp_path: Path) -> Store:
    store = Store(tmp_path)
    store.write(make_snapshot(load_demo("SupportTickets"), created=DAY1))
    store.write(make_snapshot(load_demo("SupportTickets.changed"), created=DAY1 + timedelta(1)))
    return store


def test_diff_of_changed_snapshots_exits_1_and_lists_changes(tmp_path: Path) -> None:
    _store(tmp_path)
    result = run_cli("diff", "SupportTickets@~1", "SupportTickets@latest", "--store", str(tmp_path))

    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("--- eastus/SupportTickets 2026-12-01T02:00:00Z")
    assert "classes: 1 added" in lines
    assert "  + Security" in lines
    assert "documents: 2 added, 4 changed, 2 removed" in lines
    assert "  ~ ticket-0009.txt: labels AccountAccess → Security" in lines
    assert '  ~ ticket-0020.txt: dataset "Train" → "Test"' in lines
    assert '  - ticket-0012.txt: labels FeatureRequest, language "en-us", dataset "Train"' in lines


def test_diff_of_a_snapshot_with_itself_exits_0(tmp_path: Path) -> None:
    _store(tmp_path)
    result = run_cli("diff", "SupportTickets", "SupportTickets@latest", "--store", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "no differences"


def test_diff_json_is_one_document(tmp_path: Path) -> None:
    _store(tmp_path)
    result = run_cli(
        "diff", "SupportTickets@~1", "SupportTickets", "--store", str(tmp_path), "--json"
    )
    assert result.exit_code == 1
    document = result.json()
    assert document["equal"] is False
    assert document["counts"]["documents"] == {"added": 2, "changed": 4, "removed": 2}
    assert len(document["changes"]) == 10


def test_diff_with_a_missing_ref_exits_4(tmp_path: Path) -> None:
    _store(tmp_path)
    result = run_cli("diff", "SupportTickets", "Nope", "--store", str(tmp_path))
    assert result.exit_code == 4
