"""The wire vocabulary of the emulator: requests, responses, errors and api-versions.

Two families of api-versions exist. 2021-11-01-preview serves projects under
`/language/analyze-text/` and names job URLs in a `location` header; 2022-05-01 and
every later version serve them under `/language/authoring/analyze-text/` and use
`operation-location`. Operations receive a `Call` that knows its family, so that the
URLs they hand out lead back to the same family.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import parse_qsl, urlencode, urlsplit

if TYPE_CHECKING:
    from archiver.emulator.state import JobKind, JobPlan

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
DEFAULT_PAGE_SIZE = 10

LEGACY_VERSION = "2021-11-01-preview"
CURRENT_VERSIONS = (
    "2022-05-01",
    "2022-10-01-preview",
    "2023-04-01",
    "2024-11-15-preview",
    "2025-05-15-preview",
)

_FIRST_VERSION_WITH_ERROR_CODE_HEADER = "2023-04-01"


@dataclass(frozen=True)
class Family:
    """A group of api-versions that share a path prefix and a project file format."""

    name: str
    prefix: str
    versions: tuple[str, ...]
    job_header: str

    @property
    def legacy(self) -> bool:
        return self.name == LEGACY_VERSION


LEGACY = Family(LEGACY_VERSION, "/language/analyze-text/", (LEGACY_VERSION,), "location")
CURRENT = Family(
    "2022-05-01", "/language/authoring/analyze-text/", CURRENT_VERSIONS, "operation-location"
)
FAMILIES = (CURRENT, LEGACY)


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
    # The server closes the connection without answering: a scripted network fault.
    drop: bool = False


class ApiError(Exception):
    """A failure that becomes the service's error body: `{"error": {code, message}}`."""

    def __init__(self, status: int, code: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def not_found(message: str) -> ApiError:
    return ApiError(404, "NotFound", message)


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, "InvalidArgument", message)


@dataclass(frozen=True)
class Call:
    """A request matched to an operation, with its path parameters and api-version."""

    request: Request
    params: dict[str, str]
    query: dict[str, str]
    api_version: str
    family: Family
    now: float
    plan_job: Callable[[JobKind], JobPlan]

    def url(self, path: str, **query: str) -> str:
        """The absolute URL of `path` under this family's prefix, with this api-version."""
        parameters = urlencode({"api-version": self.api_version, **query})
        return f"{self.request.base_url}{self.family.prefix}{path}?{parameters}"

    def accepted(self, job_path: str) -> Response:
        """202 with the job's URL in the header this family names it in, and no body."""
        return Response(202, b"", {self.family.job_header: self.url(job_path)})

    def since(self, version: str) -> bool:
        """Whether this call's api-version is `version` or a later one of its family."""
        return not self.family.legacy and self.api_version >= version


def error_response(error: ApiError, api_version: str | None) -> Response:
    headers = dict(error.headers)
    if api_version in CURRENT_VERSIONS and api_version >= _FIRST_VERSION_WITH_ERROR_CODE_HEADER:
        headers["x-ms-error-code"] = error.code

    body = {"error": {"code": error.code, "message": error.message}}
    return json_response(error.status, body, headers)


def json_response(status: int, body: object, headers: Mapping[str, str] | None = None) -> Response:
    encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(status, encoded, {**(headers or {}), "Content-Type": JSON_CONTENT_TYPE})


def query_api_version(target: str) -> str | None:
    """The api-version a request target asks for, if any."""
    return first_values(urlsplit(target).query).get("api-version")


def first_values(query: str) -> dict[str, str]:
    """Query parameters by name; of a repeated parameter, the first value counts."""
    values: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, value)
    return values


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
        message = f"The request body is not valid JSON: {error}."
        raise ApiError(400, "InvalidRequest", message) from error


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def json_object_body(call: Call, what: str) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 naming what the body should be."""
    if not call.request.body.strip():
        raise ApiError(400, "InvalidRequest", f"The request body is empty; send {what}.")

    document = parse_json(call.request.body)
    if not isinstance(document, dict):
        kind = _json_type_name(document)
        raise invalid_argument(f"The request body must be a JSON object ({what}), got {kind}.")
    return document


def _json_type_name(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "number")


def integer_parameter(query: Mapping[str, str], name: str, *, minimum: int) -> int | None:
    text = query.get(name)
    if text is None:
        return None

    if not text.isdigit() or int(text) < minimum:
        raise invalid_argument(
            f"The {name} query parameter must be an integer of at least {minimum}."
        )
    return int(text)


def paged_response(call: Call, path: str, items: list[dict[str, Any]]) -> Response:
    """One page of `items` as `{value, nextLink}`, following `top`, `skip`, `maxpagesize`."""
    top = integer_parameter(call.query, "top", minimum=0)
    skip = integer_parameter(call.query, "skip", minimum=0) or 0
    page_size = integer_parameter(call.query, "maxpagesize", minimum=1) or DEFAULT_PAGE_SIZE

    remaining = items[skip:]
    if top is not None:
        remaining = remaining[:top]

    next_link = None
    if len(remaining) > page_size:
        query = {"skip": str(skip + page_size), "maxpagesize": str(page_size)}
        if top is not None:
            query["top"] = str(top - page_size)
        next_link = call.url(path, **_kept_filters(call.query), **query)

    return json_response(200, {"value": remaining[:page_size], "nextLink": next_link})


def _kept_filters(query: Mapping[str, str]) -> dict[str, str]:
    # A filter such as projectKind must survive into the next page's link.
    paging = {"api-version", "top", "skip", "maxpagesize"}
    return {name: value for name, value in query.items() if name not in paging}
