from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import requests

from archiver.emulator import EmulatorServer
from archiver.errors import (
    ConfigError,
    Interrupted,
    JobFailedError,
    NotFoundError,
    RemoteError,
    ThrottledError,
)
from archiver.service import AuthoringClient, ClientOptions
from archiver.service.auth import AAD_SCOPE, redact
from archiver.service.pacing import Quota
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
    # Shutting a server down waits out its half-second poll; let that overlap the next test.
    for server in servers:
        threading.Thread(target=server.close, daemon=True).start()


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
    assert fake.sleeps == [3.0]
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


def test_retry_after_as_an_http_date_is_honoured(scripted: list[ScriptedServer]) -> None:
    when = formatdate(time.time() + 30, usegmt=True)
    server = _script(
        scripted,
        Reply(
            503, {"error": {"code": "ServiceUnavailable", "message": "x"}}, {"Retry-After": when}
        ),
        Reply(200, {"value": [], "nextLink": None}),
    )
    fake = FakeTime()
    assert _client(server.url, fake=fake).list_projects() == []
    (slept,) = fake.sleeps
    assert 27 <= slept <= 30


def test_a_long_retry_after_is_capped(scripted: list[ScriptedServer]) -> None:
    server = _script(
        scripted,
        Reply(429, {"error": {"code": "TooManyRequests", "message": "x"}}, {"Retry-After": "3600"}),
        Reply(200, {"value": [], "nextLink": None}),
    )
    fake = FakeTime()
    _client(server.url, fake=fake).list_projects()
    assert fake.sleeps == [60.0]


def test_a_burst_of_503_on_a_poll_is_retried_with_growing_waits(
    scripted: list[ScriptedServer],
) -> None:
    unavailable = Reply(503, {"error": {"code": "ServiceUnavailable", "message": "busy"}})
    server = _script(
        scripted,
        Reply(202, None, {"operation-location": "{url}/jobs/1"}),
        unavailable,
        unavailable,
        unavailable,
        Reply(200, {"jobId": "1", "status": "succeeded"}),
    )
    fake = FakeTime()
    job = _client(server.url, fake=fake).import_project("P", single_label("P"))
    assert job.status == "succeeded"
    assert fake.sleeps == [1.0, 2.0, 4.0]


def test_a_post_is_not_retried_after_500_since_the_service_may_have_acted(
    scripted: list[ScriptedServer],
) -> None:
    server = _script(
        scripted, Reply(500, {"error": {"code": "InternalServerError", "message": "x"}})
    )
    with pytest.raises(RemoteError, match="500 InternalServerError"):
        _client(server.url).export_project("P")
    assert len(server.seen) == 1


def test_a_quota_error_403_is_not_retried(scripted: list[ScriptedServer]) -> None:
    quota = {"error": {"code": "QuotaExceeded", "message": "Out of call volume quota."}}
    server = _script(scripted, Reply(403, quota, {"Retry-After": "1"}))
    fake = FakeTime()
    with pytest.raises(RemoteError, match="403 QuotaExceeded") as caught:
        _client(server.url, fake=fake).list_projects()
    assert not isinstance(caught.value, ThrottledError)
    assert (len(server.seen), fake.sleeps) == (1, [])


def test_a_result_url_on_another_host_is_refused(scripted: list[ScriptedServer]) -> None:
    foreign = "http://127.0.0.2:1/result?api-version=2023-04-01"
    server = _script(
        scripted,
        Reply(202, None, {"operation-location": "{url}/jobs/1"}),
        Reply(200, {"jobId": "1", "status": "succeeded", "resultUrl": foreign}),
    )
    with pytest.raises(
        RemoteError, match=re.escape("refusing to send the key to http://127.0.0.2:1")
    ):
        _client(server.url).export_project("P")
    assert len(server.seen) == 2


def test_a_next_link_on_another_host_is_refused(scripted: list[ScriptedServer]) -> None:
    server = _script(
        scripted,
        Reply(200, {"value": [{"projectName": "A"}], "nextLink": "http://localhost:1/page2"}),
    )
    with pytest.raises(RemoteError, match="refusing to send the key"):
        _client(server.url).list_projects()
    assert len(server.seen) == 1


def test_a_429_makes_the_pacer_hold_back_every_request_of_its_kind(
    scripted: list[ScriptedServer],
) -> None:
    error = {"error": {"code": "TooManyRequests", "message": "slow down"}}
    server = _script(
        scripted,
        Reply(429, error, {"Retry-After": "7"}),
        Reply(200, {"value": [], "nextLink": None}),
    )
    fake = FakeTime()
    options = ClientOptions(poll_interval=0, sleep=fake.sleep, clock=fake.clock)
    client = AuthoringClient(server.url, KEY, "2023-04-01", options=options, quota=Quota())

    client.list_projects()

    assert client.pacer is not None
    assert client.pacer.stats.backoffs == 1
    assert fake.sleeps == [7.0]
    # Another thread's read, issued just after the 429, would have waited as well.
    client.pacer.back_off("GET", 5.0)
    assert client.pacer.reserve("GET") == pytest.approx(5.0)


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.2:1", "http://localhost:1", "http://[::1]:1", "https://x.test"]
)
def test_loopback_may_use_http(endpoint: str) -> None:
    assert AuthoringClient(endpoint, KEY, "2023-04-01").routes.endpoint == endpoint


