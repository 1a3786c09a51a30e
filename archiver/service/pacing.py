"""Pacing requests to a resource's quota, so the service rarely has to say 429.

The authoring API allows each resource a number of writes (POST, PUT, PATCH,
DELETE) and a number of reads (GET) in any sliding window of a minute. A Pacer
keeps the same books on the client's side: every request first reserves a slot,
and a slot is given only where the window still has room. Reservations are made
in order under one lock, so the threads exporting many projects of one resource
share the quota fairly and never exceed it together.

The Pacer only keeps the books; the caller waits the time a reservation names,
so a clock that never sleeps makes it testable.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WRITE = "write"
READ = "read"
_READ_METHODS = frozenset({"GET", "HEAD"})

# A request reaches the service a little after its slot; without some slack, two
# requests one window apart could arrive a hair less than a window apart.
_SLACK = 0.02


@dataclass(frozen=True)
class Quota:
    """At most `writes` writes and `reads` reads in any one window (a minute, unscaled)."""

    writes: int = 10
    reads: int = 100

    def __post_init__(self) -> None:
        if self.writes < 1 or self.reads < 1:
            raise ValueError(f"a quota needs positive limits, not {self}")


@dataclass
class PacingStats:
    """What one resource's requests cost, for the summary of a run."""

    writes: int = 0
    reads: int = 0
    backoffs: int = 0


def request_group(method: str) -> str:
    return READ if method.upper() in _READ_METHODS else WRITE


class Pacer:
    """One resource's quota, shared by every thread that sends it requests."""

    def __init__(
        self,
        quota: Quota,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not window > 0:
            raise ValueError(f"a pacing window must be above 0 seconds, not {window}")
        self.quota = quota
        self.window = window
        self.stats = PacingStats()
        self._clock = clock
        self._lock = threading.Lock()
        self._window = window * (1 + _SLACK)
        self._limits = {WRITE: quota.writes, READ: quota.reads}
        self._granted: dict[str, deque[float]] = {WRITE: deque(), READ: deque()}
        self._blocked_until = {WRITE: 0.0, READ: 0.0}

    def reserve(self, method: str) -> float:
        """Reserve a slot for one request; the seconds to wait before sending it."""
        group = request_group(method)
        with self._lock:
            now = self._clock()
            granted = self._granted[group]
            slot = max(now, self._blocked_until[group])

            # The slot must lie a window after the request `limit` places back.
            limit = self._limits[group]
            if len(granted) >= limit:
                slot = max(slot, granted[-limit] + self._window)
            granted.append(slot)
            while len(granted) > limit:
                granted.popleft()

            self._count(group)
            return slot - now

    def back_off(self, method: str | None, seconds: float) -> None:
        """Hold back one group of requests (or both, for None) for `seconds` from now.

        The service said 429 or 503: whichever thread hears it, every thread waits.
        """
        groups = (WRITE, READ) if method is None else (request_group(method),)
        with self._lock:
            until = self._clock() + seconds
            for group in groups:
                self._blocked_until[group] = max(self._blocked_until[group], until)
            self.stats.backoffs += 1

    def _count(self, group: str) -> None:
        if group == WRITE:
            self.stats.writes += 1
        else:
            self.stats.reads += 1
