from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from archiver.store import Store
from tests.conftest import run_cli
from tests.helpers import make_snapshot, single_label

NOON = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_show_describes_the_snapshot(tmp_path: Path) -> None:
    store = Store(tmp_path)
    path = store.write(make_snapshot(created=NOON))

    result = run_cli("show", "Tickets@latest", "--store", str(tmp_path))

    assert result.exit_code == 0, result.stderr
    assert f"snapshot:     {path}" in result.stdout
    assert "project:      eastus/Tickets (CustomSingleLabelClassification)" in result.stdout
    assert "contents:     2 classes, 3 documents, 3 labels" in result.stdout


def test_show_project_file_prints_the_importable_json(tmp_path: Path) -> None:
    path = Store(tmp_path).write(make_snapshot(created=NOON))
    result = run_cli("show", str(path), "--project-file")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == single_label()


def test_show_json_carries_envelope_fields(tmp_path: Path) -> None:
    Store(tmp_path).write(make_snapshot(created=NOON))
    result = run_cli("show", "eastus/Tickets", "--store", str(tmp_path), "--json")
    assert result.exit_code == 0
    document = result.json()
    assert document["ok"] is True
    assert document["source"]["export_job_id"] == "job-1"
    assert document["created"] == "2026-12-04T12:00:00.000000Z"


def test_show_corrupt_file_is_one_line_and_exit_10(tmp_path: Path) -> None:
    path = Store(tmp_path).write(make_snapshot(created=NOON))
    path.write_bytes(path.read_bytes()[:-7])
    result = run_cli("show", str(path), "--json")
    assert result.exit_code == 10
    assert result.stderr.startswith(f"archiver: error: corrupt snapshot {path}")
    assert result.json()["error"]["code"] == "corrupt-snapshot"


def test_ref_matching_nothing_exits_4(tmp_path: Path) -> None:
    result = run_cli("show", "Nothing@latest", "--store", str(tmp_path))
    assert result.exit_code == 4
    assert "no snapshots of project 'Nothing'" in result.stderr


def test_missing_path_exits_4(tmp_path: Path) -> None:
    result = run_cli("show", str(tmp_path / "gone.json.zst"))
    assert result.exit_code == 4
    assert "no snapshot at" in result.stderr
