"""Quotas, latency, timings and faults, scripted by a scenario and seen over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from archiver.emulator import EmulatorServer, Scenario

from .client import KEY, AuthoringClient
from .project_files import classification_file

SERVE_SCRIPT = """
import sys
from pathlib import Path
from archiver.emulator import serve
serve(Path(sys.argv[1]), sys.argv[2], port=0, scenario=Path(sys.argv[3]))
"""


@pytest.fixture
def scripted(data_dir: Path) -> Iterator[EmulatorServer]:
    """An emulator whose scenario each test sets while it runs."""
    with EmulatorServer(data_dir, KEY) as server:
        yield server


def client_of(server: EmulatorServer) -> AuthoringClient:
    return AuthoringClient(server.url, KEY)


def statuses(client: AuthoringClient, count: int, path: str = "projects") -> list[int]:
    return [client.call("GET", path).status_code for _ in range(count)]


def test_there_are_no_rate_limits_unless_asked_for(scripted: EmulatorServer) -> None:
    client = client_of(scripted)

    imports = [
        client.start_import(f"P{index}", classification_file(f"P{index}")) for index in range(12)
    ]

    assert scripted.scenario.rate_limits is None
    assert len(imports) == 12


def test_rate_limits_answer_429_in_the_services_words(scripted: EmulatorServer) -> None:
    scripted.scenario = {"version": 1, "rate_limits": {"post": 2, "get": 3}}
    client = client_of(scripted)

    reads = statuses(client, 4)
    writes = [client.call("POST", "projects/A/:import", json={}).status_code for _ in range(3)]
    refused = client.call("GET", "projects")

    assert reads == [200, 200, 200, 429]
    assert writes == [202, 202, 429]
    assert refused.headers["Retry-After"] == "60"
    assert refused.headers["x-ms-error-code"] == "TooManyRequests"
    assert refused.json()["error"] == {
        "code": "TooManyRequests",
        "message": "Rate limit is exceeded. Try again in 60 seconds.",
    }


def test_the_rate_limit_window_slides_and_scales_with_time(scripted: EmulatorServer) -> None:
    scripted.scenario = {"version": 1, "time_scale": 0.005, "rate_limits": {"get": 2}}
    client = client_of(scripted)

    first = statuses(client, 3)
    retry_after = float(client.call("GET", "projects").headers["Retry-After"])
    time.sleep(retry_after + 0.05)
    later = statuses(client, 2)

    assert first == [200, 200, 429]
    assert 0 < retry_after <= 0.3
    assert later == [200, 200]


def test_latency_delays_every_request_and_scales(scripted: EmulatorServer) -> None:
    client = client_of(scripted)
    scripted.scenario = {"version": 1, "latency": 0.3, "time_scale": 0.5}

    started = time.monotonic()
    client.call("GET", "projects")
    elapsed = time.monotonic() - started

    assert 0.15 <= elapsed < 0.3


def test_a_delay_fault_slows_only_matching_requests(scripted: EmulatorServer) -> None:
    scripted.add_fault({"match": {"path": "/Slow$"}, "action": "delay", "seconds": 0.2})
    client = client_of(scripted)

    started = time.monotonic()
    client.call("GET", "projects/Fast")
    fast = time.monotonic() - started
    client.call("GET", "projects/Slow")
    slow = time.monotonic() - started - fast

    assert fast < 0.15 <= slow


def test_transient_errors_answer_the_next_matching_requests(scripted: EmulatorServer) -> None:
    scripted.add_fault(
        {
            "match": {"method": "GET", "path": "/projects$"},
            "action": "respond",
            "status": 503,
            "times": 2,
            "retry_after": 3,
        }
    )
    client = client_of(scripted)

    first = client.call("GET", "projects")
    others = statuses(client, 2) + statuses(client, 1, "projects/Absent")

    assert first.status_code == 503
    assert first.headers["Retry-After"] == "3"
    assert first.json()["error"]["code"] == "ServiceUnavailable"
    assert others == [503, 200, 404]


def test_after_n_requests_everything_answers_503(scripted: EmulatorServer) -> None:
    scripted.add_fault({"after": 3, "action": "respond", "status": 503})
    client = client_of(scripted)

    healthy = statuses(client, 3)
    outage = statuses(client, 4, "projects/Any") + statuses(client, 1)

    assert healthy == [200, 200, 200]
    assert outage == [503] * 5


def test_a_scripted_answer_to_an_import_starts_no_job(scripted: EmulatorServer) -> None:
    scripted.add_fault(
        {"match": {"method": "POST"}, "action": "respond", "status": 500, "times": 1}
    )
    client = client_of(scripted)

    refused = client.call("POST", "projects/Movies/:import", json=classification_file("Movies"))
    client.import_project("Movies", classification_file("Movies"))

    assert refused.status_code == 500
    assert refused.json()["error"]["code"] == "InternalServerError"
    assert client.call("GET", "projects/Movies").status_code == 200


def test_a_dropped_connection_gets_no_answer_at_all(scripted: EmulatorServer) -> None:
    scripted.add_fault({"match": {"path": "/projects$"}, "action": "drop_connection", "times": 1})
    client = client_of(scripted)

    with pytest.raises(requests.ConnectionError):
        client.call("GET", "projects")
    assert client.call("GET", "projects").status_code == 200


def test_a_fault_can_name_an_api_version(scripted: EmulatorServer) -> None:
    scripted.add_fault({"match": {"api_version": "2022-05-01"}, "action": "respond", "status": 503})
    client = client_of(scripted)

    current = client.call("GET", "projects").status_code
    client.api_version = "2022-05-01"
    older = client.call("GET", "projects").status_code

    assert (current, older) == (200, 503)


def test_after_counts_matching_requests_that_another_fault_answered(
    scripted: EmulatorServer,
) -> None:
    scripted.scenario = {
        "version": 1,
        "faults": [
            {"action": "respond", "status": 500, "times": 2},
            {"after": 2, "action": "respond", "status": 503, "times": 1},
        ],
    }

    assert statuses(client_of(scripted), 4) == [500, 500, 503, 200]


def test_times_counts_only_requests_a_fault_answered(scripted: EmulatorServer) -> None:
    scripted.scenario = {
        "version": 1,
        "faults": [
            {"action": "respond", "status": 500, "times": 1},
            {"action": "respond", "status": 503, "times": 1},
        ],
    }

    assert statuses(client_of(scripted), 3) == [500, 503, 200]


def test_a_job_fault_fails_the_jobs_of_a_named_project(scripted: EmulatorServer) -> None:
    errors = [{"code": "StorageUnavailable", "message": "The container cannot be read."}]
    scripted.add_fault({"match": {"project": "Movies"}, "action": "fail_job", "errors": errors})
    client = client_of(scripted)

    movies = client.import_project("Movies", classification_file("Movies"))
    books = client.import_project("Books", classification_file("Books"))

    assert movies["status"] == "failed"
    assert movies["errors"] == errors
    assert books["status"] == "succeeded"
    assert client.call("GET", "projects/Movies").status_code == 404


def test_a_job_fault_can_pick_the_nth_job(scripted: EmulatorServer) -> None:
    client = client_of(scripted)
    client.import_project("Movies", classification_file("Movies"))
    scripted.add_fault(
        {
            "match": {"method": "POST", "path": ":export$"},
            "after": 1,
            "times": 1,
            "action": "fail_job",
        }
    )

    outcomes = [client.wait(client.start_export("Movies"))["status"] for _ in range(3)]

    assert outcomes == ["succeeded", "failed", "succeeded"]


def test_job_faults_count_only_requests_that_start_jobs(scripted: EmulatorServer) -> None:
    scripted.add_fault({"after": 1, "times": 1, "action": "cancel_job"})
    client = client_of(scripted)

    client.call("GET", "projects")
    first = client.import_project("Movies", classification_file("Movies"))
    second = client.import_project("Books", classification_file("Books"))

    assert (first["status"], second["status"]) == ("succeeded", "cancelled")
    assert client.call("GET", "projects/Books").status_code == 404


def test_a_stalled_job_stays_running(scripted: EmulatorServer) -> None:
    scripted.add_fault({"match": {"project": "Movies"}, "action": "stall_job"})
    client = client_of(scripted)

    job_url = client.start_import("Movies", classification_file("Movies"))
    polls = []
    for _ in range(5):
        polls.append(client.call_url("GET", job_url).json()["status"])
        time.sleep(0.01)

    assert polls == ["running"] * 5
    assert client.call("GET", "projects/Movies").status_code == 404


def test_a_partially_completed_job_takes_effect_and_says_why(scripted: EmulatorServer) -> None:
    warnings = [{"code": "DocumentSkipped", "message": "doc3.txt could not be read."}]
    scripted.add_fault({"action": "partial_job", "warnings": warnings})
    client = client_of(scripted)

    job = client.import_project("Movies", classification_file("Movies"))

    assert job["status"] == "partiallyCompleted"
    assert job["warnings"] == warnings
    assert "errors" not in job
    assert client.call("GET", "projects/Movies").status_code == 200


def test_an_import_can_silently_drop_documents(scripted: EmulatorServer) -> None:
    scripted.add_fault({"action": "drop_documents", "documents": ["doc2.txt", "other.txt"]})
    client = client_of(scripted)

    job = client.import_project("Movies", classification_file("Movies"))
    exported = client.export_project("Movies")

    assert job["status"] == "succeeded"
    locations = [document["location"] for document in exported["assets"]["documents"]]
    assert locations == ["doc1.txt", "doc3.txt"]


def test_an_export_result_can_expire_after_its_first_fetch(scripted: EmulatorServer) -> None:
    scripted.add_fault({"action": "expire_result", "after_fetches": 1})
    client = client_of(scripted)
    client.import_project("Movies", classification_file("Movies"))

    job = client.wait(client.start_export("Movies"))
    first = client.call_url("GET", job["resultUrl"])
    second = client.call_url("GET", job["resultUrl"])

    assert first.status_code == 200
    assert second.status_code == 404
    assert "expired" in second.json()["error"]["message"]
    assert client.wait(client.start_export("Movies"))["status"] == "succeeded"


def test_an_export_result_can_expire_after_some_seconds(scripted: EmulatorServer) -> None:
    scripted.add_fault({"action": "expire_result", "after_seconds": 0.1})
    client = client_of(scripted)
    client.import_project("Movies", classification_file("Movies"))

    job = client.wait(client.start_export("Movies"))
    early = client.call_url("GET", job["resultUrl"]).status_code
    time.sleep(0.15)
    late = client.call_url("GET", job["resultUrl"]).status_code

    assert (early, late) == (200, 404)
    assert client.call_url("GET", job["resultUrl"].replace("/result", "")).status_code == 200


def test_job_durations_differ_by_kind(scripted: EmulatorServer) -> None:
    scripted.scenario = {"version": 1, "job_durations": {"import": 0.3}}
    client = client_of(scripted)

    import_url = client.start_import("Movies", classification_file("Movies"))
    first_poll = client.call_url("GET", import_url).json()["status"]
    client.wait(import_url)
    export_poll = client.call_url("GET", client.start_export("Movies")).json()["status"]

    assert first_poll == "notStarted"
    assert export_poll == "succeeded"


def test_a_delay_job_fault_slows_one_job(scripted: EmulatorServer) -> None:
    scripted.add_fault({"match": {"project": "Slow"}, "action": "delay_job", "seconds": 5})
    client = client_of(scripted)

    slow = client.start_import("Slow", classification_file("Slow"))
    fast = client.import_project("Fast", classification_file("Fast"))

    assert client.call_url("GET", slow).json()["status"] == "notStarted"
    assert fast["status"] == "succeeded"


def test_time_scale_shortens_every_job(data_dir: Path) -> None:
    scenario = {"version": 1, "time_scale": 0.01}
    with EmulatorServer(data_dir, KEY, job_delay=10, scenario=scenario) as server:
        client = client_of(server)
        started = time.monotonic()
        job = client.import_project("Movies", classification_file("Movies"))

    assert job["status"] == "succeeded"
    assert time.monotonic() - started < 2


def test_an_expired_job_is_operation_not_found(scripted: EmulatorServer) -> None:
    scripted.scenario = {"version": 1, "job_lifetime": 0.1}
    client = client_of(scripted)

    job_url = client.start_import("Movies", classification_file("Movies"))
    early = client.call_url("GET", job_url)
    time.sleep(0.15)
    late = client.call_url("GET", job_url)

    assert early.status_code == 200
    assert late.status_code == 404
    assert late.json()["error"]["code"] == "OperationNotFound"


def test_a_new_scenario_starts_its_counts_afresh(scripted: EmulatorServer) -> None:
    fault = {"action": "respond", "status": 503, "times": 1}
    scripted.scenario = {"version": 1, "faults": [fault]}
    client = client_of(scripted)

    before = statuses(client, 2)
    scripted.scenario = Scenario.from_dict({"version": 1, "faults": [fault]})
    after = statuses(client, 2)
    scripted.scenario = None

    assert before == after == [503, 200]
    assert scripted.scenario == Scenario()


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM delivery needs a POSIX system")
def test_serve_plays_a_scenario_file(tmp_path: Path) -> None:
    scenario: dict[str, Any] = {
        "version": 1,
        "description": "the region goes down after two requests",
        "faults": [{"after": 2, "action": "respond", "status": 503}],
    }
    path = tmp_path / "outage.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT, str(tmp_path / "data"), KEY, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        client = AuthoringClient(process.stdout.readline().strip(), KEY)
        seen = statuses(client, 5)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)

    assert seen == [200, 200, 503, 503, 503]
    assert process.returncode == 0
