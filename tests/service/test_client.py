from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.emulator import EmulatorServer
from archiver.errors import (
    ConfigError,
    JobFailedError,
    NotFoundError,
    RemoteError,
    ThrottledError,
)
from archiver.service import AuthoringClient, ClientOptions
from tests.helpers import single_label
from tests.service.scripted import Reply, ScriptedServer

KEY = "client-test-key-77aa"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(tmp_path / "data", KEY) as server:
        yield server


@pytest.fixture
def scripted() -> Iterator[list[ScriptedServer]]:
    servers: list[ScriptedServer] = []
    yield servers
    for server in servers:
        server.close()


class FakeTime:
    """A clock that moves only when the client sleeps, so waits cost nothing."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def _client(
    url: str, *, key: str = KEY, version: str = "2023-04-01", fake: FakeTime | None = None
) -> AuthoringClient:
    fake = fake or FakeTime()
    options = ClientOptions(poll_interval=0, sleep=fake.sleep, clock=fake.clock, job_timeout=5)
    return AuthoringClient(url, key, version, options=options)


def _script(scripted: list[ScriptedServer], *replies: Reply) -> ScriptedServer:
    server = ScriptedServer(list(replies))
    scripted.append(server)
    return server


def test_import_export_round_trip(emulator: EmulatorServer) -> None:
    client = _client(emulator.url)
    job = client.import_project("Tickets", single_label())
    assert job.status == "succeeded"

    exported = client.export_project("Tickets")
    assert exported.project == single_label()
    assert exported.job_id


def test_get_missing_project_is_none_and_export_is_not_found(emulator: EmulatorServer) -> None:
    client = _client(emulator.url)
    assert client.get_project("Ghost") is None
    with pytest.raises(NotFoundError, match="no project 'Ghost'"):
        client.export_project("Ghost")


def test_failed_import_job_carries_the_service_errors(emulator: EmulatorServer) -> None:
    project = single_label()
    project["assets"]["documents"][0]["class"]["category"] = "Undeclared"
    with pytest.raises(JobFailedError, match=r"job failed: .*Undeclared"):
        _client(emulator.url).import_project("Tickets", project)


def test_wrong_key_gives_service_code_and_never_the_key(emulator: EmulatorServer) -> None:
    with pytest.raises(RemoteError) as caught:
        _client(emulator.url, key="not-the-key-31337").list_projects()
    assert caught.value.status == 401
    assert "Unauthorized" in caught.value.message
    assert "not-the-key-31337" not in caught.value.message


def test_delete_project_runs_its_job(emulator: EmulatorServer) -> None:
    client = _client(emulator.url)
    client.import_project("Tickets", single_label())
    client.delete_project("Tickets")
    assert client.get_project("Tickets") is None


def test_unsupported_api_version_is_refused_before_sending() -> None:
    with pytest.raises(ConfigError, match="unsupported api-version '2020-01-01'"):
        _client("http://127.0.0.1:9", version="2020-01-01")


def test_throttling_honours_retry_after_then_succeeds(scripted: list[ScriptedServer]) -> None:
    error = {"error": {"code": "TooManyRequests", "message": "slow down"}}
    server = _script(
        scripted,
        Reply(429, error, {"Retry-After": "7"}),
        Reply(200, {"value": [{"projectName": "A"}], "nextLink": None}),
    )
    fake = FakeTime()
    assert _client(server.url, fake=fake).list_projects() == [{"projectName": "A"}]
    assert fake.sleeps == [7.0]


def test_persistent_throttling_is_a_throttled_error(scripted: list[ScriptedServer]) -> None:
    error = {"error": {"code": "TooManyRequests", "message": "slow down"}}
    server = _script(scripted, *[Reply(429, error, {"Retry-After": "1"})] * 6)
    with pytest.raises(ThrottledError, match="TooManyRequests"):
        _client(server.url).list_projects()
    assert len(server.seen) == 6


def test_job_url_on_another_host_is_refused(scripted: list[ScriptedServer]) -> None:
    server = _script(
        scripted,
        Reply(202, None, {"operation-location": "http://127.0.0.2:1/jobs/1?api-version=x"}),
    )
    with pytest.raises(
        RemoteError, match=re.escape("refusing to send the key to http://127.0.0.2:1")
    ):
        _client(server.url).export_project("Tickets")
    assert len(server.seen) == 1


def test_job_polling_waits_for_the_end_and_reads_the_result(
    scripted: list[ScriptedServer],
) -> None:
    job = "{url}/language/authoring/analyze-text/projects/P/export/jobs/j1?api-version=2023-04-01"
    server = _script(
        scripted,
        Reply(202, None, {"operation-location": job}),
        Reply(200, {"jobId": "j1", "status": "notStarted"}, {"Retry-After": "3"}),
        Reply(200, {"jobId": "j1", "status": "running"}),
        Reply(200, {"jobId": "j1", "status": "succeeded", "resultUrl": job + "&result"}),
        Reply(200, single_label("P")),
    )
    fake = FakeTime()
    assert _client(server.url, fake=fake).export_project("P").project == single_label("P")
    assert fake.sleeps == [3.0, 0]
    assert [seen.method for seen in server.seen] == ["POST", "GET", "GET", "GET", "GET"]
    assert all(seen.headers["Ocp-Apim-Subscription-Key"] == KEY for seen in server.seen)


@pytest.mark.parametrize("status", ["cancelled", "partiallyCompleted", "somethingNew"])
def test_any_end_but_succeeded_is_a_failure(scripted: list[ScriptedServer], status: str) -> None:
    server = _script(
        scripted,
        Reply(202, None, {"operation-location": "{url}/jobs/1"}),
        Reply(200, {"jobId": "1", "status": status}),
    )
    with pytest.raises(JobFailedError, match=f"job {status}"):
        _client(server.url).export_project("P")


def test_a_job_past_its_deadline_is_an_error(scripted: list[ScriptedServer]) -> None:
    server = _script(
        scripted,
        Reply(202, None, {"operation-location": "{url}/jobs/1"}),
        *[Reply(200, {"jobId": "1", "status": "running"}, {"Retry-After": "2"})] * 3,
    )
    with pytest.raises(RemoteError, match="still running after 5 s"):
        _client(server.url).export_project("P")


def test_legacy_version_uses_the_old_paths_and_body(scripted: list[ScriptedServer]) -> None:
    server = _script(scripted, Reply(404, {"error": {"code": "ProjectNotFound", "message": "x"}}))
    with pytest.raises(NotFoundError):
        _client(server.url, version="2021-11-01-preview").export_project("P")
    (seen,) = server.seen
    assert seen.path.startswith("/language/analyze-text/projects/P/:export?")
    assert "api-version=2021-11-01-preview" in seen.path
