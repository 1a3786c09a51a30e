"""The authoring operations of the emulator: routing, checks and response bodies.

Nothing here knows about sockets: a `Request` comes in, a `Response` goes out, and
`AuthoringApi.handle` holds the state lock for the whole exchange.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from archiver.emulator.state import (
    EmulatorState,
    Job,
    JobKind,
    StoredProject,
    format_time,
)
from archiver.emulator.validation import (
    PROJECT_NAME_RULE,
    canonical_project_kind,
    check_project_file,
    is_valid_project_name,
)

logger = logging.getLogger(__name__)

API_VERSIONS = (
    "2022-05-01",
    "2022-10-01-preview",
    "2023-04-01",
    "2024-11-15-preview",
    "2025-05-15-preview",
)
DEFAULT_PAGE_SIZE = 10
PATH_PREFIX = "/language/authoring/analyze-text/"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
KEY_HEADER = "ocp-apim-subscription-key"

_VERSIONS_WITH_ERROR_CODE_HEADER = frozenset(v for v in API_VERSIONS if v >= "2023-04-01")
_VERSIONS_WITH_RAW_JSON_IMPORT = frozenset({"2025-05-15-preview"})


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes
    base_url: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """A failure that becomes the service's error body: `{"error": {code, message}}`."""

    def __init__(self, status: int, code: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


@dataclass(frozen=True)
class Call:
    """A request matched to an operation, with its path parameters and api-version."""

    request: Request
    params: dict[str, str]
    query: dict[str, str]
    api_version: str
    now: float

    def url(self, path: str, **query: str) -> str:
        """The absolute URL of `path` under the authoring prefix, with this api-version."""
        parameters = urlencode({"api-version": self.api_version, **query})
        return f"{self.request.base_url}{PATH_PREFIX}{path}?{parameters}"


Operation = Callable[[EmulatorState, Call], Response]


class AuthoringApi:
    """The text authoring API of one emulated Language resource."""

    def __init__(self, state: EmulatorState, key: str) -> None:
        self.state = state
        self._key = key.encode("utf-8")

    def handle(self, request: Request) -> Response:
        target = urlsplit(request.target)
        query = _first_values(target.query)
        try:
            with self.state.lock:
                now = time.monotonic()
                self.state.advance(now)
                return self._dispatch(request, target.path, query, now)
        except ApiError as error:
            return error_response(error, query.get("api-version"))
        except Exception:
            logger.exception("emulator failed on %s %s", request.method, target.path)
            failure = ApiError(500, "InternalServerError", "The emulator failed; see its log.")
            return error_response(failure, query.get("api-version"))

    def _dispatch(self, request: Request, path: str, query: dict[str, str], now: float) -> Response:
        self._authenticate(request)
        operation, params = _route(request.method, path)
        version = _checked_api_version(query)

        call = Call(request=request, params=params, query=query, api_version=version, now=now)
        return operation(self.state, call)

    def _authenticate(self, request: Request) -> None:
        presented = request.header(KEY_HEADER)
        if presented is None:
            raise ApiError(401, "Unauthorized", "The Ocp-Apim-Subscription-Key header is missing.")

        if not hmac.compare_digest(presented.encode("utf-8"), self._key):
            raise ApiError(401, "Unauthorized", "The subscription key is not valid here.")


def error_response(error: ApiError, api_version: str | None) -> Response:
    headers = dict(error.headers)
    if api_version in _VERSIONS_WITH_ERROR_CODE_HEADER:
        headers["x-ms-error-code"] = error.code

    body = {"error": {"code": error.code, "message": error.message}}
    return json_response(error.status, body, headers)


def json_response(status: int, body: object, headers: Mapping[str, str] | None = None) -> Response:
    encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(status, encoded, {**(headers or {}), "Content-Type": JSON_CONTENT_TYPE})


def query_api_version(target: str) -> str | None:
    """The api-version a request target asks for, if any."""
    return _first_values(urlsplit(target).query).get("api-version")


def _first_values(query: str) -> dict[str, str]:
    """Query parameters by name; of a repeated parameter, the first value counts."""
    values: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, value)
    return values


