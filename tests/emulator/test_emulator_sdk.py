"""The official Python SDK, pointed at the emulator, sees the service it was written for.

The SDK is a test dependency (`make test` installs it), so these tests never skip.
Clients are built directly with their api-version: `get_project_client` would drop it.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.ai.textanalytics.authoring import TextAuthoringClient, TextAuthoringProjectClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from archiver.emulator import EmulatorServer

from .client import KEY
from .project_files import classification_file, entity_file

# SDK 1.0.0b1 refuses its own import at 2023-04-01: `begin_import` hands `format=None`
# to an inner call that rejects any `format` below 2024-11-15-preview.
IMPORTING_VERSION = "2024-11-15-preview"
# The SDK's default polling interval is 30 s, and it reads `Retry-After: 0` as no advice.
POLL = {"polling_interval": 0.01}


def final_job(response: Any, _deserialized: Any, _headers: Any) -> Any:
    """Makes an SDK poller return the final job body, which holds the export's resultUrl."""
    return response.http_response.json()


def clients(
    emulator: EmulatorServer, project: str, api_version: str = "2023-04-01"
) -> tuple[TextAuthoringClient, TextAuthoringProjectClient]:
    key = AzureKeyCredential(KEY)
    resource = TextAuthoringClient(emulator.url, key, api_version=api_version)
    project_client = TextAuthoringProjectClient(
        emulator.url, key, project_name=project, api_version=api_version
    )
    return resource, project_client


def sdk_import(emulator: EmulatorServer, name: str, project_file: Any) -> None:
    _, importer = clients(emulator, name, IMPORTING_VERSION)
    importer.project.begin_import(body=project_file, **POLL).result()


@pytest.mark.parametrize("api_version", ["2023-04-01", IMPORTING_VERSION, "2025-05-15-preview"])
def test_the_sdk_imports_lists_gets_exports_and_deletes(
    emulator: EmulatorServer, api_version: str
) -> None:
    resource, project = clients(emulator, "Loans", api_version)
    project_file = entity_file("Loans")

    if api_version == "2023-04-01":
        sdk_import(emulator, "Loans", project_file)
    else:
        project.project.begin_import(body=project_file, **POLL).result()
    listed = [item["projectName"] for item in resource.list_projects()]
    details = project.project.get_project()
    export_job = project.project.begin_export(
        string_index_type="Utf16CodeUnit", cls=final_job, **POLL
    ).result()
    exported = resource.send_request(HttpRequest("GET", export_job["resultUrl"])).json()
    resource.begin_delete_project("Loans", **POLL).result()

    assert listed == ["Loans"]
    assert details.project_kind == "CustomEntityRecognition"
    assert details.created_on is not None
    assert f"api-version={api_version}" in export_job["resultUrl"]
    assert exported == project_file
    with pytest.raises(ResourceNotFoundError) as missing:
        resource.get_project("Loans")
    assert missing.value.error is not None
    assert missing.value.error.code == "ProjectNotFound"


def test_the_sdk_at_2023_04_01_cannot_import_on_its_own(emulator: EmulatorServer) -> None:
    _, project = clients(emulator, "Loans")

    with pytest.raises(ValueError, match="'format' is not available in API version 2023-04-01"):
        project.project.begin_import(body=entity_file("Loans"), **POLL)


def test_the_sdk_pages_through_many_projects(emulator: EmulatorServer) -> None:
    resource, _ = clients(emulator, "unused")
    names = [f"Project{index:02d}" for index in range(5)]
    for name in names:
        sdk_import(emulator, name, classification_file(name))

    listed = [item["projectName"] for item in resource.list_projects(maxpagesize=2)]

    assert listed == names


def test_the_sdk_trains_and_deploys(emulator: EmulatorServer) -> None:
    _, project = clients(emulator, "Movies")
    sdk_import(emulator, "Movies", classification_file("Movies"))

    training = project.project.begin_train(
        body={"modelLabel": "model1", "trainingConfigVersion": "latest"}, **POLL
    ).result()
    project.deployment.begin_deploy_project(
        "production", body={"trainedModelLabel": "model1"}, **POLL
    ).result()
    models = list(project.project.list_trained_models())
    deployment = project.deployment.get_deployment("production")

    assert training.model_label == "model1"
    assert training.training_status.status == "succeeded"
    assert [model.label for model in models] == ["model1"]
    assert deployment.model_id == models[0].model_id
    assert project.project.get_project().last_deployed_on is not None


def test_the_sdk_reports_a_failed_import_job(emulator: EmulatorServer) -> None:
    project_file = entity_file("Loans")
    project_file["stringIndexType"] = "Utf8CodeUnit"

    with pytest.raises(HttpResponseError) as failure:
        sdk_import(emulator, "Loans", project_file)

    errors = failure.value.response.json()["errors"]
    assert "stringIndexType" in errors[0]["message"]


def test_the_sdk_rides_out_a_transient_503(emulator: EmulatorServer) -> None:
    resource, _ = clients(emulator, "unused")
    emulator.add_fault(
        {"match": {"path": "/projects$"}, "action": "respond", "status": 503, "times": 1}
    )

    assert list(resource.list_projects()) == []


def test_the_sdk_honours_the_emulators_throttling(emulator: EmulatorServer) -> None:
    resource, _ = clients(emulator, "unused")
    emulator.scenario = {"version": 1, "time_scale": 0.01, "rate_limits": {"get": 1, "window": 20}}

    first = list(resource.list_projects())
    second = list(resource.list_projects())

    assert first == second == []
