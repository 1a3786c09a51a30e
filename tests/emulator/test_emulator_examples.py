"""Every text authoring example of the service's API specification, replayed.

Each example file holds a request's parameters and the service's response. The
request is sent to the emulator after the state the example presumes has been set up;
the status, the job URL header, and the body must match. Times, job ids and the
endpoint may differ; every other value is compared as it stands.

Where the stored example is a pre-release draft or carries a slip of its authors
(most are listed in the reference folder's SOURCES.md), the replay follows the
released API and says so in `SOURCE_SLIPS` below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from .client import AuthoringClient
from .conftest import REFERENCE, shared_path

EXAMPLES = REFERENCE / "rest-api-specs-examples"
JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_\d{18}")
MASKED_KEYS = ("jobId", "storageAccountResourceId")

# Example files whose text departs from the released API, and how the replay reads them.
SOURCE_SLIPS = {
    "2022-05-01/SuccessfulImportProject.json": (
        "pre-release draft: `project-file-version` and `customNamedEntityRecognition`; "
        "the released names are `projectFileVersion` and `CustomEntityRecognition`"
    ),
    "2022-05-01/SuccessfulListProjects.json": (
        "pre-release draft: projectKinds `customNamedEntityRecognition` and "
        "`customMultiLabelClassification`; released `CustomEntityRecognition` and "
        "`CustomMultiLabelClassification`"
    ),
    "2022-10-01-preview/SuccessfulImportProject.json": (
        "its operation-location says api-version=2022-10-01, a typo for 2022-10-01-preview"
    ),
    "2022-10-01-preview/SuccessfulGetExportStatus.json": (
        "its parameters say api-version 2022-07-01-preview and its resultUrl holds an "
        "`{api-version}` placeholder; replayed with the folder's 2022-10-01-preview"
    ),
    "2023-04-01/SuccessfulImportProject.json": (
        "its operation-location says api-version=2022-05-01, not the request's version "
        "(not flagged in SOURCES.md)"
    ),
    "2025-05-15-preview/SuccessfulImportRawJson.json": (
        "its operation-location says api-version=2022-05-01, not the request's version"
    ),
}
IGNORED_EXAMPLES = {"conversations-2023-04-01/SuccessfulGetExportResult.json"}


def released(value: Any) -> Any:
    """An example's JSON with the pre-release draft names replaced by the released ones."""
    text = json.dumps(value)
    text = text.replace('"project-file-version"', '"projectFileVersion"')
    text = text.replace('"customNamedEntityRecognition"', '"CustomEntityRecognition"')
    text = re.sub(r'"projectKind": "custom', '"projectKind": "Custom', text)
    return json.loads(text)


