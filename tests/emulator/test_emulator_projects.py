"""Listing with paging, project metadata, and deletion jobs."""

from __future__ import annotations

from typing import Any

import pytest

from .client import AuthoringClient
from .project_files import classification_file, legacy_classification_file

PROJECT_COUNT = 12


@pytest.fixture
def twelve_projects(client: AuthoringClient) -> list[str]:
    names = [f"Project{index:02d}" for index in range(PROJECT_COUNT)]
    for name in names:
        assert client.import_project(name, classification_file(name))["status"] == "succeeded"
    return names


def list_all(client: AuthoringClient, **params: Any) -> tuple[list[str], list[int]]:
    """Follows nextLink to the end; returns the names and the size of each page."""
    response = client.call("GET", "projects", params=params)
    names: list[str] = []
    page_sizes: list[int] = []
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        names += [project["projectName"] for project in page["value"]]
        page_sizes.append(len(page["value"]))
        if page["nextLink"] is None:
            return names, page_sizes

        assert page["nextLink"].startswith(f"{client.endpoint}/language/authoring/")
        assert len(page_sizes) <= PROJECT_COUNT, "nextLink never ends"
        response = client.call_url("GET", page["nextLink"])


def test_listing_pages_by_ten_and_links_the_next_page(
    client: AuthoringClient, twelve_projects: list[str]
) -> None:
    names, page_sizes = list_all(client)

    assert names == twelve_projects
    assert page_sizes == [10, 2]


def test_next_link_is_absolute_and_keeps_the_api_version(
    client: AuthoringClient, twelve_projects: list[str]
) -> None:
    client.api_version = "2022-05-01"

    first_page = client.call("GET", "projects", params={"maxpagesize": 4}).json()

    assert first_page["nextLink"] == (
        f"{client.endpoint}/language/authoring/analyze-text/projects"
        "?api-version=2022-05-01&skip=4&maxpagesize=4"
    )


@pytest.mark.parametrize(
    ("params", "expected_sizes", "first", "count"),
    [
        ({"maxpagesize": 5}, [5, 5, 2], 0, 12),
        ({"top": 7, "maxpagesize": 5}, [5, 2], 0, 7),
        ({"skip": 10}, [2], 10, 2),
        ({"skip": 3, "top": 4}, [4], 3, 4),
        ({"skip": 20}, [0], 12, 0),
    ],
)
def test_top_skip_and_maxpagesize_select_the_projects(
    client: AuthoringClient,
    twelve_projects: list[str],
    params: dict[str, int],
    expected_sizes: list[int],
    first: int,
    count: int,
) -> None:
    names, page_sizes = list_all(client, **params)

    assert page_sizes == expected_sizes
    assert names == twelve_projects[first : first + count]


@pytest.mark.parametrize(
    "params", [{"maxpagesize": 0}, {"top": -1}, {"skip": "many"}, {"maxpagesize": ""}]
)
def test_bad_paging_parameters_are_rejected(
    client: AuthoringClient, params: dict[str, object]
) -> None:
    response = client.call("GET", "projects", params=params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgument"


def test_project_metadata_follows_the_project_file(client: AuthoringClient) -> None:
    project_file = classification_file("Movies", kind="customMultiLabelClassification")
    client.import_project("Movies", project_file)

    response = client.call("GET", "projects/Movies")

    assert response.status_code == 200
    metadata = response.json()
    assert metadata["projectKind"] == "CustomMultiLabelClassification"
    assert metadata["projectName"] == "Movies"
    assert metadata["storageInputContainerName"] == "container"
    assert metadata["language"] == "en"
    assert metadata["multilingual"] is False
    assert metadata["description"] == "project Movies"
    assert "settings" not in metadata, "empty settings are left out, as in the examples"
    assert metadata["createdDateTime"].endswith("Z")
    assert metadata["lastModifiedDateTime"] >= metadata["createdDateTime"]
    assert "lastTrainedDateTime" not in metadata


def test_settings_that_hold_something_are_shown(client: AuthoringClient) -> None:
    project_file = classification_file("Movies")
    project_file["metadata"]["settings"] = {"confidenceThreshold": 0.7}
    client.import_project("Movies", project_file)

    metadata = client.call("GET", "projects/Movies").json()

    assert metadata["settings"] == {"confidenceThreshold": 0.7}


def test_reimport_keeps_the_creation_time_and_replaces_the_content(
    client: AuthoringClient,
) -> None:
    client.import_project("Movies", classification_file("Movies"))
    before = client.call("GET", "projects/Movies").json()

    changed = classification_file("Movies")
    changed["metadata"]["description"] = "second version"
    client.import_project("Movies", changed)
    after = client.call("GET", "projects/Movies").json()

    assert after["createdDateTime"] == before["createdDateTime"]
    assert after["description"] == "second version"
    assert client.export_project("Movies") == changed


def test_an_absent_project_is_project_not_found(client: AuthoringClient) -> None:
    response = client.call("GET", "projects/Absent")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "ProjectNotFound", "message": "The project 'Absent' could not be found."}
    }


