from __future__ import annotations

import pytest

from archiver.errors import (
    ConfigError,
    NotFoundError,
    PartialFailureError,
    RemoteError,
    ValidationError,
)
from archiver.store import Store
from tests.conftest import PRIMARY_KEY, Workspace, seed
from tests.helpers import entity_project, load_demo, single_label


def test_export_writes_one_verified_snapshot_per_project(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"), entity_project("Leases"))

    result = workspace.run("export", "Tickets", "Leases", "--from", "eastus")

    assert result.exit_code == 0, result.stderr
    entries = Store(workspace.store).entries()
    assert [(e.resource, e.project) for e in entries] == [
        ("eastus", "Leases"),
        ("eastus", "Tickets"),
    ]
    snapshot = Store(workspace.store).read(entries[1].path)
    assert snapshot.project == single_label("Tickets")
    assert snapshot.source.endpoint == workspace.primary.url
    assert snapshot.source.export_job_id
    assert "eastus/Tickets" in result.stdout and "3 documents" in result.stdout


def test_export_all_follows_every_page(workspace: Workspace) -> None:
    names = [f"P{i:02d}" for i in range(12)]
    seed(workspace.primary, PRIMARY_KEY, *(single_label(name, documents=1) for name in names))

    result = workspace.run("export", "--all", "--from", "eastus", "--json")

    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert [p["project"] for p in document["projects"]] == names
    assert len(Store(workspace.store).entries()) == 12


def test_tags_and_note_are_recorded(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, load_demo("SupportTickets"))
    result = workspace.run(
        "export",
        "SupportTickets",
        "--from",
        "eastus",
        "--tag",
        "nightly",
        "--note",
        "before relabel",
    )
    assert result.exit_code == 0, result.stderr
    snapshot = Store(workspace.store).read(Store(workspace.store).entries()[0].path)
    assert (snapshot.tags, snapshot.description) == (("nightly",), "before relabel")


def test_one_missing_project_fails_alone_with_partial_status(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))

    result = workspace.run("export", "Tickets", "Ghost", "--from", "eastus", "--json")

    assert result.exit_code == PartialFailureError.exit_code
    outcomes = {p["project"]: p for p in result.json()["projects"]}
    assert outcomes["Tickets"]["ok"] is True
    assert outcomes["Ghost"]["error"]["code"] == "not-found"
    assert "Ghost" in result.stderr
    assert len(Store(workspace.store).entries()) == 1


def test_single_missing_project_exits_not_found(workspace: Workspace) -> None:
    result = workspace.run("export", "Ghost", "--from", "eastus")
    assert result.exit_code == NotFoundError.exit_code
    assert "no project 'Ghost'" in result.stderr


def test_unknown_resource_is_a_config_error(workspace: Workspace) -> None:
    result = workspace.run("export", "Tickets", "--from", "centralus")
    assert result.exit_code == ConfigError.exit_code
    assert result.stderr.strip() == (
        f"archiver: error: unknown resource 'centralus' in {workspace.config} "
        "(known: eastus, westus)"
    )


def test_missing_key_variable_is_a_config_error(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EASTUS_KEY")
    result = workspace.run("export", "Tickets", "--from", "eastus")
    assert result.exit_code == ConfigError.exit_code
    assert "EASTUS_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_key_is_reported_without_the_key(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EASTUS_KEY", "wrong-key-123456")
    result = workspace.run("export", "Tickets", "--from", "eastus")
    assert result.exit_code == RemoteError.exit_code
    assert "401" in result.stderr and "Unauthorized" in result.stderr
    assert "wrong-key-123456" not in result.stderr + result.stdout


def test_unreachable_endpoint_is_one_clear_line(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEAD_KEY", "k")
    result = workspace.run(
        "export", "Tickets", "--endpoint", "http://127.0.0.1:9", "--key-env", "DEAD_KEY"
    )
    assert result.exit_code == RemoteError.exit_code
    assert result.stderr.count("\n") == 1
    assert "cannot reach http://127.0.0.1:9" in result.stderr


def test_names_or_all_but_not_both(workspace: Workspace) -> None:
    assert workspace.run("export", "--from", "eastus").exit_code == 2
    assert workspace.run("export", "A", "--all", "--from", "eastus").exit_code == 2


def test_hostile_project_name_never_becomes_a_path(workspace: Workspace) -> None:
    result = workspace.run("export", "../../etc", "--from", "eastus")
    assert result.exit_code == ValidationError.exit_code
    assert "invalid project name" in result.stderr
    assert not (workspace.root / "etc").exists()
    assert Store(workspace.store).entries() == []
