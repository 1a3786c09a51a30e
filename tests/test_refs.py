from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archiver.errors import NotFoundError, UsageError
from archiver.refs import Ref, parse_instant, parse_ref, resolve
from archiver.store import Store
from tests.helpers import make_snapshot, single_label

DAY1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path)
    for day in range(3):
        project = single_label(documents=day + 1)
        store.write(make_snapshot(project, created=DAY1 + timedelta(days=day)))
    return store


def test_parse_forms() -> None:
    assert parse_ref("Movies") == Ref("Movies")
    assert parse_ref("Movies@latest") == Ref("Movies")
    assert parse_ref("eastus/Movies@~2") == Ref("Movies", "eastus", back=2)
    assert parse_ref("Movies@2026-12-01T00:00Z").before == datetime(2026, 12, 1, tzinfo=UTC)


def test_bare_date_means_end_of_that_day_utc() -> None:
    moment = parse_instant("2026-12-01")
    assert (moment.date().isoformat(), moment.hour, moment.minute) == ("2026-12-01", 23, 59)


@pytest.mark.parametrize("text", ["Movies@2026-12-01T00:00", "Movies@yesterday", "a/b/c", "@x"])
def test_bad_refs_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_ref(text)


def test_latest_and_back(store: Store) -> None:
    assert len(resolve(store, "Tickets@latest").project["assets"]["documents"]) == 3
    assert len(resolve(store, "Tickets@~1").project["assets"]["documents"]) == 2
    with pytest.raises(NotFoundError):
        resolve(store, "Tickets@~3")


def test_time_picks_newest_at_or_before(store: Store) -> None:
    snapshot = resolve(store, "Tickets@2026-12-02T12:00Z")
    assert snapshot.created == DAY1 + timedelta(days=1)
    assert resolve(store, "Tickets@2026-12-02").created == DAY1 + timedelta(days=1)
    with pytest.raises(NotFoundError):
        resolve(store, "Tickets@2026-11-30")


def test_path_ref_reads_that_file(store: Store) -> None:
    path = store.entries()[0].path
    assert resolve(store, str(path)).path == path


def test_unknown_project_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no snapshots of project 'Nope'"):
        resolve(store, "Nope@latest")


def test_corrupt_newest_is_passed_over(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    newest = store.entries()[-1].path
    newest.write_bytes(b"garbage")
    assert resolve(store, "Tickets").created == DAY1 + timedelta(days=1)
    assert "passing over" in caplog.text and newest.name in caplog.text


def test_ambiguous_project_lists_the_choices(store: Store) -> None:
    store.write(make_snapshot(resource="westus", created=DAY1))
    with pytest.raises(UsageError, match="eastus/Tickets, westus/Tickets"):
        resolve(store, "Tickets")
    assert resolve(store, "westus/Tickets").source.resource == "westus"


def test_latest_passes_over_a_safety_snapshot(store: Store) -> None:
    safety = make_snapshot(created=DAY1 + timedelta(days=5), tags=("pre-restore",))
    path = store.write(safety)
    assert resolve(store, "Tickets@latest").created == DAY1 + timedelta(days=2)
    assert resolve(store, str(path)).tags == ("pre-restore",)
