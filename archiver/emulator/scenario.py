"""Scenarios: the quotas, delays and faults a test or benchmark scripts into the emulator.

A scenario is a JSON object with `"version": 1`; see the README's "Emulator" section
for every key. It is checked completely when loaded, and every mistake is reported
with the JSON path it is about, so a scenario never half-applies. All durations are
seconds before `time_scale` multiplies them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from archiver.emulator.state import JOB_KINDS, JOB_LIFETIME_SECONDS, JobError

SCENARIO_VERSION = 1
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

JOB_ACTIONS = (
    "fail_job",
    "stall_job",
    "partial_job",
    "cancel_job",
    "delay_job",
    "drop_documents",
    "expire_result",
)
# The job kinds an action can act on; the others never count towards its `after`/`times`.
ACTION_JOB_KINDS: dict[str, tuple[str, ...]] = {
    **{action: JOB_KINDS for action in JOB_ACTIONS},
    "drop_documents": ("import",),
    "expire_result": ("export",),
}

_COMMON_FAULT_KEYS = {"action", "match", "after", "times", "description"}
_ACTION_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # action: (required keys, optional keys)
    "respond": ({"status"}, {"code", "message", "retry_after"}),
    "drop_connection": (set(), set()),
    "delay": ({"seconds"}, set()),
    "fail_job": (set(), {"errors", "warnings"}),
    "stall_job": (set(), set()),
    "partial_job": (set(), {"errors", "warnings"}),
    "cancel_job": (set(), {"errors", "warnings"}),
    "delay_job": ({"seconds"}, set()),
    "drop_documents": ({"documents"}, set()),
    "expire_result": (set(), {"after_seconds", "after_fetches"}),
}
_SCENARIO_KEYS = {
    "version",
    "description",
    "time_scale",
    "latency",
    "job_durations",
    "job_lifetime",
    "rate_limits",
    "faults",
}
_DEFAULT_CODES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the offending JSON path."""


@dataclass(frozen=True)
class RateLimits:
    """At most `post` writes and `get` reads in any sliding window of `window` seconds.

    Writes are POST, PUT, PATCH and DELETE requests; reads are GET requests.
    """

    post: int = 10
    get: int = 100
    window: float = 60.0


@dataclass(frozen=True)
class Match:
    """Which requests a fault considers; an absent field matches everything."""

    method: str | None = None
    path: re.Pattern[str] | None = None
    project: str | None = None
    api_version: str | None = None

    def matches(self, method: str, path: str, project: str | None, api_version: str | None) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.path is None or self.path.search(path) is not None)
            and (self.project is None or self.project == project)
            and (self.api_version is None or self.api_version == api_version)
        )


@dataclass(frozen=True)
class Fault:
    """One scripted fault: which requests, how many of them, and what happens."""

    action: str
    match: Match = field(default_factory=Match)
    after: int = 0
    times: int | None = None
    status: int | None = None
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    errors: tuple[JobError, ...] = ()
    warnings: tuple[JobError, ...] = ()
    documents: frozenset[str] = frozenset()
    after_seconds: float | None = None
    after_fetches: int | None = None
    description: str | None = None

    @property
    def acts_on_jobs(self) -> bool:
        return self.action in JOB_ACTIONS

    @property
    def error_code(self) -> str:
        """The error code a `respond` fault answers with."""
        if self.code is not None:
            return self.code
        status = self.status or 500
        return _DEFAULT_CODES.get(
            status, "InternalServerError" if status >= 500 else "InvalidRequest"
        )

    def describe(self) -> str:
        return self.description or self.action


@dataclass(frozen=True)
class Scenario:
    """Quotas, timings and faults; the empty scenario is the well-behaved service."""

    time_scale: float = 1.0
    latency: float = 0.0
    job_durations: Mapping[str, float] = field(default_factory=dict)
    job_lifetime: float = JOB_LIFETIME_SECONDS
    rate_limits: RateLimits | None = None
    faults: tuple[Fault, ...] = ()
    description: str | None = None

    @classmethod
    def from_dict(cls, data: object, *, source: str = "scenario") -> Scenario:
        """Checks a decoded JSON scenario; raises ScenarioError naming every JSON path."""
        return _parse_scenario(_Reader(source, data, ""))

    @classmethod
    def load(cls, path: Path) -> Scenario:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise ScenarioError(f"cannot read the scenario file {path}: {error.strerror}") from None
        except ValueError as error:
            raise ScenarioError(f"the scenario file {path} is not valid JSON: {error}") from None
        return cls.from_dict(data, source=str(path))

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale

    def with_fault(self, fault: Fault) -> Scenario:
        return replace(self, faults=(*self.faults, fault))

    def with_options(
        self,
        *,
        rate_limits: bool = False,
        latency: float | None = None,
        time_scale: float | None = None,
    ) -> Scenario:
        """This scenario with command-line options laid over it."""
        scenario = self
        if rate_limits and scenario.rate_limits is None:
            scenario = replace(scenario, rate_limits=RateLimits())
        if latency is not None:
            scenario = replace(scenario, latency=_checked_seconds(latency, "latency"))
        if time_scale is not None:
            scenario = replace(scenario, time_scale=_checked_scale(time_scale))
        return scenario