def test_project_names_are_case_sensitive(client: AuthoringClient) -> None:
    client.import_project("Movies", classification_file("Movies"))

    assert client.call("GET", "projects/movies").status_code == 404
    assert client.call("GET", "projects/Movies").status_code == 200


def test_a_deletion_job_removes_the_project(client: AuthoringClient) -> None:
    client.import_project("Movies", classification_file("Movies"))

    response = client.call("DELETE", "projects/Movies")
    job_url = response.headers["operation-location"]
    job = client.wait(job_url)

    assert response.status_code == 202
    assert response.content == b""
    deletion_jobs = (
        f"{client.endpoint}/language/authoring/analyze-text/projects/global/deletion-jobs/"
    )
    assert job_url.startswith(deletion_jobs)
    assert job["status"] == "succeeded"
    assert client.call("GET", "projects/Movies").status_code == 404
    assert client.call("GET", "projects").json()["value"] == []


def test_deleting_an_absent_project_is_project_not_found(client: AuthoringClient) -> None:
    response = client.call("DELETE", "projects/Absent")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ProjectNotFound"
    assert "operation-location" not in response.headers


NEW_PROJECT = {
    "projectName": "Tickets",
    "language": "en",
    "projectKind": "CustomSingleLabelClassification",
    "description": "support tickets",
    "multilingual": False,
    "storageInputContainerName": "tickets",
}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def test_patch_creates_an_empty_project(client: AuthoringClient) -> None:
    response = client.call("PATCH", "projects/Tickets", json=NEW_PROJECT, headers=MERGE_PATCH)
    exported = client.export_project("Tickets")

    assert response.status_code == 201
    body = response.json()
    assert body["projectName"] == "Tickets"
    assert body["projectKind"] == "CustomSingleLabelClassification"
    assert body["createdDateTime"] == body["lastModifiedDateTime"]
    assert exported == {
        "projectFileVersion": "2023-04-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": NEW_PROJECT,
    }


def test_patch_merges_into_an_existing_projects_metadata(client: AuthoringClient) -> None:
    client.import_project("Movies", classification_file("Movies"))
    patch = {"description": None, "settings": {"confidenceThreshold": 0.5}, "language": "de"}

    response = client.call("PATCH", "projects/Movies", json=patch, headers=MERGE_PATCH)
    exported = client.export_project("Movies")

    assert response.status_code == 200
    assert "description" not in response.json()
    assert response.json()["language"] == "de"
    assert exported["metadata"]["settings"] == {"confidenceThreshold": 0.5}
    assert exported["assets"] == classification_file("Movies")["assets"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({**NEW_PROJECT, "projectKind": "CustomEntityRecognition"}, "cannot change"),
        ({"multilingual": "no"}, "multilingual must be a boolean"),
        ({"color": "blue"}, "no field 'color'"),
    ],
)
def test_patch_refuses_what_it_cannot_apply(
    client: AuthoringClient, body: dict[str, object], fragment: str
) -> None:
    client.import_project("Tickets", classification_file("Tickets"))

    response = client.call("PATCH", "projects/Tickets", json=body, headers=MERGE_PATCH)

    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_patch_needs_the_required_fields_to_create(client: AuthoringClient) -> None:
    response = client.call("PATCH", "projects/Tickets", json={"language": "en"})

    assert response.status_code == 400
    assert "metadata.projectKind is required" in response.json()["error"]["message"]
    assert client.call("GET", "projects/Tickets").status_code == 404


def test_patch_keeps_a_2021_project_in_its_format(
    client: AuthoringClient, legacy_client: AuthoringClient
) -> None:
    legacy_client.import_project("Movies", legacy_classification_file("Movies"))

    response = client.call("PATCH", "projects/Movies", json={"multilingual": True})
    exported = legacy_client.export_project("Movies")

    assert response.status_code == 200
    assert response.json()["multilingual"] is True
    assert exported["metadata"]["multiLingual"] is True
    assert exported["assets"] == legacy_classification_file("Movies")["assets"]
