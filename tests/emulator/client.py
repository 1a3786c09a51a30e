"""A minimal client of the authoring API for the emulator's tests, written from the wire."""

from __future__ import annotations

import time
from typing import Any

import requests

KEY = "emulator-test-key"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
PREFIX = "/language/authoring/analyze-text/"
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


class AuthoringClient:
    def __init__(self, endpoint: str, key: str, api_version: str = "2023-04-01") -> None:
        self.endpoint = endpoint
        self.key = key
        self.api_version = api_version
        self.session = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Sends a request to `path` under the authoring prefix with key and api-version."""
        query = {"api-version": self.api_version, **(params or {})}
        url = self.endpoint + PREFIX + path
        return self.call_url(method, url, params=query, headers=headers, **kwargs)

    def call_url(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        sent = {KEY_HEADER: self.key, **(headers or {})}
        return self.session.request(method, url, headers=sent, timeout=10, **kwargs)

    def wait(self, job_url: str, timeout: float = 10.0) -> dict[str, Any]:
        """Polls a job URL until the job is terminal and returns its final state."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.call_url("GET", job_url)
            assert response.status_code == 200, response.text
            job: dict[str, Any] = response.json()
            if job["status"] in TERMINAL:
                return job

            assert time.monotonic() < deadline, f"job still {job['status']} after {timeout} s"
            time.sleep(0.02)

    def start_import(self, name: str, project_file: object) -> str:
        response = self.call("POST", f"projects/{name}/:import", json=project_file)
        assert response.status_code == 202, response.text
        return response.headers["operation-location"]

    def import_project(self, name: str, project_file: object) -> dict[str, Any]:
        return self.wait(self.start_import(name, project_file))

    def start_export(self, name: str) -> str:
        params = {"stringIndexType": "Utf16CodeUnit"}
        response = self.call("POST", f"projects/{name}/:export", params=params)
        assert response.status_code == 202, response.text
        return response.headers["operation-location"]

    def export_project(self, name: str) -> Any:
        job = self.wait(self.start_export(name))
        assert job["status"] == "succeeded", job

        result = self.call_url("GET", job["resultUrl"])
        assert result.status_code == 200, result.text
        return result.json()

    def delete_project(self, name: str) -> dict[str, Any]:
        response = self.call("DELETE", f"projects/{name}")
        assert response.status_code == 202, response.text
        return self.wait(response.headers["operation-location"])
