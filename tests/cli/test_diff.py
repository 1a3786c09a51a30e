from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archiver.cli.diff import colour_wanted, render_text, resolve_operands
from archiver.diffing import diff_projects
from archiver.store import Store
from tests.conftest import PRIMARY_KEY, SECONDARY_KEY, Workspace, run_cli, seed
from tests.helpers import load_demo, make_snapshot
from tests.test_diff_properties import to_2021

DAY1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
Golden = Callable[[str, str], None]


def _store(tmp_path: Path, *projects: dict[str, Any]) -> Path:
    """A store holding one snapshot a day of each project file, from DAY1 on."""
    store = Store(tmp_path / "store")
    for day, project in enumerate(projects or _support_tickets()):
        store.write(make_snapshot(project, created=DAY1 + timedelta(days=day)))
    return store.root


def _support_tickets() -> tuple[dict[str, Any], dict[str, Any]]:
    return load_demo("SupportTickets"), load_demo("SupportTickets.changed")


def _leases_relabelled() -> tuple[dict[str, Any], dict[str, Any]]:
    old = load_demo("LeaseContracts")
    new = copy.deepcopy(old)
    first, second = new["assets"]["documents"][:2]
    first["entities"][0]["labels"][0]["offset"] += 2
    first["entities"][0]["labels"].append({"category": "Tenant", "offset": 1500, "length": 9})
    second["dataset"] = "Test"
    second["language"] = "en-gb"
    return old, new


def _diff(store: Path, *args: str) -> Any:
    return run_cli("diff", "SupportTickets@~1", "SupportTickets", "--store", str(store), *args)


def test_diff_of_changed_snapshots_exits_1_and_lists_changes(tmp_path: Path) -> None:
    result = _diff(_store(tmp_path))

    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0] == "--- eastus/SupportTickets/20261201T020000Z-000.json.zst (2026-12-01T02:00:00Z)"
    )
    assert "classes: 1 added" in lines
    assert "  + Security" in lines
    assert "documents: 2 added, 4 changed, 2 removed" in lines
    assert "  ~ ticket-0009.txt: class AccountAccess → Security" in lines
    assert "  ~ ticket-0020.txt: dataset Train → Test" in lines
    assert "  - ticket-0012.txt: class FeatureRequest, language en-us, dataset Train" in lines


def test_text_output_matches_golden(tmp_path: Path, golden: Golden) -> None:
    result = _diff(_store(tmp_path))
    assert result.exit_code == 1, result.stderr
    golden("diff-text.txt", result.stdout)


def test_stat_output_matches_golden(tmp_path: Path, golden: Golden) -> None:
    result = _diff(_store(tmp_path), "--stat")
    assert result.exit_code == 1, result.stderr
    golden("diff-stat.txt", result.stdout)


def test_markdown_report_matches_golden(tmp_path: Path, golden: Golden) -> None:
    result = _diff(_store(tmp_path), "--format", "markdown")
    assert result.exit_code == 1, result.stderr
    golden("diff-markdown.md", result.stdout)


def test_json_document_matches_golden(tmp_path: Path, golden: Golden) -> None:
    store = _store(tmp_path)
    result = _diff(store, "--json")
    assert result.exit_code == 1, result.stderr
    golden("diff-json.json", result.stdout.replace(str(store), "STORE"))


def test_entity_label_changes_match_golden(tmp_path: Path, golden: Golden) -> None:
    store = _store(tmp_path, *_leases_relabelled())
    result = run_cli("diff", "LeaseContracts@~1", "LeaseContracts", "--store", str(store))
    assert result.exit_code == 1, result.stderr
    golden("diff-entities-text.txt", result.stdout)