@pytest.mark.parametrize("endpoint", ["http://example.test", "http://10.0.0.1:80"])
def test_plain_http_to_another_host_is_refused(endpoint: str) -> None:
    with pytest.raises(ConfigError, match="use https://"):
        AuthoringClient(endpoint, KEY, "2023-04-01")


def test_stopping_a_client_ends_its_waits_at_once(scripted: list[ScriptedServer]) -> None:
    server = _script(
        scripted,
        Reply(202, None, {"operation-location": "{url}/jobs/1"}),
        *[Reply(200, {"jobId": "1", "status": "running"})] * 3,
    )
    client = AuthoringClient(server.url, KEY, "2023-04-01", options=ClientOptions(poll_interval=30))
    errors: list[BaseException] = []

    def export() -> None:
        try:
            client.export_project("P")
        except Interrupted as exc:
            errors.append(exc)

    worker = threading.Thread(target=export)
    started = time.monotonic()
    worker.start()
    time.sleep(0.1)
    client.stop()
    worker.join(5)

    assert not worker.is_alive() and len(errors) == 1
    assert time.monotonic() - started < 5


def test_one_client_serves_many_threads(emulator: EmulatorServer) -> None:
    client = _client(emulator.url)
    names = [f"T{index}" for index in range(6)]
    for name in names:
        client.import_project(name, single_label(name))

    with ThreadPoolExecutor(6) as pool:
        exported = list(pool.map(client.export_project, names))

    assert [e.project["metadata"]["projectName"] for e in exported] == names


@pytest.mark.parametrize(
    ("action", "status"),
    [("fail_job", "failed"), ("partial_job", "partiallyCompleted"), ("cancel_job", "cancelled")],
)
def test_an_export_job_that_does_not_succeed_is_a_failure(
    emulator: EmulatorServer, action: str, status: str
) -> None:
    client = _client(emulator.url)
    client.import_project("Tickets", single_label())
    emulator.add_fault({"match": {"path": ":export$"}, "action": action})

    with pytest.raises(JobFailedError, match=f"job {status}"):
        client.export_project("Tickets")


def test_a_stuck_export_job_ends_at_its_deadline(emulator: EmulatorServer) -> None:
    client = _client(emulator.url)
    client.import_project("Tickets", single_label())
    emulator.add_fault({"match": {"path": ":export$"}, "action": "stall_job"})
    fake = FakeTime()
    options = ClientOptions(poll_interval=1, job_timeout=20, sleep=fake.sleep, clock=fake.clock)

    with pytest.raises(RemoteError, match="still running after 20 s"):
        AuthoringClient(emulator.url, KEY, "2023-04-01", options=options).export_project("Tickets")
    assert sum(fake.sleeps) <= 20


class AccessToken(NamedTuple):
    token: str
    expires_on: int


class FakeCredential:
    """Stands in for an azure-identity credential: counts the tokens it hands out."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(
            f"fake-aad-token-{len(self.scopes):04d}", int(time.time() + self.lifetime)
        )


class RecordingAdapter(requests.adapters.BaseAdapter):
    """A transport that answers every https request with an empty project list."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[dict[str, str]] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.headers.append(dict(request.headers))
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps({"value": [], "nextLink": None}).encode()
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


def _bearer_client(credential: FakeCredential) -> tuple[AuthoringClient, RecordingAdapter]:
    client = AuthoringClient("https://eastus.example.test", credential, "2023-04-01")
    adapter = RecordingAdapter()
    client._session().mount("https://", adapter)
    return client, adapter


def test_an_azure_ad_token_travels_as_a_bearer_header_instead_of_the_key() -> None:
    credential = FakeCredential(lifetime=3600)
    client, adapter = _bearer_client(credential)

    client.list_projects()
    client.list_projects()

    assert [headers["Authorization"] for headers in adapter.headers] == [
        "Bearer fake-aad-token-0001"
    ] * 2
    assert all("Ocp-Apim-Subscription-Key" not in headers for headers in adapter.headers)
    assert credential.scopes == [(AAD_SCOPE,)]
    assert redact("token fake-aad-token-0001 here") == "token [redacted] here"


def test_a_token_about_to_expire_is_renewed_before_use() -> None:
    credential = FakeCredential(lifetime=60)
    client, adapter = _bearer_client(credential)

    client.list_projects()
    client.list_projects()

    assert [headers["Authorization"] for headers in adapter.headers] == [
        "Bearer fake-aad-token-0001",
        "Bearer fake-aad-token-0002",
    ]


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9", "http://eastus.example.test"])
def test_a_token_is_never_sent_over_plain_http(endpoint: str) -> None:
    with pytest.raises(ConfigError, match="https only"):
        AuthoringClient(endpoint, FakeCredential(3600), "2023-04-01")


def test_polls_start_one_interval_in_and_then_space_out_to_a_cap(
    scripted: list[ScriptedServer],
) -> None:
    running = Reply(200, {"jobId": "1", "status": "running"})
    server = _script(
        scripted,
        Reply(202, None, {"operation-location": "{url}/jobs/1"}),
        *[running] * 8,
        Reply(200, {"jobId": "1", "status": "succeeded"}),
    )
    fake = FakeTime()
    options = ClientOptions(poll_interval=2, sleep=fake.sleep, clock=fake.clock)

    AuthoringClient(server.url, KEY, "2023-04-01", options=options).import_project("P", {})

    assert fake.sleeps == [2, 3, 4.5, 6.75, 10.125, 15.1875, 16, 16, 16]
