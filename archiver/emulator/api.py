"""The authoring API of one emulated resource: faults, authentication, quotas, routing.

Nothing here knows about sockets: a `Request` comes in, a `Response` goes out. A
request first meets the scenario's request faults (latency, a scripted answer, a
dropped connection), then the key check, the rate limits, the route and the
api-version, and finally its operation, under the state lock.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from archiver.emulator import projects, training
from archiver.emulator.faults import FaultInjector
from archiver.emulator.protocol import (
    CURRENT,
    FAMILIES,
    LEGACY,
    ApiError,
    Call,
    Family,
    Request,
    Response,
    error_response,
    first_values,
    not_found,
)
from archiver.emulator.state import EmulatorState, JobKind, JobPlan

logger = logging.getLogger(__name__)

KEY_HEADER = "ocp-apim-subscription-key"

Operation = Callable[[EmulatorState, Call], Response]


@dataclass(frozen=True)
class Route:
    pattern: tuple[str, ...]
    operations: dict[str, Operation]
    families: tuple[Family, ...] = (CURRENT, LEGACY)


class AuthoringApi:
    """The text authoring API of one emulated Language resource."""

    def __init__(self, state: EmulatorState, key: str, faults: FaultInjector) -> None:
        self.state = state
        self.faults = faults
        self._key = key.encode("utf-8")

    def handle(self, request: Request) -> Response:
        target = urlsplit(request.target)
        query = first_values(target.query)
        version = query.get("api-version")
        try:
            decided = self.faults.on_request(request.method, target.path, version)
            if decided.delay > 0:
                time.sleep(decided.delay)
            if decided.drop:
                return Response(0, drop=True)
            if decided.error is not None:
                raise decided.error

            with self.state.lock:
                now = self.state.clock.now()
                self.state.advance(now)
                return self._dispatch(request, target.path, query, now)
        except ApiError as error:
            return error_response(error, version)
        except Exception:
            logger.exception("emulator failed on %s %s", request.method, target.path)
            failure = ApiError(500, "InternalServerError", "The emulator failed; see its log.")
            return error_response(failure, version)

    def _dispatch(self, request: Request, path: str, query: dict[str, str], now: float) -> Response:
        self._authenticate(request)
        self.faults.admit(request.method, now)
        family, operation, params = _route(request.method, path)
        version = _checked_api_version(query, family)

        call = Call(
            request=request,
            params=params,
            query=query,
            api_version=version,
            family=family,
            now=now,
            plan_job=self._job_planner(request.method, path, version),
        )
        return operation(self.state, call)

    def _authenticate(self, request: Request) -> None:
        presented = request.header(KEY_HEADER)
        if presented is None:
            raise ApiError(401, "Unauthorized", "The Ocp-Apim-Subscription-Key header is missing.")

        if not hmac.compare_digest(presented.encode("utf-8"), self._key):
            raise ApiError(401, "Unauthorized", "The subscription key is not valid here.")

    def _job_planner(self, method: str, path: str, version: str) -> Callable[[JobKind], JobPlan]:
        def plan(kind: JobKind) -> JobPlan:
            return self.faults.plan_job(method, path, version, kind)

        return plan


def _checked_api_version(query: Mapping[str, str], family: Family) -> str:
    version = query.get("api-version")
    supported = ", ".join(family.versions)
    if version is None:
        message = f"The api-version query parameter is required. Supported versions: {supported}."
        raise ApiError(400, "InvalidArgument", message)

    if version not in family.versions:
        message = f"The api-version {version!r} is not supported. Supported versions: {supported}."
        other = next((item for item in FAMILIES if version in item.versions), None)
        if other is not None:
            message += f" The api-version {version} serves paths under {other.prefix}."
        raise ApiError(400, "UnsupportedApiVersion", message)
    return version


def _route(method: str, path: str) -> tuple[Family, Operation, dict[str, str]]:
    family = next((item for item in FAMILIES if path.startswith(item.prefix)), None)
    if family is None:
        raise not_found(f"No resource at {path}.")

    segments = [unquote(segment) for segment in path[len(family.prefix) :].split("/")]
    for route in _ROUTES:
        params = _match(route.pattern, segments)
        if params is None or family not in route.families:
            continue

        operation = route.operations.get(method)
        if operation is None:
            allowed = ", ".join(route.operations)
            message = f"{method} is not allowed on {path}; allowed: {allowed}."
            raise ApiError(405, "InvalidRequest", message, Allow=allowed)
        return family, operation, params

    raise not_found(f"No resource at {path}.")


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


_PROJECT = ("projects", "{projectName}")
_ROUTES: list[Route] = [
    Route(("projects",), {"GET": projects.list_projects}),
    Route(("projects", "global", "deletion-jobs", "{jobId}"), {"GET": projects.get_deletion_job}),
    Route(
        ("projects", "global", "training-config-versions"),
        {"GET": training.list_training_config_versions},
        (CURRENT,),
    ),
    Route(("projects", "global", "languages"), {"GET": training.list_languages}, (CURRENT,)),
    Route(
        _PROJECT,
        {
            "GET": projects.get_project,
            "PATCH": projects.patch_project,
            "DELETE": projects.delete_project,
        },
        (CURRENT,),
    ),
    Route(_PROJECT, {"GET": projects.get_project, "DELETE": projects.delete_project}, (LEGACY,)),
    Route((*_PROJECT, ":import"), {"POST": projects.import_project}),
    Route((*_PROJECT, ":export"), {"POST": projects.export_project}),
    Route((*_PROJECT, "import", "jobs", "{jobId}"), {"GET": projects.get_import_job}),
    Route((*_PROJECT, "export", "jobs", "{jobId}"), {"GET": projects.get_export_job}),
    Route(
        (*_PROJECT, "export", "jobs", "{jobId}", "result"),
        {"GET": projects.get_export_result},
        (CURRENT,),
    ),
    Route(
        ("internal", *_PROJECT, "export", "jobs", "{jobId}", "result"),
        {"GET": projects.get_export_result},
        (LEGACY,),
    ),
    Route((*_PROJECT, ":train"), {"POST": training.train}),
    Route((*_PROJECT, "train", "jobs"), {"GET": training.list_training_jobs}),
    Route((*_PROJECT, "train", "jobs", "{jobId}"), {"GET": training.get_training_job}),
    Route((*_PROJECT, "models"), {"GET": training.list_models}),
    Route(
        (*_PROJECT, "models", "{trainedModelLabel}"),
        {"GET": training.get_model, "DELETE": training.delete_model},
    ),
    Route((*_PROJECT, "deployments"), {"GET": training.list_deployments}),
    Route(
        (*_PROJECT, "deployments", "{deploymentName}"),
        {
            "GET": training.get_deployment,
            "PUT": training.deploy,
            "DELETE": training.delete_deployment,
        },
    ),
    Route(
        (*_PROJECT, "deployments", "{deploymentName}", "jobs", "{jobId}"),
        {"GET": training.get_deployment_job},
    ),
]