def load_scenario(source: Scenario | Mapping[str, Any] | Path | str | None) -> Scenario:
    """A scenario from an object, a decoded JSON mapping, or the path of a JSON file."""
    if source is None:
        return Scenario()
    if isinstance(source, Scenario):
        return source
    if isinstance(source, str | Path):
        return Scenario.load(Path(source))
    return Scenario.from_dict(source)


def parse_fault(data: Mapping[str, Any]) -> Fault:
    """One fault, as it would appear in a scenario's `faults` list."""
    return _parse_fault(_Reader("fault", data, ""))


class _Reader:
    """A JSON value being checked, with the path that error messages name."""

    def __init__(self, source: str, value: object, path: str) -> None:
        self.source = source
        self.value = value
        self.path = path

    def fail(self, message: str) -> ScenarioError:
        where = f" at {self.path}" if self.path else ""
        return ScenarioError(f"{self.source}{where}: {message}")

    def child(self, key: str | int) -> _Reader:
        if isinstance(key, int):
            item = self.value[key] if isinstance(self.value, list) else None
            return _Reader(self.source, item, f"{self.path}[{key}]")

        value = self.value.get(key) if isinstance(self.value, dict) else None
        return _Reader(self.source, value, _joined(self.path, key))

    def object(self, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.fail(f"expected an object, got {_json_type(self.value)}")

        unknown = sorted(set(self.value) - allowed)
        if unknown:
            known = ", ".join(sorted(allowed)) or "none"
            raise self.fail(f"unknown key {unknown[0]!r} (known keys: {known})")
        return self.value

    def optional(self, key: str, read: Callable[[_Reader], Any], default: Any = None) -> Any:
        assert isinstance(self.value, dict)
        if key not in self.value or self.value[key] is None:
            return default
        return read(self.child(key))

    def required(self, key: str, read: Callable[[_Reader], Any]) -> Any:
        assert isinstance(self.value, dict)
        if key not in self.value:
            raise self.fail(f"the key {key!r} is required")
        return read(self.child(key))

    def list(self) -> list[_Reader]:
        if not isinstance(self.value, list):
            raise self.fail(f"expected an array, got {_json_type(self.value)}")
        return [self.child(index) for index in range(len(self.value))]

    def string(self) -> str:
        if not isinstance(self.value, str):
            raise self.fail(f"expected a string, got {_json_type(self.value)}")
        return self.value

    def number(self, *, minimum: float = 0.0, above: bool = False) -> float:
        value = self.value
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(f"expected a number, got {_json_type(value)}")
        if value < minimum or (above and value == minimum):
            relation = "above" if above else "at least"
            raise self.fail(f"expected a number {relation} {minimum:g}, got {value:g}")
        return float(value)

    def integer(self, *, minimum: int) -> int:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"expected an integer, got {_json_type(value)}")
        if value < minimum:
            raise self.fail(f"expected an integer of at least {minimum}, got {value}")
        return value


def _parse_scenario(reader: _Reader) -> Scenario:
    reader.object(_SCENARIO_KEYS)
    version = reader.required("version", lambda item: item.integer(minimum=0))
    if version != SCENARIO_VERSION:
        raise reader.child("version").fail(
            f"this emulator reads scenario version {SCENARIO_VERSION}, not {version}"
        )

    faults = reader.optional("faults", lambda item: item.list(), [])
    return Scenario(
        time_scale=reader.optional("time_scale", _read_scale, 1.0),
        latency=reader.optional("latency", lambda item: item.number(), 0.0),
        job_durations=reader.optional("job_durations", _read_job_durations, {}),
        job_lifetime=reader.optional("job_lifetime", _read_positive, JOB_LIFETIME_SECONDS),
        rate_limits=reader.optional("rate_limits", _read_rate_limits),
        faults=tuple(_parse_fault(item) for item in faults),
        description=reader.optional("description", lambda item: item.string()),
    )


