"""The official Python SDK, pointed at the emulator, sees the service it was written for."""

from __future__ import annotations

from typing import Any

import pytest

from archiver.emulator import EmulatorServer

from .client import KEY
from .project_files import entity_file

authoring = pytest.importorskip("azure.ai.textanalytics.authoring")
credentials = pytest.importorskip("azure.core.credentials")
exceptions = pytest.importorskip("azure.core.exceptions")
rest = pytest.importorskip("azure.core.rest")

API_VERSION = "2025-05-15-preview"
POLL = {"polling_interval": 0.01}


def final_job(response: Any, _deserialized: Any, _headers: Any) -> Any:
    return response.http_response.json()


def test_the_sdk_imports_lists_exports_and_deletes(emulator: EmulatorServer) -> None:
    key = credentials.AzureKeyCredential(KEY)
    resource = authoring.TextAuthoringClient(emulator.url, key, api_version=API_VERSION)
    project = authoring.TextAuthoringProjectClient(
        emulator.url, key, project_name="Loans", api_version=API_VERSION
    )
    project_file = entity_file("Loans")

    project.project.begin_import(body=project_file, **POLL).result()
    listed = [item["projectName"] for item in resource.list_projects()]
    export_job = project.project.begin_export(
        string_index_type="Utf16CodeUnit", cls=final_job, **POLL
    ).result()
    exported = resource.send_request(rest.HttpRequest("GET", export_job["resultUrl"])).json()
    resource.begin_delete_project("Loans", **POLL).result()

    assert listed == ["Loans"]
    assert exported == project_file
    with pytest.raises(exceptions.ResourceNotFoundError) as missing:
        resource.get_project("Loans")
    assert missing.value.error.code == "ProjectNotFound"


def test_the_sdk_reports_a_failed_import_job(emulator: EmulatorServer) -> None:
    key = credentials.AzureKeyCredential(KEY)
    project = authoring.TextAuthoringProjectClient(
        emulator.url, key, project_name="Loans", api_version=API_VERSION
    )
    project_file = entity_file("Loans")
    project_file["stringIndexType"] = "Utf8CodeUnit"

    with pytest.raises(exceptions.HttpResponseError) as failure:
        project.project.begin_import(body=project_file, **POLL).result()

    errors = failure.value.response.json()["errors"]
    assert "stringIndexType" in errors[0]["message"]
