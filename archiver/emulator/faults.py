"""The scenario in force: counting requests, throttling them, and deciding faults.

`FaultInjector` holds the counters that give a fault's `after` and `times` their
meaning; replacing the scenario resets them. Request faults are decided before the
request reaches the API; job faults when an operation submits a job.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import deque
from dataclasses import dataclass, replace
from urllib.parse import unquote

from archiver.emulator.protocol import ApiError
from archiver.emulator.scenario import ACTION_JOB_KINDS, Fault, RateLimits, Scenario
from archiver.emulator.state import JobKind, JobPlan, TerminalStatus, Timing

logger = logging.getLogger(__name__)

_PROJECT_IN_PATH = re.compile(r"/projects/([^/]+)")
_READ_METHODS = frozenset({"GET", "HEAD"})
_OUTCOMES: dict[str, TerminalStatus] = {
    "fail_job": "failed",
    "partial_job": "partiallyCompleted",
    "cancel_job": "cancelled",
}


@dataclass(frozen=True)
class RequestFaults:
    """What the scenario does to one request before the API sees it."""

    delay: float = 0.0
    drop: bool = False
    error: ApiError | None = None


@dataclass
class _Counter:
    seen: int = 0
    fired: int = 0

    def fire(self, fault: Fault, *, free: bool = True) -> bool:
        """Counts one matching request; whether the fault acts on it.

        A request another fault has answered (`free` false) counts towards `after`
        but uses none of the fault's `times`.
        """
        self.seen += 1
        if not free or self.seen <= fault.after:
            return False
        if fault.times is not None and self.fired >= fault.times:
            return False
        self.fired += 1
        return True


class FaultInjector:
    """One emulator's scenario, its fault counters and its rate limiter."""

    def __init__(self, scenario: Scenario) -> None:
        self._lock = threading.Lock()
        self._scenario = scenario
        self._counters: list[_Counter] = []
        self._limiter: RateLimiter | None = None
        self.replace(scenario)

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    def replace(self, scenario: Scenario) -> None:
        """Puts `scenario` in force with fresh counters and an empty rate-limit window."""
        with self._lock:
            self._scenario = scenario
            self._counters = [_Counter() for _ in scenario.faults]
            limits = scenario.rate_limits
            self._limiter = None if limits is None else RateLimiter(limits, scenario.time_scale)

    def add(self, fault: Fault) -> None:
        """Appends a fault; the others keep their counts."""
        with self._lock:
            self._scenario = self._scenario.with_fault(fault)
            self._counters.append(_Counter())

    def timing(self, default_duration: float) -> Timing:
        scenario = self._scenario
        durations = {kind: scenario.scaled(value) for kind, value in scenario.job_durations.items()}
        return Timing(
            default_duration=scenario.scaled(default_duration),
            durations=durations,
            job_lifetime=scenario.scaled(scenario.job_lifetime),
        )

    def on_request(self, method: str, path: str, api_version: str | None) -> RequestFaults:
        """Latency, an answer or a dropped connection, decided before the API runs."""
        project = project_in_path(path)
        with self._lock:
            scenario = self._scenario
            delay = scenario.latency
            outcome: RequestFaults | None = None
            for fault, counter in zip(scenario.faults, self._counters, strict=True):
                if fault.acts_on_jobs or not fault.match.matches(
                    method, path, project, api_version
                ):
                    continue
                if fault.action == "delay":
                    delay += fault.seconds if counter.fire(fault) else 0.0
                elif counter.fire(fault, free=outcome is None):
                    outcome = self._request_outcome(fault, method, path)

        result = outcome or RequestFaults()
        return replace(result, delay=scenario.scaled(delay))

    def plan_job(self, method: str, path: str, api_version: str, kind: JobKind) -> JobPlan:
        """How the job this request submits is to end, by every job fault that fires."""
        project = project_in_path(path)
        plan = JobPlan()
        with self._lock:
            scenario = self._scenario
            for fault, counter in zip(scenario.faults, self._counters, strict=True):
                if not fault.acts_on_jobs or kind not in ACTION_JOB_KINDS[fault.action]:
                    continue
                if fault.match.matches(method, path, project, api_version) and counter.fire(fault):
                    logger.info(
                        "scenario: %s for the %s job of %s", fault.describe(), kind, project
                    )
                    plan = plan.merged(_job_plan(fault, scenario))
        return plan

    def admit(self, method: str, now: float) -> None:
        """Raises the service's 429 when the request exceeds the rate limits."""
        with self._lock:
            limiter = self._limiter
            wait = None if limiter is None else limiter.admit(method, now)
            scale = self._scenario.time_scale
        if wait is None:
            return

        shown = retry_after_text(wait, scale)
        logger.info("scenario: throttled a %s request; retry after %s s", method, shown)
        message = f"Rate limit is exceeded. Try again in {shown} seconds."
        raise ApiError(429, "TooManyRequests", message, **{"Retry-After": shown})

    def _request_outcome(self, fault: Fault, method: str, path: str) -> RequestFaults:
        logger.info("scenario: %s on %s %s", fault.describe(), method, path)
        if fault.action == "drop_connection":
            return RequestFaults(drop=True)

        status = fault.status or 500
        message = fault.message or f"The service answered {status} (scripted fault)."
        headers = {}
        if fault.retry_after is not None:
            scale = self._scenario.time_scale
            headers["Retry-After"] = retry_after_text(fault.retry_after * scale, scale)
        return RequestFaults(error=ApiError(status, fault.error_code, message, **headers))


class RateLimiter:
    """Sliding-window counts of reads and writes, as the service's quota per resource."""

    def __init__(self, limits: RateLimits, time_scale: float) -> None:
        self._limits = {"read": limits.get, "write": limits.post}
        self._window = limits.window * time_scale
        self._recent: dict[str, deque[float]] = {"read": deque(), "write": deque()}

    def admit(self, method: str, now: float) -> float | None:
        """Records the request and returns None, or the seconds until one would fit."""
        group = "read" if method in _READ_METHODS else "write"
        recent = self._recent[group]
        while recent and recent[0] <= now - self._window:
            recent.popleft()

        if len(recent) >= self._limits[group]:
            return recent[0] + self._window - now
        recent.append(now)
        return None


def retry_after_text(seconds: float, time_scale: float) -> str:
    """Whole seconds (at least 1) in real time; decimals when time is scaled down.

    Clients read `Retry-After: 0` as "no advice" and wait their own default instead.
    """
    if time_scale >= 1:
        return str(max(1, math.ceil(seconds)))
    return f"{max(seconds, 0.001):.3f}".rstrip("0").rstrip(".")


def project_in_path(path: str) -> str | None:
    """The project a request path names, if any (`global` is not a project)."""
    found = _PROJECT_IN_PATH.search(path)
    if found is None or found.group(1) == "global":
        return None
    return unquote(found.group(1))


def _job_plan(fault: Fault, scenario: Scenario) -> JobPlan:
    action = fault.action
    if action in _OUTCOMES:
        return JobPlan(status=_OUTCOMES[action], errors=fault.errors, warnings=fault.warnings)
    if action == "stall_job":
        return JobPlan(stall=True)
    if action == "delay_job":
        return JobPlan(duration=scenario.scaled(fault.seconds))
    if action == "drop_documents":
        return JobPlan(drop_documents=fault.documents)

    lifetime = None if fault.after_seconds is None else scenario.scaled(fault.after_seconds)
    return JobPlan(result_lifetime=lifetime, result_fetches=fault.after_fetches)
