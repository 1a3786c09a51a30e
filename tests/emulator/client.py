"""A minimal client of the authoring API for the emulator's tests, written from the wire."""

from __future__ import annotations

import time
from typing import Any

import requests

KEY = "emulator-test-key"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
PREFIX = "/language/authoring/analyze-text/"
LEGACY_VERSION = "2021-11-01-preview"
LEGACY_PREFIX = "/language/analyze-text/"
TERMINAL = frozenset({"succeeded", "failed", "cancelled", "partiallyCompleted"})


class AuthoringClient:
    def __init__(self, endpoint: str, key: str, api_version: str = "2023-04-01") -> None:
        self.endpoint = endpoint
        self.key = key
        self.api_version = api_version
        self.session = requests.Session()

    @property
    def legacy(self) -> bool:
        return self.api_version == LEGACY_VERSION

    @property
    def prefix(self) -> str:
        return LEGACY_PREFIX if self.legacy else PREFIX

    def job_url(self, response: requests.Response) -> str:
        """The job URL of a 202, from the header this api-version names it in."""
        assert response.status_code == 202, response.text
        header = "location" if self.legacy else "operation-location"
        return response.headers[header]

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
        url = self.endpoint + self.prefix + path
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
        return self.job_url(response)

    def import_project(self, name: str, project_file: object) -> dict[str, Any]:
        return self.wait(self.start_import(name, project_file))

    def start_export(self, name: str) -> str:
        params = {"stringIndexType": "Utf16CodeUnit"}
        response = self.call("POST", f"projects/{name}/:export", params=params)
        return self.job_url(response)

    def export_project(self, name: str) -> Any:
        job = self.wait(self.start_export(name))
        assert job["status"] == "succeeded", job

        result = self.call_url("GET", job["resultUrl"])
        assert result.status_code == 200, result.text
        return result.json()

    def delete_project(self, name: str) -> dict[str, Any]:
        response = self.call("DELETE", f"projects/{name}")
        return self.wait(self.job_url(response))

    def train(self, name: str, label: str = "model1") -> dict[str, Any]:
        body: dict[str, Any] = {"modelLabel": label, "trainingConfigVersion": "latest"}
        response = self.call("POST", f"projects/{name}/:train", json=body)
        return self.wait(self.job_url(response))

    def deploy(self, name: str, deployment: str, label: str = "model1") -> dict[str, Any]:
        body = {"trainedModelLabel": label}
        response = self.call("PUT", f"projects/{name}/deployments/{deployment}", json=body)
        return self.wait(self.job_url(response))
