from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from archiver.store import Store
from tests.conftest import run_cli
from tests.helpers import make_snapshot

NOON = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_tags_are_added_and_removed_in_place(tmp_path: Path) -> None:
    store = Store(tmp_path)
    path = store.write(make_snapshot(created=NOON, tags=("nightly",)))
    before = store.read(path)

    result = run_cli(
        "tag", "Tickets", "--add", "release", "--remove", "nightly", "--store", str(tmp_path)
    )

    assert result.exit_code == 0, result.stderr
    after = store.read(path)
    assert after.tags == ("release",)
    assert (after.project_sha256, after.created) == (before.project_sha256, before.created)
    assert [entry.path for entry in store.entries()] == [path]


def test_invalid_tag_is_refused(tmp_path: Path) -> None:
    Store(tmp_path).write(make_snapshot(created=NOON))
    result = run_cli("tag", "Tickets", "--add", "has space", "--store", str(tmp_path))
    assert result.exit_code == 2
    assert "invalid tag 'has space'" in result.stderr


def test_tag_needs_something_to_do(tmp_path: Path) -> None:
    Store(tmp_path).write(make_snapshot(created=NOON))
    assert run_cli("tag", "Tickets", "--store", str(tmp_path)).exit_code == 2


def test_pin_and_unpin(tmp_path: Path) -> None:
    store = Store(tmp_path)
    path = store.write(make_snapshot(created=NOON))
    assert run_cli("pin", "Tickets", "--store", str(tmp_path)).exit_code == 0
    assert store.read(path).pinned is True
    result = run_cli("unpin", str(path), "--json")
    assert result.exit_code == 0
    assert result.json()["pinned"] is False
    assert store.read(path).pinned is False


def test_tag_and_pin_apply_to_the_file_as_it_is_now(tmp_path: Path) -> None:
    from archiver.maintenance import retag, set_pinned

    store = Store(tmp_path)
    path = store.write(make_snapshot(created=NOON))
    read_before = store.read(path)
    set_pinned(store, read_before, pinned=True)

    # A tag based on the copy read before the pin must not undo the pin.
    retag(store, read_before, add=["release"])

    after = store.read(path)
    assert (after.pinned, after.tags) == (True, ("release",))


def test_the_word_pinned_is_not_a_tag(tmp_path: Path) -> None:
    Store(tmp_path).write(make_snapshot(created=NOON))
    result = run_cli("tag", "Tickets", "--add", "pinned", "--store", str(tmp_path))
    assert result.exit_code == 2
    assert "reserved" in result.stderr
