"""backups.sample/ is readable on a fresh checkout, with no server running."""

from __future__ import annotations

from archiver.store import Store
from tests.conftest import run_cli
from tests.helpers import REPO

SAMPLE = REPO / "backups.sample"


def test_every_sample_snapshot_verifies() -> None:
    store = Store(SAMPLE)
    entries = store.entries()
    assert {entry.project for entry in entries} == {
        "SupportTickets",
        "NewsTopics",
        "LeaseContracts",
    }
    for entry in entries:
        assert store.read(entry.path).source.resource == "eastus"


def test_list_shows_the_sample_store() -> None:
    result = run_cli("list", "--store", str(SAMPLE))
    assert result.exit_code == 0, result.stderr
    rows = result.stdout.splitlines()[1:]
    assert len(rows) == 4
    assert sum("eastus/SupportTickets/" in row for row in rows) == 2


def test_diff_between_the_two_sample_snapshots_finds_the_relabelling() -> None:
    result = run_cli("diff", "SupportTickets@~1", "SupportTickets@latest", "--store", str(SAMPLE))
    assert result.exit_code == 1, result.stderr
    assert "  + Security" in result.stdout
    assert "documents: 2 added, 4 changed, 2 removed" in result.stdout
