"""Microsoft's own sample project files survive export, restore and export again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.projectfile import canonical_bytes, project_hash
from archiver.service import AuthoringClient, ClientOptions
from archiver.store import Store
from tests.conftest import PRIMARY_KEY, SECONDARY_KEY, Workspace, seed
from tests.helpers import SAMPLES_2022, SHARED_MISSING

SAMPLE_FILES = sorted(SAMPLES_2022.glob("*.json")) if SAMPLES_2022.is_dir() else []

pytestmark = pytest.mark.skipif(not SAMPLE_FILES, reason=SHARED_MISSING)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: path.name.split(".")[0])
def test_sample_round_trips_through_two_regions(workspace: Workspace, path: Path) -> None:
    original = json.loads(path.read_text(encoding="utf-8"))
    name = original["metadata"]["projectName"]
    seed(workspace.primary, PRIMARY_KEY, original)

    assert workspace.run("export", name, "--from", "eastus").exit_code == 0
    assert workspace.run("restore", f"eastus/{name}", "--to", "westus").exit_code == 0
    assert workspace.run("export", name, "--from", "westus").exit_code == 0

    store = Store(workspace.store)
    snapshots = [store.read(entry.path) for entry in store.entries(project=name)]
    assert [s.source.resource for s in snapshots] == ["eastus", "westus"]
    for snapshot in snapshots:
        assert canonical_bytes(snapshot.project) == canonical_bytes(original)
        assert snapshot.project_sha256 == project_hash(original)

    client = AuthoringClient(
        workspace.secondary.url, SECONDARY_KEY, "2023-04-01", options=ClientOptions(poll_interval=0)
    )
    assert client.export_project(name).project == original


def test_mixed_case_project_kind_is_kept_as_written(workspace: Workspace) -> None:
    path = SAMPLES_2022 / "movieLabels.CustomMultiLabelClassification.json"
    original = json.loads(path.read_text(encoding="utf-8"))
    assert original["assets"]["projectKind"] == "customMultiLabelClassification"
    seed(workspace.primary, PRIMARY_KEY, original)

    assert workspace.run("export", "Movies", "--from", "eastus").exit_code == 0

    store = Store(workspace.store)
    snapshot = store.read(store.entries(project="Movies")[0].path)
    assert snapshot.project["assets"]["projectKind"] == "customMultiLabelClassification"
    assert snapshot.project["metadata"]["projectKind"] == "CustomMultiLabelClassification"
    assert snapshot.source.project_kind == "CustomMultiLabelClassification"
