"""Authentication, api-versions, error bodies and HTTP details."""

from __future__ import annotations

import logging

import pytest
import requests

from archiver.emulator import EmulatorServer

from .client import KEY, KEY_HEADER, PREFIX, AuthoringClient

ALL_VERSIONS = [
    "2022-05-01",
    "2022-10-01-preview",
    "2023-04-01",
    "2024-11-15-preview",
    "2025-05-15-preview",
]


def test_a_request_without_a_key_is_unauthorized(emulator: EmulatorServer) -> None:
    url = f"{emulator.url}{PREFIX}projects"

    response = requests.get(url, params={"api-version": "2023-04-01"}, timeout=10)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "Unauthorized"
    assert "Ocp-Apim-Subscription-Key" in response.json()["error"]["message"]


def test_a_wrong_key_is_unauthorized_and_not_echoed(emulator: EmulatorServer) -> None:
    wrong = AuthoringClient(emulator.url, "presented-wrong-key-4711")

    response = wrong.call("GET", "projects")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "Unauthorized"
    assert "4711" not in response.text
    assert all("4711" not in value for value in response.headers.values())


def test_the_key_never_reaches_the_log(
    client: AuthoringClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="archiver.emulator")

    client.call("GET", "projects")
    AuthoringClient(client.endpoint, "other-key-0815").call("GET", "projects")

    assert "/projects" in caplog.text
    assert KEY not in caplog.text
    assert "0815" not in caplog.text


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_every_supported_api_version_is_served(client: AuthoringClient, version: str) -> None:
    client.api_version = version

    response = client.call("GET", "projects")

    assert response.status_code == 200
    assert response.json() == {"value": [], "nextLink": None}


def test_an_unsupported_api_version_is_rejected_naming_the_supported_ones(
    client: AuthoringClient,
) -> None:
    client.api_version = "2022-07-01-preview"

    response = client.call("GET", "projects")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "UnsupportedApiVersion"
    assert "2022-07-01-preview" in error["message"]
    assert all(version in error["message"] for version in ALL_VERSIONS)


def test_the_2021_version_on_a_2022_path_points_to_its_own_paths(
    client: AuthoringClient,
) -> None:
    url = f"{client.endpoint}{PREFIX}projects"

    response = client.call_url("GET", url, params={"api-version": "2021-11-01-preview"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "UnsupportedApiVersion"
    assert error["message"].endswith(
        "The api-version 2021-11-01-preview serves paths under /language/analyze-text/."
    )


def test_a_2022_version_on_a_2021_path_is_rejected(emulator: EmulatorServer) -> None:
    url = f"{emulator.url}/language/analyze-text/projects"
    params = {"api-version": "2023-04-01"}

    response = requests.get(url, params=params, headers={KEY_HEADER: KEY}, timeout=10)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "UnsupportedApiVersion"
    assert "Supported versions: 2021-11-01-preview." in error["message"]
    assert response.headers["x-ms-error-code"] == "UnsupportedApiVersion"


def test_a_missing_api_version_is_rejected(client: AuthoringClient) -> None:
    response = client.call_url("GET", f"{client.endpoint}{PREFIX}projects")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgument"
    assert "api-version" in response.json()["error"]["message"]


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_the_error_code_header_comes_with_2023_04_01_and_later(
    client: AuthoringClient, version: str
) -> None:
    client.api_version = version

    response = client.call("GET", "projects/Absent")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ProjectNotFound"
    if version >= "2023-04-01":
        assert response.headers["x-ms-error-code"] == "ProjectNotFound"
    else:
        assert "x-ms-error-code" not in response.headers


def test_an_unknown_path_is_not_found(client: AuthoringClient) -> None:
    inside = client.call("GET", "projects/Movies/snapshots")
    outside = client.call_url("GET", f"{client.endpoint}/status")

    for response in (inside, outside):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NotFound"


def test_a_wrong_method_is_not_allowed(client: AuthoringClient) -> None:
    response = client.call("PUT", "projects/Movies")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, PATCH, DELETE"
    assert response.json()["error"]["message"].startswith("PUT is not allowed")


def test_json_responses_declare_their_type_and_length(client: AuthoringClient) -> None:
    response = client.call("GET", "projects/Absent")

    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_a_chunked_body_is_refused_and_the_connection_closed(client: AuthoringClient) -> None:
    chunks = iter([b'{"projectFileVersion": ', b'"2022-05-01"}'])

    response = client.call("POST", "projects/Movies/:import", data=chunks)

    assert response.status_code == 411
    assert response.headers["Connection"] == "close"


def test_one_connection_carries_many_requests(client: AuthoringClient) -> None:
    responses = [client.call("GET", "projects") for _ in range(5)]

    assert [response.status_code for response in responses] == [200] * 5
    assert all(response.headers.get("Connection") != "close" for response in responses)


def test_the_key_header_name_is_case_insensitive(emulator: EmulatorServer) -> None:
    url = f"{emulator.url}{PREFIX}projects"
    headers = {KEY_HEADER.lower(): KEY}

    response = requests.get(url, params={"api-version": "2022-05-01"}, headers=headers, timeout=10)

    assert response.status_code == 200