def test_json_is_one_versioned_document_with_structured_changes(tmp_path: Path) -> None:
    store = _store(tmp_path, *_leases_relabelled())
    result = run_cli("diff", "LeaseContracts@~1", "LeaseContracts", "--store", str(store), "--json")

    assert result.exit_code == 1, result.stderr
    document = result.json()
    assert (document["command"], document["diff_format"], document["equal"]) == ("diff", 1, False)
    labels = next(c for c in document["changes"] if c["field"] == ["labels"])
    assert labels["added"][0] == {
        "category": "Landlord",
        "offset": 80,
        "length": 27,
        "regionOffset": 0,
        "regionLength": 2139,
    }
    assert document["counts"]["labels"] == {"added": 2, "changed": 0, "removed": 1}


def test_diff_of_a_snapshot_with_itself_exits_0(tmp_path: Path) -> None:
    store = _store(tmp_path)
    result = run_cli("diff", "SupportTickets", "SupportTickets@latest", "--store", str(store))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "no differences"


def test_one_snapshot_is_compared_with_the_one_before_it(tmp_path: Path) -> None:
    store = _store(tmp_path)
    result = run_cli("diff", "SupportTickets", "--store", str(store), "--stat")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.startswith("--- eastus/SupportTickets/20261201T020000Z-000.json.zst")


def test_one_snapshot_path_is_compared_with_the_one_before_it(tmp_path: Path) -> None:
    store = _store(tmp_path)
    (latest, *_) = sorted((store / "eastus" / "SupportTickets").glob("*.json.zst"), reverse=True)
    result = run_cli("diff", str(latest), "--stat")
    assert result.exit_code == 1, result.stderr
    assert "documents: 2 added, 4 changed, 2 removed" in result.stdout


def test_a_corrupt_predecessor_is_passed_over(tmp_path: Path) -> None:
    store = _store(tmp_path, load_demo("SupportTickets"), load_demo("SupportTickets"))
    (store / "eastus" / "SupportTickets" / "20261201T120000Z-000.json.zst").write_bytes(b"junk")
    result = run_cli("diff", "SupportTickets", "--store", str(store))
    assert result.exit_code == 0, result.stderr
    assert "passing over" in result.stderr


def test_the_first_snapshot_has_nothing_to_compare_with(tmp_path: Path) -> None:
    store = _store(tmp_path, load_demo("SupportTickets"))
    result = run_cli("diff", "SupportTickets", "--store", str(store))
    assert result.exit_code == 4
    assert "no intact snapshot of eastus/SupportTickets before" in result.stderr


def test_a_2021_snapshot_and_a_2022_snapshot_compare_after_normalising(tmp_path: Path) -> None:
    store = _store(tmp_path, to_2021(load_demo("SupportTickets")), load_demo("SupportTickets"))
    result = run_cli("diff", "SupportTickets", "--store", str(store))
    assert result.exit_code == 0, result.stderr
    assert "note: project file formats differ (2021-11-01-preview → 2022-05-01)" in result.stdout


def test_service_times_count_only_with_include_volatile(tmp_path: Path) -> None:
    old, new = load_demo("SupportTickets"), load_demo("SupportTickets")
    old["metadata"]["lastModifiedDateTime"] = "2026-12-01T00:00:00Z"
    new["metadata"]["lastModifiedDateTime"] = "2026-12-02T00:00:00Z"
    store = _store(tmp_path, old, new)

    quiet = run_cli("diff", "SupportTickets", "--store", str(store))
    assert quiet.exit_code == 0, quiet.stderr
    loud = run_cli("diff", "SupportTickets", "--store", str(store), "--include-volatile")
    assert loud.exit_code == 1, loud.stderr
    assert "lastModifiedDateTime" in loud.stdout


def test_duplicate_locations_are_noted_with_what_each_copy_holds(tmp_path: Path) -> None:
    old = load_demo("SupportTickets")
    new = copy.deepcopy(old)
    extra = copy.deepcopy(new["assets"]["documents"][0])
    extra["class"]["category"] = "Shipping"
    new["assets"]["documents"].append(extra)
    result = run_cli("diff", "SupportTickets", "--store", str(_store(tmp_path, old, new)))

    assert result.exit_code == 1, result.stderr
    assert "note: documents ticket-0001.txt: 1 copies in old, 2 in new" in result.stdout
    assert "  + ticket-0001.txt (copy 2): class Shipping" in result.stdout


