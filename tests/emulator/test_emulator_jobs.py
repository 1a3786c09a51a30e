"""Import and export jobs: round trips, job state, progression and ownership."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from archiver.emulator import EmulatorServer

from .client import KEY, AuthoringClient
from .project_files import classification_file, entity_file

JOB_DELAY = 0.3
SAMPLE_FILES = [
    "loanAgreementsLabels.CustomEntityRecognition.json",
    "movieLabels.CustomMultiLabelClassification.json",
    "webOfScience_labelsFile.CustomSingleLabelClassification.json",
]


@pytest.fixture
def slow_client(data_dir: Path) -> Iterator[AuthoringClient]:
    with EmulatorServer(data_dir, KEY, job_delay=JOB_DELAY) as server:
        yield AuthoringClient(server.url, KEY)


def parse_time(text: str) -> datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("file_name", SAMPLE_FILES)
def test_a_sample_project_comes_back_from_export_unchanged(
    client: AuthoringClient, sample_dir: Path, file_name: str
) -> None:
    project_file = json.loads((sample_dir / file_name).read_text(encoding="utf-8"))
    name = project_file["metadata"]["projectName"]

    imported = client.import_project(name, project_file)
    metadata = client.call("GET", f"projects/{name}").json()
    exported = client.export_project(name)

    assert imported["status"] == "succeeded"
    assert metadata["projectKind"] == file_name.split(".")[1]
    assert exported == project_file
    assert exported["assets"]["projectKind"] == project_file["assets"]["projectKind"]


def test_the_job_urls_are_absolute_and_carry_the_api_version(client: AuthoringClient) -> None:
    import_url = client.start_import("Movies", classification_file("Movies"))
    client.wait(import_url)
    export_url = client.start_export("Movies")
    job = client.wait(export_url)

    projects = f"{client.endpoint}/language/authoring/analyze-text/projects/Movies"
    job_id = job["jobId"]
    assert import_url.startswith(f"{projects}/import/jobs/")
    assert export_url == f"{projects}/export/jobs/{job_id}?api-version=2023-04-01"
    assert job["resultUrl"] == f"{projects}/export/jobs/{job_id}/result?api-version=2023-04-01"


def test_job_state_has_the_service_fields(client: AuthoringClient) -> None:
    job = client.import_project("Movies", classification_file("Movies"))

    assert set(job) == {
        "jobId",
        "createdDateTime",
        "lastUpdatedDateTime",
        "expirationDateTime",
        "status",
    }
    assert re.fullmatch(r"[0-9a-f-]{36}_\d{18}", job["jobId"])
    created = parse_time(job["createdDateTime"])
    assert parse_time(job["expirationDateTime"]) == created + timedelta(days=7)
    assert parse_time(job["lastUpdatedDateTime"]) >= created


def test_a_job_goes_from_not_started_through_running_to_succeeded(
    slow_client: AuthoringClient,
) -> None:
    job_url = slow_client.start_import("Movies", classification_file("Movies"))

    seen: list[str] = []
    while not seen or seen[-1] not in {"succeeded", "failed"}:
        status = slow_client.call_url("GET", job_url).json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status != "succeeded":
            assert slow_client.call("GET", "projects/Movies").status_code == 404
        time.sleep(0.02)

    assert seen == ["notStarted", "running", "succeeded"]
    assert slow_client.call("GET", "projects/Movies").status_code == 200


def test_the_export_result_is_not_found_before_the_job_succeeds(
    client: AuthoringClient, emulator: EmulatorServer
) -> None:
    client.import_project("Movies", classification_file("Movies"))
    emulator.scenario = {"version": 1, "job_durations": {"export": JOB_DELAY}}
    job_url = client.start_export("Movies")

    early = client.call_url("GET", job_url.replace("?", "/result?"))
    job = client.wait(job_url)
    late = client.call_url("GET", job["resultUrl"])

    assert early.status_code == 404
    assert early.json()["error"]["code"] == "NotFound"
    assert late.status_code == 200


def test_an_export_captures_the_project_when_submitted(client: AuthoringClient) -> None:
    first = classification_file("Movies")
    client.import_project("Movies", first)
    export_url = client.start_export("Movies")

    second = classification_file("Movies")
    second["assets"]["classes"].append({"category": "Thriller"})
    client.import_project("Movies", second)
    job = client.wait(export_url)

    assert client.call_url("GET", job["resultUrl"]).json() == first
    assert client.export_project("Movies") == second


def test_an_export_accepts_and_ignores_a_body(client: AuthoringClient) -> None:
    client.import_project("Movies", classification_file("Movies"))
    params = {"stringIndexType": "Utf16CodeUnit"}

    response = client.call(
        "POST", "projects/Movies/:export", params=params, json={"assetsToExport": ["*"]}
    )

    assert response.status_code == 202
    assert client.wait(response.headers["operation-location"])["status"] == "succeeded"


@pytest.mark.parametrize("params", [{}, {"stringIndexType": "Utf8CodeUnit"}])
def test_an_export_needs_the_utf16_string_index_type(
    client: AuthoringClient, params: dict[str, str]
) -> None:
    client.import_project("Movies", classification_file("Movies"))

    response = client.call("POST", "projects/Movies/:export", params=params)

    assert response.status_code == 400
    assert "stringIndexType" in response.json()["error"]["message"]


def test_exporting_an_absent_project_is_project_not_found(client: AuthoringClient) -> None:
    params = {"stringIndexType": "Utf16CodeUnit"}

    response = client.call("POST", "projects/Absent/:export", params=params)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ProjectNotFound"


def test_an_export_of_a_trained_model_is_not_emulated(client: AuthoringClient) -> None:
    client.import_project("Movies", classification_file("Movies"))
    params = {"stringIndexType": "Utf16CodeUnit", "trainedModelLabel": "model1"}

    response = client.call("POST", "projects/Movies/:export", params=params)

    assert response.status_code == 404
    assert "model1" in response.json()["error"]["message"]


def test_a_job_is_found_only_under_its_own_project_and_kind(client: AuthoringClient) -> None:
    client.import_project("Movies", classification_file("Movies"))
    client.import_project("Books", classification_file("Books"))
    export_job = client.wait(client.start_export("Movies"))
    job_id = export_job["jobId"]

    wrong_places = [
        f"projects/Movies/import/jobs/{job_id}",
        f"projects/Books/export/jobs/{job_id}",
        f"projects/global/deletion-jobs/{job_id}",
        "projects/Movies/export/jobs/00000000-0000-0000-0000-000000000000_1",
    ]
    for path in wrong_places:
        response = client.call("GET", path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "OperationNotFound"
    assert client.call("GET", f"projects/Movies/export/jobs/{job_id}").status_code == 200


def test_the_export_result_needs_the_key(client: AuthoringClient) -> None:
    client.import_project("Movies", classification_file("Movies"))
    job = client.wait(client.start_export("Movies"))

    anonymous = AuthoringClient(client.endpoint, "not-the-key")
    response = anonymous.call_url("GET", job["resultUrl"])

    assert response.status_code == 401


def test_concurrent_imports_all_take_effect(client: AuthoringClient) -> None:
    names = [f"Parallel{index}" for index in range(12)]

    def import_one(name: str) -> str:
        own_client = AuthoringClient(client.endpoint, KEY)
        return str(own_client.import_project(name, entity_file(name))["status"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(import_one, names))

    listed = client.call("GET", "projects", params={"maxpagesize": 50}).json()["value"]
    assert statuses == ["succeeded"] * len(names)
    assert sorted(project["projectName"] for project in listed) == sorted(names)
    assert all(client.export_project(name) == entity_file(name) for name in names)
