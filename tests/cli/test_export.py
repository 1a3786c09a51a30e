from __future__ import annotations

import io
import re
import stat
import time
from collections.abc import Callable

import pytest

from archiver.cli import output
from archiver.errors import (
    ConfigError,
    NotFoundError,
    PartialFailureError,
    RemoteError,
    ValidationError,
)
from archiver.store import Store
from tests.conftest import PRIMARY_KEY, SECONDARY_KEY, Workspace, seed
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


def test_export_all_follows_every_page(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"P{i:02d}" for i in range(12)]
    seed(workspace.primary, PRIMARY_KEY, *(single_label(name, documents=1) for name in names))
    # Twelve POSTs are more than a minute's quota; a short window keeps the test quick.
    monkeypatch.setenv("ARCHIVER_PACING_WINDOW", "0.05")

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


def _normalised(text: str, workspace: Workspace) -> str:
    """A JSON document with the run's paths, ports and times replaced by placeholders."""
    text = text.replace(str(workspace.root), "<root>")
    text = text.replace(workspace.primary.url, "<eastus>").replace(
        workspace.secondary.url, "<westus>"
    )
    text = re.sub(r"\d{8}T\d{6}Z-\d{3}", "<time>", text)
    return re.sub(r"job [0-9a-f-]+_\d+", "job <id>", text)


def test_export_all_from_several_resources_at_once(
    workspace: Workspace, golden: Callable[[str, str], None]
) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"), entity_project("Leases"))
    seed(workspace.secondary, SECONDARY_KEY, single_label("Refunds", documents=2))

    result = workspace.run("export", "--all", "--from", "eastus", "--from", "westus", "--json")

    assert result.exit_code == 0, result.stderr
    assert [(e.resource, e.project) for e in Store(workspace.store).entries()] == [
        ("eastus", "Leases"),
        ("eastus", "Tickets"),
        ("westus", "Refunds"),
    ]
    golden("export-all-two-resources.json", _normalised(result.stdout, workspace))


