from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from archiver.service import AuthoringClient, ClientOptions
from archiver.store import Store
from tests.conftest import PRIMARY_KEY, SECONDARY_KEY, Workspace, seed
from tests.helpers import load_demo, make_snapshot, single_label

DAY1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _client(workspace: Workspace, *, secondary: bool = True) -> AuthoringClient:
    server = workspace.secondary if secondary else workspace.primary
    key = SECONDARY_KEY if secondary else PRIMARY_KEY
    return AuthoringClient(server.url, key, "2023-04-01", options=ClientOptions(poll_interval=0))


def _backed_up(workspace: Workspace, project: dict[str, Any]) -> None:
    seed(workspace.primary, PRIMARY_KEY, project)
    name = project["metadata"]["projectName"]
    assert workspace.run("export", name, "--from", "eastus").exit_code == 0


def _exported(workspace: Workspace, name: str) -> dict[str, Any]:
    return _client(workspace).export_project(name).project


def test_restore_into_another_region_while_the_primary_is_down(workspace: Workspace) -> None:
    project = load_demo("NewsTopics")
    _backed_up(workspace, project)
    workspace.primary.stop()

    result = workspace.run("restore", "NewsTopics@latest", "--to", "westus")

    assert result.exit_code == 0, result.stderr
    assert "restored\twestus/NewsTopics" in result.stdout
    assert "will create a new project: 6 classes, 32 documents" in result.stderr
    assert _exported(workspace, "NewsTopics") == project


def test_existing_target_is_refused_without_overwrite(workspace: Workspace) -> None:
    _backed_up(workspace, single_label("Tickets", documents=5))
    live = single_label("Tickets", documents=2)
    seed(workspace.secondary, SECONDARY_KEY, live)

    result = workspace.run("restore", "Tickets", "--to", "westus")

    assert result.exit_code == 12
    assert "already exists in westus" in result.stderr and "--overwrite" in result.stderr
    assert _exported(workspace, "Tickets") == live
    assert len(Store(workspace.store).entries()) == 1


def test_overwrite_takes_a_verified_safety_snapshot_first(workspace: Workspace) -> None:
    backup = single_label("Tickets", documents=5)
    _backed_up(workspace, backup)
    live = single_label("Tickets", documents=2)
    seed(workspace.secondary, SECONDARY_KEY, live)

    result = workspace.run("restore", "eastus/Tickets@latest", "--to", "westus", "--overwrite")

    assert result.exit_code == 0, result.stderr
    store = Store(workspace.store)
    (safety,) = store.entries(resource="westus")
    snapshot = store.read(safety.path)
    assert snapshot.tags == ("pre-restore",)
    assert snapshot.project == live
    assert f"safety snapshot\t{safety.path}" in result.stdout
    assert _exported(workspace, "Tickets") == backup


def test_restore_under_a_new_name(workspace: Workspace) -> None:
    _backed_up(workspace, single_label("Tickets"))

    result = workspace.run("restore", "Tickets", "--to", "westus", "--as", "TicketsCopy")

    assert result.exit_code == 0, result.stderr
    restored = _exported(workspace, "TicketsCopy")
    assert restored["metadata"]["projectName"] == "TicketsCopy"
    assert restored["assets"] == single_label()["assets"]
    assert _client(workspace).get_project("Tickets") is None