def _read_scale(reader: _Reader) -> float:
    return reader.number(above=True)


def _read_positive(reader: _Reader) -> float:
    return reader.number(above=True)


def _read_job_durations(reader: _Reader) -> dict[str, float]:
    durations = reader.object(set(JOB_KINDS))
    return {kind: reader.child(kind).number() for kind in durations}


def _read_rate_limits(reader: _Reader) -> RateLimits:
    reader.object({"post", "get", "window"})
    defaults = RateLimits()
    return RateLimits(
        post=reader.optional("post", lambda item: item.integer(minimum=1), defaults.post),
        get=reader.optional("get", lambda item: item.integer(minimum=1), defaults.get),
        window=reader.optional("window", _read_positive, defaults.window),
    )


def _parse_fault(reader: _Reader) -> Fault:
    if not isinstance(reader.value, dict):
        raise reader.fail(f"expected an object, got {_json_type(reader.value)}")

    action = reader.required("action", lambda item: item.string())
    if action not in _ACTION_KEYS:
        known = ", ".join(_ACTION_KEYS)
        raise reader.child("action").fail(f"unknown action {action!r} (known actions: {known})")

    required, optional = _ACTION_KEYS[action]
    reader.object(_COMMON_FAULT_KEYS | required | optional)
    for key in sorted(required):
        reader.required(key, lambda item: item.value)

    fault = Fault(
        action=action,
        match=reader.optional("match", _parse_match, Match()),
        after=reader.optional("after", lambda item: item.integer(minimum=0), 0),
        times=reader.optional("times", lambda item: item.integer(minimum=1)),
        description=reader.optional("description", lambda item: item.string()),
        **_action_fields(reader),
    )
    return _checked_fault(fault, reader)


def _action_fields(reader: _Reader) -> dict[str, Any]:
    return {
        "status": reader.optional("status", _read_status),
        "code": reader.optional("code", lambda item: item.string()),
        "message": reader.optional("message", lambda item: item.string()),
        "retry_after": reader.optional("retry_after", lambda item: item.number()),
        "seconds": reader.optional("seconds", lambda item: item.number(), 0.0),
        "errors": reader.optional("errors", _read_errors, ()),
        "warnings": reader.optional("warnings", _read_errors, ()),
        "documents": reader.optional("documents", _read_documents, frozenset()),
        "after_seconds": reader.optional("after_seconds", lambda item: item.number()),
        "after_fetches": reader.optional("after_fetches", lambda item: item.integer(minimum=0)),
    }


def _checked_fault(fault: Fault, reader: _Reader) -> Fault:
    if (
        fault.action == "expire_result"
        and fault.after_seconds is None
        and fault.after_fetches is None
    ):
        raise reader.fail("expire_result needs after_seconds, after_fetches or both")
    if fault.action == "drop_documents" and not fault.documents:
        raise reader.child("documents").fail("name at least one document location")
    return fault


def _parse_match(reader: _Reader) -> Match:
    reader.object({"method", "path", "project", "api_version"})
    return Match(
        method=reader.optional("method", _read_method),
        path=reader.optional("path", _read_pattern),
        project=reader.optional("project", lambda item: item.string()),
        api_version=reader.optional("api_version", lambda item: item.string()),
    )


def _read_method(reader: _Reader) -> str:
    method = reader.string().upper()
    if method not in HTTP_METHODS:
        raise reader.fail(f"expected one of {', '.join(HTTP_METHODS)}, got {reader.value!r}")
    return method


def _read_pattern(reader: _Reader) -> re.Pattern[str]:
    text = reader.string()
    try:
        return re.compile(text)
    except re.error as error:
        raise reader.fail(f"not a regular expression ({error})") from None


def _read_status(reader: _Reader) -> int:
    status = reader.integer(minimum=400)
    if status > 599:
        raise reader.fail(f"expected an HTTP error status from 400 to 599, got {status}")
    return status


def _read_errors(reader: _Reader) -> tuple[JobError, ...]:
    errors: list[JobError] = []
    for item in reader.list():
        item.object({"code", "message"})
        code = item.required("code", lambda value: value.string())
        message = item.required("message", lambda value: value.string())
        errors.append({"code": code, "message": message})
    return tuple(errors)


def _read_documents(reader: _Reader) -> frozenset[str]:
    return frozenset(item.string() for item in reader.list())


def _checked_seconds(value: float, name: str) -> float:
    return _Reader("option", value, name).number()


def _checked_scale(value: float) -> float:
    return _Reader("option", value, "time_scale").number(above=True)


def _joined(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