def test_named_projects_come_from_each_resource_once(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    seed(workspace.secondary, SECONDARY_KEY, single_label("Tickets"))

    result = workspace.run(
        "export", "Tickets", "Tickets", "--from", "eastus", "--from", "westus", "--from", "eastus"
    )

    assert result.exit_code == 0, result.stderr
    assert [(e.resource, e.project) for e in Store(workspace.store).entries()] == [
        ("eastus", "Tickets"),
        ("westus", "Tickets"),
    ]
    assert "2 projects in 0:0" in result.stderr


def test_a_resource_that_fails_does_not_stop_the_others(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    monkeypatch.setenv("WESTUS_KEY", "wrong-westus-key-8d2f")

    result = workspace.run("export", "--all", "--from", "eastus", "--from", "westus", "--json")

    assert result.exit_code == PartialFailureError.exit_code
    document = result.json()
    assert document["ok"] is False
    westus = document["projects"][0]
    assert (westus["resource"], westus["project"], westus["ok"]) == ("westus", None, False)
    assert "401 Unauthorized" in westus["error"]["message"]
    assert [e.project for e in Store(workspace.store).entries()] == ["Tickets"]
    assert "westus (every project)" in result.stderr
    assert "wrong-westus-key-8d2f" not in result.stdout + result.stderr


def test_jobs_that_fail_stall_or_end_partially_never_become_snapshots(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, golden: Callable[[str, str], None]
) -> None:
    names = ["Cancelled", "Failed", "Fine", "Partial", "Stuck"]
    seed(workspace.primary, PRIMARY_KEY, *(single_label(name, documents=1) for name in names))
    actions = {"Failed": "fail_job", "Partial": "partial_job", "Cancelled": "cancel_job"}
    for project, action in {**actions, "Stuck": "stall_job"}.items():
        workspace.primary.add_fault({"match": {"project": project}, "action": action})
    monkeypatch.setenv("ARCHIVER_JOB_TIMEOUT", "0.3")

    result = workspace.run("export", "--all", "--from", "eastus", "--json")

    assert result.exit_code == PartialFailureError.exit_code
    outcomes = {p["project"]: p for p in result.json()["projects"]}
    assert [name for name, outcome in outcomes.items() if outcome["ok"]] == ["Fine"]
    assert outcomes["Stuck"]["error"]["message"].endswith("still running after 0.3 s")
    assert [e.project for e in Store(workspace.store).entries()] == ["Fine"]
    assert "4 of 5 projects failed: Cancelled, Failed, Partial, Stuck" in result.stderr
    golden("export-failed-jobs.json", _normalised(result.stdout, workspace))


def test_a_throttled_resource_is_exported_at_the_pace_of_its_quota(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"P{i:02d}" for i in range(8)]
    seed(workspace.primary, PRIMARY_KEY, *(single_label(name, documents=1) for name in names))
    # The service's quota shrunk to 3 POST / 12 GET, in a minute that lasts 0.6 s, and a
    # burst of 503s (two reads, two writes) with a scaled Retry-After.
    workspace.primary.scenario = {
        "version": 1,
        "time_scale": 0.01,
        "rate_limits": {"post": 3, "get": 12, "window": 60},
        "faults": [
            {
                "match": {"method": m},
                "action": "respond",
                "status": 503,
                "retry_after": 1,
                "times": 2,
            }
            for m in ("GET", "POST")
        ],
    }
    limits = 'key_env = "EASTUS_KEY"\npost_per_minute = 3\nget_per_minute = 12\n'
    config = workspace.config.read_text().replace('key_env = "EASTUS_KEY"\n', limits)
    workspace.config.write_text(config)
    monkeypatch.setenv("ARCHIVER_PACING_WINDOW", "0.6")
    started = time.monotonic()

    result = workspace.run("export", "--all", "--from", "eastus", "-v")

    assert result.exit_code == 0, result.stderr
    assert len(Store(workspace.store).entries()) == 8
    # 8 POSTs at 3 a window: the last ones cannot go before two windows have passed.
    assert time.monotonic() - started >= 1.2
    assert "eastus: 10 POST and" in result.stderr  # two retried after their 503
    assert "503, retrying" in result.stderr


def test_progress_never_shows_in_a_pipe_and_the_summary_counts_outcomes(
    workspace: Workspace,
) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"), single_label("Refunds"))

    result = workspace.run("export", "Tickets", "Refunds", "Ghost", "--from", "eastus")

    assert result.exit_code == PartialFailureError.exit_code
    assert "\r" not in result.stderr and "running" not in result.stderr
    assert re.search(r"3 projects in 0:\d\d: 2 written, 0 unchanged, 1 failed", result.stderr)
    assert "archiver: 1 of 3 projects failed: Ghost" in result.stderr


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_one_line_kept_below_the_talk() -> None:
    terminal = FakeTerminal()
    now = [0.0]
    out = output.Output(command="export", err=terminal)

    out.start_progress(3, clock=lambda: now[0])
    out.started()
    out.started()
    now[0] = 75.0
    out.finished(ok=False)
    out.error("eastus/Ghost: no project")
    out.end_progress()

    screen = terminal.getvalue()
    assert "\rexport: 1/3 done (1 failed), 1 running, 1 waiting, 1:15 elapsed\x1b[K" in screen
    assert "\r\x1b[Karchiver: eastus/Ghost: no project\n\rexport: 1/3" in screen
    assert screen.endswith("\r\x1b[K")


@pytest.mark.parametrize("flags", [("--json",), ("-q",)])
def test_no_progress_with_json_or_quiet(flags: tuple[str, ...]) -> None:
    terminal = FakeTerminal()
    out = output.Output(
        command="export", err=terminal, json_mode="--json" in flags, quiet="-q" in flags
    )
    out.start_progress(3)
    out.started()
    out.end_progress()
    assert terminal.getvalue() == ""


def test_log_file_gets_every_detail_even_with_quiet(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    log_file = workspace.root / "nightly.log"

    result = workspace.run(
        "export", "Tickets", "--from", "eastus", "-q", "--log-file", str(log_file)
    )

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    text = log_file.read_text()
    assert re.search(r"DEBUG export-eastus_0 archiver.service.client: POST .*/:export: 202", text)
    assert "eastus: 1 POST and" in text
    assert PRIMARY_KEY not in text
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
