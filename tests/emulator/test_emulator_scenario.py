"""The scenario file format: what it holds, and every mistake it reports on load."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from archiver.emulator import RateLimits, Scenario, ScenarioError, load_scenario
from archiver.emulator.scenario import parse_fault

FULL_SCENARIO: dict[str, Any] = {
    "version": 1,
    "description": "a bad day in one region",
    "time_scale": 0.5,
    "latency": 0.2,
    "job_durations": {"import": 4, "export": 2, "train": 30},
    "job_lifetime": 3600,
    "rate_limits": {"post": 5},
    "faults": [
        {
            "description": "gateway trouble",
            "match": {"method": "get", "path": "/projects$", "api_version": "2023-04-01"},
            "after": 3,
            "times": 2,
            "action": "respond",
            "status": 503,
            "retry_after": 4,
        },
        {"match": {"project": "Movies"}, "action": "fail_job", "errors": []},
        {"action": "drop_documents", "documents": ["a.txt", "b.txt"]},
        {"action": "expire_result", "after_fetches": 1},
    ],
}


def test_a_full_scenario_is_read() -> None:
    scenario = Scenario.from_dict(FULL_SCENARIO)

    assert scenario.description == "a bad day in one region"
    assert scenario.time_scale == 0.5
    assert scenario.scaled(scenario.latency) == pytest.approx(0.1)
    assert scenario.job_durations == {"import": 4.0, "export": 2.0, "train": 30.0}
    assert scenario.job_lifetime == 3600.0
    assert scenario.rate_limits == RateLimits(post=5, get=100, window=60.0)
    respond, fail, drop, expire = scenario.faults
    assert respond.match.method == "GET"
    assert respond.match.path is not None and respond.match.path.pattern == "/projects$"
    assert (respond.after, respond.times, respond.status, respond.retry_after) == (3, 2, 503, 4.0)
    assert respond.error_code == "ServiceUnavailable"
    assert respond.describe() == "gateway trouble"
    assert fail.match.project == "Movies" and fail.times is None
    assert drop.documents == frozenset({"a.txt", "b.txt"})
    assert expire.after_fetches == 1 and expire.after_seconds is None


def test_the_empty_scenario_is_the_well_behaved_service() -> None:
    scenario = Scenario.from_dict({"version": 1})

    assert scenario == Scenario()
    assert scenario.rate_limits is None
    assert scenario.faults == ()
    assert scenario.job_lifetime == 7 * 24 * 3600


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "scenario: expected an object, got array"),
        ({}, "scenario: the key 'version' is required"),
        ({"version": 2}, "scenario at version: this emulator reads scenario version 1, not 2"),
        ({"version": 1, "colour": 1}, "scenario: unknown key 'colour' (known keys: "),
        ({"version": 1, "time_scale": 0}, "at time_scale: expected a number above 0, got 0"),
        ({"version": 1, "latency": -1}, "at latency: expected a number at least 0, got -1"),
        ({"version": 1, "latency": "1s"}, "at latency: expected a number, got string"),
        ({"version": 1, "job_durations": {"compile": 1}}, "at job_durations: unknown key"),
        ({"version": 1, "job_lifetime": 0}, "at job_lifetime: expected a number above 0"),
        (
            {"version": 1, "rate_limits": {"post": 0}},
            "at rate_limits.post: expected an integer of at least 1, got 0",
        ),
        ({"version": 1, "rate_limits": True}, "at rate_limits: expected an object, got boolean"),
        ({"version": 1, "faults": {}}, "at faults: expected an array, got object"),
        ({"version": 1, "faults": [1]}, "at faults[0]: expected an object, got number"),
        (
            {"version": 1, "faults": [{"action": "explode"}]},
            "at faults[0].action: unknown action 'explode' (known actions: respond,",
        ),
        (
            {"version": 1, "faults": [{"action": "respond"}]},
            "at faults[0]: the key 'status' is required",
        ),
        (
            {"version": 1, "faults": [{"action": "respond", "status": 200}]},
            "at faults[0].status: expected an integer of at least 400, got 200",
        ),
        (
            {"version": 1, "faults": [{"action": "respond", "status": 503, "seconds": 1}]},
            "at faults[0]: unknown key 'seconds'",
        ),
        (
            {"version": 1, "faults": [{"action": "stall_job", "match": {"path": "("}}]},
            "at faults[0].match.path: not a regular expression",
        ),
        (
            {"version": 1, "faults": [{"action": "stall_job", "match": {"method": "FETCH"}}]},
            "at faults[0].match.method: expected one of GET, POST, PUT, PATCH, DELETE",
        ),
        (
            {"version": 1, "faults": [{"action": "stall_job", "match": {"host": "x"}}]},
            "at faults[0].match: unknown key 'host'",
        ),
        (
            {"version": 1, "faults": [{"action": "fail_job", "errors": [{"code": 1}]}]},
            "at faults[0].errors[0].code: expected a string, got number",
        ),
        (
            {"version": 1, "faults": [{"action": "fail_job", "errors": [{"code": "X"}]}]},
            "at faults[0].errors[0]: the key 'message' is required",
        ),
        (
            {"version": 1, "faults": [{"action": "drop_documents", "documents": []}]},
            "at faults[0].documents: name at least one document location",
        ),
        (
            {"version": 1, "faults": [{"action": "expire_result"}]},
            "at faults[0]: expire_result needs after_seconds, after_fetches or both",
        ),
        (
            {"version": 1, "faults": [{"action": "delay", "seconds": 1, "times": 0}]},
            "at faults[0].times: expected an integer of at least 1, got 0",
        ),
    ],
)
def test_a_faulty_scenario_is_refused_naming_the_place(data: Any, message: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        Scenario.from_dict(data)

    assert message in str(refused.value)


def test_a_scenario_file_is_read_and_its_mistakes_name_the_file(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(FULL_SCENARIO), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "latency": -2}', encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")

    assert load_scenario(good) == load_scenario(str(good)) == Scenario.from_dict(FULL_SCENARIO)
    with pytest.raises(ScenarioError, match=r"bad\.json at latency: expected a number at least"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match=r"broken\.json is not valid JSON"):
        load_scenario(broken)
    with pytest.raises(ScenarioError, match="cannot read the scenario file"):
        load_scenario(tmp_path / "absent.json")


def test_a_scenario_comes_from_an_object_a_mapping_or_nothing() -> None:
    scenario = Scenario(latency=1.0)

    assert load_scenario(scenario) is scenario
    assert load_scenario({"version": 1, "latency": 1}) == scenario
    assert load_scenario(None) == Scenario()


def test_command_line_options_lay_over_a_scenario() -> None:
    own_limits = Scenario(rate_limits=RateLimits(post=1))

    enabled = Scenario().with_options(rate_limits=True, latency=0.5, time_scale=0.1)
    kept = own_limits.with_options(rate_limits=True)

    assert enabled.rate_limits == RateLimits(post=10, get=100, window=60)
    assert (enabled.latency, enabled.time_scale) == (0.5, 0.1)
    assert kept.rate_limits == RateLimits(post=1)
    assert Scenario().with_options() == Scenario()
    with pytest.raises(ScenarioError, match="time_scale: expected a number above 0"):
        Scenario().with_options(time_scale=0)


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "TooManyRequests"), (500, "InternalServerError"), (502, "InternalServerError")],
)
def test_a_respond_fault_names_the_services_code_for_its_status(status: int, code: str) -> None:
    fault = parse_fault({"action": "respond", "status": status})

    assert fault.error_code == code
    assert parse_fault({"action": "respond", "status": status, "code": "Busy"}).error_code == "Busy"


def test_the_readme_example_scenario_is_valid() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Emulator\n", 1)[1].split("\n## ", 1)[0]
    example = re.search(r"```json\n(.*?)```", section, flags=re.DOTALL)

    assert example is not None
    scenario = Scenario.from_dict(json.loads(example.group(1)))
    assert scenario.rate_limits == RateLimits()
    assert [fault.action for fault in scenario.faults] == [
        "fail_job",
        "drop_documents",
        "respond",
    ]