def test_no_colour_in_a_pipe_and_colour_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _diff(_store(tmp_path))
    assert result.exit_code == 1
    assert "\x1b[" not in result.stdout

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_wanted()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_wanted()


def test_colour_marks_signs_and_headings(tmp_path: Path) -> None:
    store = _store(tmp_path)
    old, new = resolve_operands("SupportTickets@~1", "SupportTickets", store, None)
    lines = render_text(
        diff_projects(old.snapshot.project, new.snapshot.project), old, new, colour=True
    )
    assert "  \x1b[32m+\x1b[0m Security" in lines
    assert "\x1b[1mclasses: 1 added\x1b[0m" in lines


def test_json_and_markdown_together_are_a_usage_error(tmp_path: Path) -> None:
    result = _diff(_store(tmp_path), "--json", "--format", "markdown")
    assert result.exit_code == 2
    assert result.json()["error"]["code"] == "usage"


def test_diff_with_a_missing_ref_exits_4(tmp_path: Path) -> None:
    result = run_cli("diff", "SupportTickets", "Nope", "--store", str(_store(tmp_path)))
    assert result.exit_code == 4


def test_help_ends_with_the_exit_statuses() -> None:
    result = run_cli("diff", "--help")
    assert result.exit_code == 0
    assert "1  differences found" in result.stdout
    assert "RESOURCE:PROJECT" in result.stdout


def test_two_regions_in_sync_compare_equal(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, load_demo("SupportTickets"))
    seed(workspace.secondary, SECONDARY_KEY, load_demo("SupportTickets"))
    result = workspace.run("diff", "eastus:SupportTickets", "westus:SupportTickets")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("--- eastus:SupportTickets (live, exported ")
    assert result.stdout.splitlines()[-1] == "no differences"


def test_two_regions_out_of_sync_show_what_differs(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, load_demo("SupportTickets"))
    seed(workspace.secondary, SECONDARY_KEY, load_demo("SupportTickets.changed"))
    result = workspace.run("diff", "eastus:SupportTickets", "westus:SupportTickets", "--json")
    assert result.exit_code == 1, result.stderr
    document = result.json()
    assert document["new"]["live"] is True
    assert document["new"]["api_version"] == "2022-05-01"
    assert document["counts"]["documents"] == {"added": 2, "changed": 4, "removed": 2}


def test_live_project_against_its_last_backup(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, load_demo("SupportTickets"))
    exported = workspace.run("export", "SupportTickets", "--from", "eastus")
    assert exported.exit_code == 0, exported.stderr
    seed(workspace.primary, PRIMARY_KEY, load_demo("SupportTickets.changed"))

    explicit = workspace.run("diff", "SupportTickets@latest", "eastus:SupportTickets", "--stat")
    assert explicit.exit_code == 1, explicit.stderr
    assert "classes: 1 added" in explicit.stdout
    alone = workspace.run("diff", "eastus:SupportTickets", "--stat")
    assert alone.exit_code == 1, alone.stderr
    assert alone.stdout.startswith("--- eastus/SupportTickets/")
    assert alone.stdout.splitlines()[2:] == explicit.stdout.splitlines()[2:]


def test_live_operand_of_an_unknown_resource_exits_3(workspace: Workspace) -> None:
    result = workspace.run("diff", "eastus:SupportTickets", "northpole:SupportTickets")
    assert result.exit_code == 3


def test_live_operand_of_a_missing_project_exits_4(workspace: Workspace) -> None:
    result = workspace.run("diff", "eastus:Nope", "westus:Nope", "--json")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["ok"] is False