def test_dry_run_changes_nothing(workspace: Workspace) -> None:
    _backed_up(workspace, single_label("Tickets"))
    result = workspace.run("restore", "Tickets", "--to", "westus", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["plan"]["target_exists"] is False
    assert _client(workspace).get_project("Tickets") is None


def test_invalid_new_name_is_refused_before_sending(workspace: Workspace) -> None:
    _backed_up(workspace, single_label("Tickets"))
    result = workspace.run("restore", "Tickets", "--to", "westus", "--as", "bad/name")
    assert result.exit_code == 5
    assert "invalid project name 'bad/name'" in result.stderr


def test_restore_needs_a_target(workspace: Workspace) -> None:
    result = workspace.run("restore", "Tickets")
    assert result.exit_code == 2
    assert "--to RESOURCE" in result.stderr


def test_overrides_are_planned_and_applied(workspace: Workspace) -> None:
    _backed_up(workspace, single_label("Tickets"))

    result = workspace.run(
        "restore",
        "Tickets",
        "--to",
        "westus",
        "--storage-container",
        "west-docs",
        "--language",
        "de",
        "--description",
        "failover copy",
    )

    assert result.exit_code == 0, result.stderr
    assert "sets storageInputContainerName = 'west-docs'" in result.stderr
    metadata = _exported(workspace, "Tickets")["metadata"]
    assert (metadata["storageInputContainerName"], metadata["language"]) == ("west-docs", "de")
    assert metadata["description"] == "failover copy"
    assert "\tverified" in result.stdout


def test_a_2021_snapshot_restores_into_a_2023_resource(workspace: Workspace) -> None:
    old = {
        "api-version": "2021-11-01-preview",
        "metadata": {
            "name": "Legacy",
            "modelType": "multiClassification",
            "language": "en-us",
            "storageInputContainerName": "legacy-docs",
            "multiLingual": False,
        },
        "assets": {
            "classifiers": [{"name": "Drama"}, {"name": "Comedy"}],
            "documents": [
                {
                    "location": "a.txt",
                    "language": "en-us",
                    "classifiers": [{"classifierName": "Drama"}],
                }
            ],
        },
    }
    Store(workspace.store).write(make_snapshot(old))

    result = workspace.run("restore", "Legacy", "--to", "eastus")

    assert result.exit_code == 0, result.stderr
    assert "(api-version 2023-04-01)" in result.stderr
    assert "converted from the 2021-11-01-preview project file format" in result.stderr
    restored = _client(workspace, secondary=False).export_project("Legacy").project
    assert restored["projectFileVersion"] == "2022-05-01"
    assert restored["assets"]["classes"] == [{"category": "Drama"}, {"category": "Comedy"}]
    assert restored["assets"]["documents"][0]["classes"] == [{"category": "Drama"}]


def test_dry_run_against_an_existing_target_shows_the_refusal(workspace: Workspace) -> None:
    _backed_up(workspace, single_label("Tickets", documents=5))
    seed(workspace.secondary, SECONDARY_KEY, single_label("Tickets", documents=2))

    result = workspace.run("restore", "Tickets", "--to", "westus", "--dry-run")

    assert result.exit_code == 12
    assert "differs from the live project in: documents 3 added" in result.stdout
    assert "refused: the project exists and --overwrite was not given" in result.stdout


def test_at_picks_the_snapshot_of_that_time(workspace: Workspace) -> None:
    store = Store(workspace.store)
    store.write(make_snapshot(single_label("Tickets", documents=1), created=DAY1))
    store.write(make_snapshot(single_label("Tickets", documents=4), created=DAY1 + timedelta(1)))

    result = workspace.run("restore", "--at", "2026-12-01", "Tickets", "--to", "westus")

    assert result.exit_code == 0, result.stderr
    assert len(_exported(workspace, "Tickets")["assets"]["documents"]) == 1
    assert (
        workspace.run("restore", "--at", "2026-12-01", "Tickets@latest", "--to", "westus").exit_code
        == 2
    )


def test_retrain_rebuilds_models_and_deployments(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    primary = _client(workspace, secondary=False)
    primary.train("Tickets", "v1", "2022-05-01")
    primary.train("Tickets", "v2", "2022-05-01")
    primary.deploy("Tickets", "production", "v2")
    assert workspace.run("export", "Tickets", "--from", "eastus").exit_code == 0

    result = workspace.run("restore", "Tickets", "--to", "westus", "--retrain")

    assert result.exit_code == 0, result.stderr
    assert "then deploys production → model v2" in result.stderr
    assert "trained\tv1" in result.stdout and "deployed\tproduction" in result.stdout
    secondary = _client(workspace)
    models = {m["label"]: m["modelId"] for m in secondary.list_models("Tickets")}
    assert sorted(models) == ["v1", "v2"]
    (deployment,) = secondary.list_deployments("Tickets")
    assert (deployment["deploymentName"], deployment["modelId"]) == ("production", models["v2"])


def test_retrain_refuses_a_snapshot_without_models(workspace: Workspace) -> None:
    Store(workspace.store).write(make_snapshot(single_label("Tickets")))
    result = workspace.run("restore", "Tickets", "--to", "westus", "--retrain")
    assert result.exit_code == 5
    assert "records no trained models" in result.stderr
    assert _client(workspace).get_project("Tickets") is None


def test_verification_catches_an_import_that_drops_a_document(workspace: Workspace) -> None:
    project = load_demo("SupportTickets")
    _backed_up(workspace, project)
    workspace.secondary.add_fault(
        {"action": "drop_documents", "documents": ["ticket-0007.txt"], "times": 1}
    )

    result = workspace.run("restore", "SupportTickets", "--to", "westus", "--json")

    assert result.exit_code == 11
    error = result.json()["error"]
    assert error["code"] == "verify-failed"
    assert "documents removed ticket-0007.txt" in error["message"]


def test_no_verify_skips_the_check(workspace: Workspace) -> None:
    _backed_up(workspace, load_demo("SupportTickets"))
    workspace.secondary.add_fault(
        {"action": "drop_documents", "documents": ["ticket-0007.txt"], "times": 1}
    )
    result = workspace.run("restore", "SupportTickets", "--to", "westus", "--no-verify")
    assert result.exit_code == 0, result.stderr
    assert "not verified (--no-verify)" in result.stdout


def test_a_target_changed_after_the_plan_stops_the_restore(workspace: Workspace) -> None:
    from archiver.config import Resource
    from archiver.errors import ConflictError
    from archiver.restore import execute_restore, plan_restore

    _backed_up(workspace, single_label("Tickets", documents=5))
    seed(workspace.secondary, SECONDARY_KEY, single_label("Tickets", documents=2))
    client = _client(workspace)
    westus = Resource("westus", workspace.secondary.url, "2023-04-01", key_env="WESTUS_KEY")
    snapshot = Store(workspace.store).read(Store(workspace.store).entries()[0].path)
    plan = plan_restore(snapshot, client, westus, overwrite=True)

    time.sleep(1.1)  # the service's modification times have whole seconds
    seed(workspace.secondary, SECONDARY_KEY, single_label("Tickets", documents=3))

    with pytest.raises(ConflictError, match="changed after the restore plan"):
        execute_restore(plan, client, Store(workspace.store))
    assert len(_exported(workspace, "Tickets")["assets"]["documents"]) == 3


def test_json_of_a_refused_dry_run_keeps_the_plan(workspace: Workspace) -> None:
    _backed_up(workspace, single_label("Tickets", documents=5))
    seed(workspace.secondary, SECONDARY_KEY, single_label("Tickets", documents=2))

    result = workspace.run("restore", "Tickets", "--to", "westus", "--dry-run", "--json")

    assert result.exit_code == 12
    document = result.json()
    assert document["ok"] is False and document["error"]["code"] == "conflict"
    assert document["plan"]["target_exists"] is True
    assert "importing" not in result.stderr


def test_a_restore_into_a_locked_project_is_busy(workspace: Workspace) -> None:
    import json

    _backed_up(workspace, single_label("Tickets"))
    lock = workspace.store / "westus" / "Tickets" / ".lock"
    lock.parent.mkdir(parents=True)
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

    result = workspace.run("restore", "Tickets", "--to", "westus", "--wait-lock", "0.2")

    assert result.exit_code == 8
    assert "other-host" in result.stderr
    assert _client(workspace).get_project("Tickets") is None