def _checked_api_version(query: Mapping[str, str]) -> str:
    version = query.get("api-version")
    supported = ", ".join(API_VERSIONS)
    if version is None:
        message = f"The api-version query parameter is required. Supported versions: {supported}."
        raise ApiError(400, "InvalidArgument", message)

    if version not in API_VERSIONS:
        message = f"The api-version {version!r} is not supported. Supported versions: {supported}."
        raise ApiError(400, "UnsupportedApiVersion", message)
    return version


def _route(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    if not path.startswith(PATH_PREFIX):
        raise ApiError(404, "NotFound", f"No resource at {path}.")

    segments = [unquote(segment) for segment in path[len(PATH_PREFIX) :].split("/")]
    for pattern, operations in _ROUTES:
        params = _match(pattern, segments)
        if params is None:
            continue

        operation = operations.get(method)
        if operation is None:
            allowed = ", ".join(operations)
            message = f"{method} is not allowed on {path}; allowed: {allowed}."
            raise ApiError(405, "InvalidRequest", message, Allow=allowed)
        return operation, params

    raise ApiError(404, "NotFound", f"No resource at {path}.")


def _match(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None

    params: dict[str, str] = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{"):
            params[expected.strip("{}")] = actual
        elif expected != actual:
            return None
    return params


def list_projects(state: EmulatorState, call: Call) -> Response:
    top = _integer_parameter(call.query, "top", minimum=0)
    skip = _integer_parameter(call.query, "skip", minimum=0) or 0
    page_size = _integer_parameter(call.query, "maxpagesize", minimum=1) or DEFAULT_PAGE_SIZE

    remaining = state.projects()[skip:]
    if top is not None:
        remaining = remaining[:top]

    next_link = None
    if len(remaining) > page_size:
        query = {"skip": str(skip + page_size), "maxpagesize": str(page_size)}
        if top is not None:
            query["top"] = str(top - page_size)
        next_link = call.url("projects", **query)

    page = [_project_metadata(project) for project in remaining[:page_size]]
    return json_response(200, {"value": page, "nextLink": next_link})


def get_project(state: EmulatorState, call: Call) -> Response:
    project = _existing_project(state, call)
    return json_response(200, _project_metadata(project))


def delete_project(state: EmulatorState, call: Call) -> Response:
    job = state.submit_deletion(_existing_project(state, call))
    return _accepted(call.url(f"projects/global/deletion-jobs/{job.job_id}"))


def import_project(state: EmulatorState, call: Call) -> Response:
    name = call.params["projectName"]
    if not is_valid_project_name(name):
        message = f"The project name {name!r} is not valid: use {PROJECT_NAME_RULE}."
        raise ApiError(400, "InvalidArgument", message)
    _check_import_format(call.request)

    document = _project_file_from_body(call)
    problems = check_project_file(document, name)
    errors = [{"code": "InvalidArgument", "message": problem} for problem in problems]

    job = state.submit_import(name, document, errors)
    return _accepted(call.url(f"projects/{name}/import/jobs/{job.job_id}"))


def export_project(state: EmulatorState, call: Call) -> Response:
    index_type = call.query.get("stringIndexType")
    if index_type != "Utf16CodeUnit":
        message = (
            f"The stringIndexType query parameter must be 'Utf16CodeUnit', got {index_type!r}."
        )
        raise ApiError(400, "InvalidArgument", message)

    project = _existing_project(state, call)
    label = call.query.get("trainedModelLabel")
    if label is not None:
        message = f"The project {project.name!r} has no trained model {label!r}."
        raise ApiError(404, "NotFound", message)

    job = state.submit_export(project)
    return _accepted(call.url(f"projects/{project.name}/export/jobs/{job.job_id}"))


def get_import_job(state: EmulatorState, call: Call) -> Response:
    return json_response(200, _job_state(_existing_job(state, call, "import"), call))


def get_export_job(state: EmulatorState, call: Call) -> Response:
    return json_response(200, _job_state(_existing_job(state, call, "export"), call))


def get_deletion_job(state: EmulatorState, call: Call) -> Response:
    return json_response(200, _job_state(_existing_job(state, call, "deletion"), call))


def get_export_result(state: EmulatorState, call: Call) -> Response:
    job = _existing_job(state, call, "export")
    status = job.status_at(call.now)
    if status != "succeeded" or job.exported is None:
        message = f"The export job {job.job_id} has no result while it is {status}."
        raise ApiError(404, "NotFound", message)

    return Response(200, job.exported, {"Content-Type": JSON_CONTENT_TYPE})


def _existing_project(state: EmulatorState, call: Call) -> StoredProject:
    name = call.params["projectName"]
    project = state.project(name)
    if project is None:
        raise ApiError(404, "ProjectNotFound", f"The project {name!r} could not be found.")
    return project


def _existing_job(state: EmulatorState, call: Call, kind: JobKind) -> Job:
    job_id = call.params["jobId"]
    project_name = call.params.get("projectName")
    job = state.job(job_id, kind, project_name)
    if job is None:
        raise ApiError(404, "OperationNotFound", f"The {kind} job {job_id!r} could not be found.")
    return job


def _job_state(job: Job, call: Call) -> dict[str, Any]:
    status = job.status_at(call.now)

    body: dict[str, Any] = {
        "jobId": job.job_id,
        "createdDateTime": format_time(job.created),
        "lastUpdatedDateTime": format_time(job.last_updated_at(call.now)),
        "expirationDateTime": format_time(job.expires),
        "status": status,
    }
    if status == "failed":
        body["errors"] = job.errors
    if job.kind == "export" and status == "succeeded":
        body["resultUrl"] = call.url(f"projects/{job.project_name}/export/jobs/{job.job_id}/result")
    return body


def _project_metadata(project: StoredProject) -> dict[str, Any]:
    metadata: dict[str, Any] = project.document.get("metadata", {})

    body: dict[str, Any] = project.times()
    body |= {
        "projectKind": canonical_project_kind(metadata.get("projectKind")),
        "storageInputContainerName": metadata.get("storageInputContainerName"),
        "projectName": project.name,
        "multilingual": metadata.get("multilingual") or False,
        "language": metadata.get("language"),
        "settings": metadata.get("settings") or {},
    }
    if metadata.get("description") is not None:
        body["description"] = metadata["description"]
    return body


def _project_file_from_body(call: Call) -> dict[str, Any]:
    if not call.request.body.strip():
        raise ApiError(400, "InvalidRequest", "The request body is empty; send a project file.")

    document = _parse_json(call.request.body)
    # 2025-05-15-preview also takes the project file as one JSON string.
    if isinstance(document, str) and call.api_version in _VERSIONS_WITH_RAW_JSON_IMPORT:
        document = _parse_json(document.encode("utf-8"))

    if not isinstance(document, dict):
        kind = type(document).__name__
        message = f"The request body must be a JSON object (a project file), got {kind}."
        raise ApiError(400, "InvalidArgument", message)
    return document


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
        message = f"The request body is not valid JSON: {error}."
        raise ApiError(400, "InvalidRequest", message) from error


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def _check_import_format(request: Request) -> None:
    file_format = request.header("format")
    if file_format is not None and file_format.lower() != "json":
        message = f"The emulator imports only the 'json' format, not {file_format!r}."
        raise ApiError(400, "InvalidArgument", message)


def _integer_parameter(query: Mapping[str, str], name: str, *, minimum: int) -> int | None:
    text = query.get(name)
    if text is None:
        return None

    if not text.isdigit() or int(text) < minimum:
        message = f"The {name} query parameter must be an integer of at least {minimum}."
        raise ApiError(400, "InvalidArgument", message)
    return int(text)


def _accepted(operation_location: str) -> Response:
    return Response(202, b"", {"operation-location": operation_location})


_ROUTES: list[tuple[tuple[str, ...], dict[str, Operation]]] = [
    (("projects",), {"GET": list_projects}),
    (("projects", "global", "deletion-jobs", "{jobId}"), {"GET": get_deletion_job}),
    (("projects", "{projectName}"), {"GET": get_project, "DELETE": delete_project}),
    (("projects", "{projectName}", ":import"), {"POST": import_project}),
    (("projects", "{projectName}", ":export"), {"POST": export_project}),
    (("projects", "{projectName}", "import", "jobs", "{jobId}"), {"GET": get_import_job}),
    (("projects", "{projectName}", "export", "jobs", "{jobId}"), {"GET": get_export_job}),
    (
        ("projects", "{projectName}", "export", "jobs", "{jobId}", "result"),
        {"GET": get_export_result},
    ),
]