def masked(value: Any) -> Any:
    """JSON with times and ids replaced by their type, for comparing a response's shape."""
    if isinstance(value, dict):
        return {key: _masked_member(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def _masked_member(key: str, value: Any) -> Any:
    if key.endswith("DateTime") or key in MASKED_KEYS:
        return f"<{type(value).__name__}>"
    return masked(value)


def url_form(url: str, endpoint: str, api_version: str | None = None) -> str:
    """A URL with the endpoint and job ids made comparable, and maybe the api-version set."""
    url = JOB_ID.sub("{jobId}", url.replace(endpoint, "{Endpoint}"))
    if api_version is None:
        return url
    return re.sub(r"api-version=[^&]+", f"api-version={api_version}", url)


class Replay:
    """One example: its request, sent by a client set to the example's api-version."""

    def __init__(self, client: AuthoringClient, name: str) -> None:
        self.name = name
        self.example: dict[str, Any] = released(
            json.loads(shared_path(EXAMPLES / name).read_text(encoding="utf-8"))
        )
        self.parameters: dict[str, Any] = self.example["parameters"]
        self.api_version = name.split("/")[0]
        self.client = AuthoringClient(client.endpoint, client.key, self.api_version)
        self.project: str = self.parameters.get("projectName", "LoanAgreements")

    def response(self, status: int) -> dict[str, Any]:
        responses: dict[str, Any] = self.example["responses"]
        return responses[str(status)]

    @property
    def corrected_version(self) -> str | None:
        """The api-version to read into the example's URLs where its authors slipped."""
        return self.api_version if self.name in SOURCE_SLIPS else None

    def check_job_url(self, response: requests.Response, expected: dict[str, Any]) -> None:
        assert response.status_code == 202, response.text
        assert response.content == b""
        assert "location" not in response.headers, "azure-core would make an extra GET"
        ours = url_form(response.headers["operation-location"], self.client.endpoint)
        theirs = url_form(
            expected["headers"]["operation-location"], "{Endpoint}", self.corrected_version
        )
        assert ours == theirs

    def check_body(self, response: requests.Response, status: int) -> None:
        expected = self.response(status)["body"]
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"].startswith("application/json")

        body = response.json()
        if "resultUrl" in expected:
            ours = url_form(body.pop("resultUrl"), self.client.endpoint)
            theirs = url_form(expected.pop("resultUrl"), "{Endpoint}", self.corrected_version)
            assert ours == theirs
        assert masked(body) == masked(expected)


def example_project_file(client: AuthoringClient) -> Any:
    """LoanAgreements, as the released import example describes it."""
    return Replay(client, "2023-04-01/SuccessfulImportProject.json").parameters["body"]


def import_example_project(client: AuthoringClient, *, trained: bool = False) -> None:
    job = client.import_project("LoanAgreements", example_project_file(client))
    assert job["status"] == "succeeded", job
    if trained:
        assert client.train("LoanAgreements")["status"] == "succeeded"
        assert client.deploy("LoanAgreements", "production")["status"] == "succeeded"


def replay_create(replay: Replay) -> None:
    body = replay.parameters["body"]
    headers = {"Content-Type": replay.parameters["Content-Type"]}

    created = replay.client.call("PATCH", f"projects/{replay.project}", json=body, headers=headers)
    replay.check_body(created, 201)

    import_example_project(replay.client, trained=True)
    updated = replay.client.call("PATCH", f"projects/{replay.project}", json=body, headers=headers)
    replay.check_body(updated, 200)


def replay_delete(replay: Replay) -> None:
    import_example_project(replay.client)

    response = replay.client.call("DELETE", f"projects/{replay.project}")

    replay.check_job_url(response, replay.response(202))


def replay_export(replay: Replay) -> None:
    import_example_project(replay.client)
    params = {"stringIndexType": replay.parameters["stringIndexType"]}

    response = replay.client.call("POST", f"projects/{replay.project}/:export", params=params)

    replay.check_job_url(response, replay.response(202))


def replay_export_status(replay: Replay) -> None:
    import_example_project(replay.client)
    job_url = replay.client.start_export(replay.project)
    replay.client.wait(job_url)

    replay.check_body(replay.client.call_url("GET", job_url), 200)


def replay_import(replay: Replay) -> None:
    body = replay.parameters["body"]
    headers = {"Content-Type": replay.parameters["Content-Type"]}

    response = replay.client.call(
        "POST", f"projects/{replay.project}/:import", json=body, headers=headers
    )

    replay.check_job_url(response, replay.response(202))
    job = replay.client.wait(response.headers["operation-location"])
    assert job["status"] == "succeeded", job


def replay_import_status(replay: Replay) -> None:
    job_url = replay.client.start_import(replay.project, example_project_file(replay.client))
    replay.client.wait(job_url)

    replay.check_body(replay.client.call_url("GET", job_url), 200)


def replay_get_project(replay: Replay) -> None:
    import_example_project(replay.client, trained=True)

    replay.check_body(replay.client.call("GET", f"projects/{replay.project}"), 200)


def replay_list(replay: Replay) -> None:
    import_example_project(replay.client, trained=True)
    untrained = replay.response(200)["body"]["value"][1]
    fields = ("projectKind", "storageInputContainerName", "projectName", "multilingual")
    metadata = {key: untrained[key] for key in (*fields, "description", "language")}
    created = replay.client.call("PATCH", f"projects/{untrained['projectName']}", json=metadata)
    assert created.status_code == 201, created.text

    replay.check_body(replay.client.call("GET", "projects"), 200)


REPLAYS: dict[str, Callable[[Replay], None]] = {
    "SuccessfulCreateProject.json": replay_create,
    "SuccessfulDeleteProject.json": replay_delete,
    "SuccessfulExportProject.json": replay_export,
    "SuccessfulGetExportStatus.json": replay_export_status,
    "SuccessfulImportProject.json": replay_import,
    "SuccessfulImportRawJson.json": replay_import,
    "SuccessfulGetImportStatus.json": replay_import_status,
    "SuccessfulGetProject.json": replay_get_project,
    "SuccessfulListProjects.json": replay_list,
}


def example_names() -> list[str]:
    if not EXAMPLES.is_dir():
        return []
    names = sorted(str(path.relative_to(EXAMPLES)) for path in EXAMPLES.glob("*/*.json"))
    return [name for name in names if name not in IGNORED_EXAMPLES]


def test_every_stored_example_is_replayed() -> None:
    names = example_names() or [str(shared_path(EXAMPLES))]

    unknown = [name for name in names if Path(name).name not in REPLAYS]

    assert len(names) == 20
    assert unknown == []
    assert set(SOURCE_SLIPS) <= set(names)


@pytest.mark.parametrize("name", example_names() or ["(examples absent)"])
def test_the_emulator_answers_as_the_example_shows(client: AuthoringClient, name: str) -> None:
    replay = Replay(client, name)

    REPLAYS[Path(name).name](replay)
