"""HTTP client for the authoring API: requests, jobs, errors, pacing.

The subscription key (or Azure AD token) travels in one header, only to the
configured endpoint's host, over https unless that host is this machine: a job
URL, result URL or next-page link on another host is refused, and redirects are
never followed. Nothing here logs a header.

One client may serve many threads: each thread gets its own HTTP session, and
all of them share the client's Pacer, so together they keep to the resource's
quota.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from archiver import __version__
from archiver.errors import (
    Interrupted,
    JobFailedError,
    NotFoundError,
    RemoteError,
    ThrottledError,
)
from archiver.service.auth import (
    KEY_HEADER,
    BearerAuth,
    TokenCredential,
    check_transport,
    remember_secret,
)
from archiver.service.pacing import Pacer, Quota
from archiver.service.routes import Routes

log = logging.getLogger(__name__)

STRING_INDEX_TYPE = "Utf16CodeUnit"

_PENDING = frozenset({"notstarted", "running", "cancelling"})
# 403 is not here: a quota that is used up does not come back within a retry.
_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
# A POST is retried only where the service cannot have acted on it.
_RETRIED_POST_STATUSES = frozenset({429, 503})
_MAX_RETRY_AFTER = 60.0
_POLL_GROWTH = 1.5
_POLL_CAP = 8.0


@dataclass(frozen=True)
class Job:
    """The state of one export, import or deletion job."""

    job_id: str
    status: str
    errors: tuple[Mapping[str, Any], ...] = ()
    warnings: tuple[Mapping[str, Any], ...] = ()
    result_url: str | None = None

    @property
    def pending(self) -> bool:
        return self.status.lower() in _PENDING


@dataclass(frozen=True)
class ExportedProject:
    project: dict[str, Any]
    job_id: str


@dataclass(frozen=True)
class ClientOptions:
    """Timing knobs; tests and benchmarks shrink them, production keeps the defaults.

    `pacing_window` is the length of the quota's window: the service counts per
    minute. A benchmark against an emulator whose time is scaled down scales this
    by the same factor. `sleep` None waits in a way `AuthoringClient.stop` can cut
    short; tests pass a fake to make waits free.
    """

    poll_interval: float = 2.0
    job_timeout: float = 1800.0
    request_timeout: float = 60.0
    retries: int = 5
    pacing_window: float = 60.0
    sleep: Callable[[float], None] | None = None
    clock: Callable[[], float] = field(default=time.monotonic)


class AuthoringClient:
    """One resource's authoring API, at one api-version.

    `credential` is a subscription key, or an Azure AD token credential (https only).
    With a `quota`, requests are paced to it; without one they go out at once.
    """

    def __init__(
        self,
        endpoint: str,
        credential: str | TokenCredential,
        api_version: str,
        *,
        options: ClientOptions | None = None,
        quota: Quota | None = None,
    ) -> None:
        self.routes = Routes.for_version(endpoint, api_version)
        self.options = options or ClientOptions()
        check_transport(self.routes.endpoint, bearer=not isinstance(credential, str))
        self._origin = _origin(self.routes.endpoint)

        options = self.options
        self.pacer = None
        if quota is not None:
            self.pacer = Pacer(quota, window=options.pacing_window, clock=options.clock)

        self._headers = {"User-Agent": f"archiver/{__version__}", "Accept": "application/json"}
        self._auth: BearerAuth | None = None
        if isinstance(credential, str):
            remember_secret(credential)
            self._headers[KEY_HEADER] = credential
        else:
            self._auth = BearerAuth(credential)

        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def api_version(self) -> str:
        return self.routes.api_version

    def stop(self) -> None:
        """Make every wait of every thread end at once with Interrupted."""
        self._stopping.set()

    def close(self) -> None:
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def __enter__(self) -> AuthoringClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Projects

    def list_projects(self) -> list[dict[str, Any]]:
        """Every project of the resource, following `nextLink` page by page."""
        return self._list(self.routes.projects, "projects")

    def get_project(self, name: str) -> dict[str, Any] | None:
        """The project's metadata, or None when the resource has no such project."""
        try:
            body = self._json("GET", self.routes.project(name))
        except RemoteError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(body, dict):
            raise RemoteError(f"project {name!r}: the service answered with no project object")
        return body

    def export_project(self, name: str) -> ExportedProject:
        """Run an export job to its end and download the project file."""
        body = {"assetsToExport": ["*"]} if self.routes.legacy else None
        headers = {"format": "JSON"} if self.routes.legacy else {}
        params = {"stringIndexType": STRING_INDEX_TYPE}
        try:
            response = self._call(
                "POST", self.routes.export(name), params=params, body=body, headers=headers
            )
        except RemoteError as exc:
            if exc.status == 404:
                raise NotFoundError(f"no project {name!r} at {self.routes.endpoint}") from None
            raise

        job = self.wait(self._job_url(response), what=f"export of {name!r}")
        if not job.result_url:
            raise RemoteError(f"export of {name!r} succeeded but the job names no resultUrl")
        project = self._json("GET", job.result_url)
        if not isinstance(project, dict):
            raise RemoteError(
                f"export of {name!r} returned {type(project).__name__}, not a project"
            )
        return ExportedProject(project=project, job_id=job.job_id)

    def import_project(self, name: str, project: Mapping[str, Any]) -> Job:
        """Run an import job to its end: it creates or replaces project `name`."""
        response = self._call("POST", self.routes.import_(name), body=project)
        return self.wait(self._job_url(response), what=f"import of {name!r}")

    def delete_project(self, name: str) -> Job:
        response = self._call("DELETE", self.routes.project(name))
        return self.wait(self._job_url(response), what=f"deletion of {name!r}")

    # Models and deployments

    def list_models(self, name: str) -> list[dict[str, Any]]:
        """The project's trained models: label, modelId, training config version, …"""
        return self._list(self.routes.models(name), "trained models")

    def list_deployments(self, name: str) -> list[dict[str, Any]]:
        """The project's deployments: deploymentName and the modelId deployed."""
        return self._list(self.routes.deployments(name), "deployments")

    def train(self, name: str, label: str, config_version: str) -> Job:
        """Run a training job to its end, producing model `label`."""
        body = {"modelLabel": label, "trainingConfigVersion": config_version}
        response = self._call("POST", self.routes.train(name), body=body)
        return self.wait(self._job_url(response), what=f"training of {name}/{label}")

    def deploy(self, name: str, deployment: str, label: str) -> Job:
        """Run a deployment job to its end: `deployment` then serves model `label`."""
        body = {"trainedModelLabel": label}
        url = self.routes.deployment(name, deployment)
        response = self._call("PUT", url, body=body)
        return self.wait(self._job_url(response), what=f"deployment {name}/{deployment}")

    # Jobs

    def wait(self, url: str, *, what: str) -> Job:
        """Poll a job until it ends; only `succeeded` returns, anything else raises.

        The first poll comes one interval after the submission, and the interval
        grows by half up to a cap: a long job then costs few of the quota's reads.
        """
        clock = self.options.clock
        deadline = clock() + self.options.job_timeout
        interval = self.options.poll_interval
        self._pause(interval)
        while True:
            response = self._call("GET", url)
            job = _parse_job(_body(response))
            if not job.pending:
                break
            interval = min(interval * _POLL_GROWTH, self.options.poll_interval * _POLL_CAP)
            delay = min(_retry_after(response) or interval, _MAX_RETRY_AFTER)
            if clock() + delay > deadline:
                raise RemoteError(
                    f"{what}: job {job.job_id} still {job.status} after "
                    f"{self.options.job_timeout:g} s"
                )
            self._pause(delay)

        if job.status != "succeeded":
            raise JobFailedError(f"{what}: job {job.status}{_describe_errors(job.errors)}")
        return job

    # HTTP

    def _list(self, url: str, what: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self._pages(url):
            values = page.get("value") or []
            if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
                raise RemoteError(f"the list of {what} holds something else")
            items.extend(values)
        return items

    def _pages(self, url: str) -> Iterator[dict[str, Any]]:
        seen: set[str] = set()
        next_url: object = url
        while next_url:
            if not isinstance(next_url, str) or next_url in seen:
                raise RemoteError(f"the nextLink {next_url!r} of a list leads nowhere new")
            seen.add(next_url)
            page = self._json("GET", next_url)
            if not isinstance(page, dict):
                raise RemoteError("a page of a list is not a JSON object")
            yield page
            next_url = page.get("nextLink")

    def _json(self, method: str, url: str) -> Any:
        return _body(self._call(method, url))

    def _call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request, retrying throttling and transient failures; raise on errors."""
        self._check_host(url)
        query = dict(params or {})
        if "api-version=" not in url:
            query["api-version"] = self.api_version

        retried = _RETRIED_POST_STATUSES if method == "POST" else _RETRIED_STATUSES
        for attempt in range(self.options.retries + 1):
            response = self._send(method, url, query, body, headers)
            status = response.status_code
            if status not in retried or attempt == self.options.retries:
                break
            delay = min(_retry_after(response) or 2.0**attempt, _MAX_RETRY_AFTER)
            log.info("%s %s: %d, retrying in %.2f s", method, _path_of(url), status, delay)
            if self.pacer is not None:
                # A 429 is about one of the two quotas; anything else about the service.
                self.pacer.back_off(method if status == 429 else None, delay)
            self._pause(delay)

        if response.status_code >= 400:
            raise _error_from(method, url, response)
        return response

    def _send(
        self,
        method: str,
        url: str,
        query: Mapping[str, str],
        body: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> requests.Response:
        if self.pacer is not None:
            wait = self.pacer.reserve(method)
            if wait > 0:
                log.debug("%s %s: waiting %.2f s for the quota", method, _path_of(url), wait)
                self._pause(wait)

        started = time.monotonic()
        try:
            response = self._session().request(
                method,
                url,
                params=query,
                json=body,
                headers=headers,
                timeout=self.options.request_timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise RemoteError(f"cannot reach {self._origin}: {reason}") from None
        elapsed = time.monotonic() - started
        log.debug("%s %s: %d in %.3f s", method, _path_of(url), response.status_code, elapsed)
        return response

    def _session(self) -> requests.Session:
        """This thread's session: requests does not promise that one is thread-safe."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # Proxy and .netrc settings from the environment could add credentials or
            # send the key through a host the config never named.
            session.trust_env = False
            session.headers.update(self._headers)
            session.auth = self._auth
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def _pause(self, seconds: float) -> None:
        """Wait, unless the client is stopped; a stopped client raises Interrupted."""
        if seconds > 0:
            if self.options.sleep is None:
                self._stopping.wait(seconds)
            else:
                self.options.sleep(seconds)
        if self._stopping.is_set():
            raise Interrupted("stopped before the work was done")

    def _check_host(self, url: str) -> None:
        try:
            origin = _origin(url)
        except ValueError:
            raise RemoteError(f"the service named a malformed URL {url!r}") from None
        if origin != self._origin:
            raise RemoteError(
                f"refusing to send the key to {origin}: "
                f"the service named a URL outside {self._origin}"
            )

    def _job_url(self, response: requests.Response) -> str:
        url = response.headers.get("operation-location") or response.headers.get("location")
        if response.status_code != 202 or not url:
            raise RemoteError(
                f"{response.request.method} {_path_of(response.url)}: expected 202 with a job "
                f"URL, got {response.status_code}"
            )
        return url


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise RemoteError(
            f"{response.request.method} {_path_of(response.url)}: the service answered "
            f"{response.status_code} with a body that is not JSON"
        ) from None


def _parse_job(body: Any) -> Job:
    if not isinstance(body, dict) or not isinstance(body.get("status"), str):
        raise RemoteError("the service answered a job poll with no job status")
    result_url = body.get("resultUrl")
    return Job(
        job_id=str(body.get("jobId", "")),
        status=body["status"],
        errors=_error_entries(body.get("errors")),
        warnings=_error_entries(body.get("warnings")),
        result_url=result_url if isinstance(result_url, str) else None,
    )


def _error_entries(value: object) -> tuple[Mapping[str, Any], ...]:
    """A job's errors or warnings, each made a mapping whatever the service sent."""
    if not isinstance(value, list):
        return ()
    return tuple(item if isinstance(item, dict) else {"message": str(item)} for item in value)


def _describe_errors(errors: tuple[Mapping[str, Any], ...]) -> str:
    if not errors:
        return ""
    described = "; ".join(f"{e.get('code', 'Error')}: {e.get('message', '')}" for e in errors)
    return f": {described}"


def _error_from(method: str, url: str, response: requests.Response) -> RemoteError:
    code, message = _service_error(response)
    status = response.status_code
    text = f"{method} {_path_of(url)}: {status} {code}: {message}"
    if status == 429:
        return ThrottledError(text, status=status, service_code=code)
    return RemoteError(text, status=status, service_code=code)


def _service_error(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {}
    code = str(error.get("code") or response.headers.get("x-ms-error-code") or response.reason)
    message = str(error.get("message") or "no error message")
    return code, message


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds > 0 else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _path_of(url: str) -> str:
    return urlsplit(url).path
