"""Retention policies: which snapshots of one project to keep, and why.

Pure functions over snapshot times, tags and pins. The rules:

- `keep_last` N: the N newest snapshots.
- `keep_hourly` … `keep_yearly` N: for each of the N newest calendar buckets (hour,
  day, ISO week, month, year, in the policy's time zone) that hold a snapshot, the
  newest snapshot in that bucket.
- `keep_within` D: every snapshot taken within D before the project's newest snapshot
  (not before now: a backup job that stopped running never makes prune empty a project).
- `keep_tags`: every snapshot carrying one of these tags.
- Always kept, whatever the policy: the newest snapshot of each project and every
  pinned snapshot.

A snapshot matched by several rules lists every reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from archiver.errors import UsageError

_DURATION = re.compile(r"(?:(\d+)y)?(?:(\d+)mo)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?")


@dataclass(frozen=True)
class Policy:
    keep_last: int = 0
    keep_hourly: int = 0
    keep_daily: int = 0
    keep_weekly: int = 0
    keep_monthly: int = 0
    keep_yearly: int = 0
    keep_within: timedelta | None = None
    keep_tags: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        counts = [self.keep_last, self.keep_hourly, self.keep_daily, self.keep_weekly]
        counts += [self.keep_monthly, self.keep_yearly]
        return not any(counts) and self.keep_within is None and not self.keep_tags


@dataclass(frozen=True)
class Candidate:
    """What retention needs to know of one snapshot."""

    key: str
    created: datetime
    tags: tuple[str, ...] = ()
    pinned: bool = False


@dataclass(frozen=True)
class Decision:
    candidate: Candidate
    keep: bool
    reasons: tuple[str, ...] = field(default=())


def parse_duration(text: str) -> timedelta:
    """`1y2mo3w4d5h` style durations; a year is 365 days and a month (`mo`) 30."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise UsageError(f"invalid duration {text!r}: use e.g. 12h, 7d, 4w, 6mo, 1y, 1y6mo")
    years, months, weeks, days, hours = (int(part or 0) for part in match.groups())
    duration = timedelta(days=365 * years + 30 * months + 7 * weeks + days, hours=hours)
    if not duration:
        raise UsageError(f"invalid duration {text!r}: it keeps nothing; give more than zero")
    return duration


def apply_policy(candidates: Sequence[Candidate], policy: Policy, zone: tzinfo) -> list[Decision]:
    """Decide for every snapshot of one project; newest first in the result."""
    if policy.empty:
        raise UsageError("refusing an empty policy: give at least one --keep-* option")
    ordered = sorted(candidates, key=lambda candidate: candidate.created, reverse=True)
    if not ordered:
        return []

    reasons: dict[str, list[str]] = {candidate.key: [] for candidate in ordered}
    reasons[ordered[0].key].append("newest")
    for candidate in ordered:
        if candidate.pinned:
            reasons[candidate.key].append("pinned")
        reasons[candidate.key] += [
            f"tag {tag}" for tag in candidate.tags if tag in policy.keep_tags
        ]

    for candidate in ordered[: policy.keep_last]:
        reasons[candidate.key].append("last")
    if policy.keep_within is not None:
        horizon = ordered[0].created - policy.keep_within
        for candidate in ordered:
            if candidate.created >= horizon:
                reasons[candidate.key].append("within")

    for name, count, bucket in _calendar_rules(policy, zone):
        for candidate in _newest_per_bucket(ordered, bucket)[:count]:
            reasons[candidate.key].append(name)

    return [Decision(c, bool(reasons[c.key]), tuple(reasons[c.key])) for c in ordered]


def _calendar_rules(
    policy: Policy, zone: tzinfo
) -> list[tuple[str, int, Callable[[datetime], Hashable]]]:
    def local(moment: datetime) -> datetime:
        return moment.astimezone(zone)

    # An hour keeps its UTC offset, so the repeated hour when clocks go back is two buckets.
    return [
        (
            "hourly",
            policy.keep_hourly,
            lambda m: (local(m).date(), local(m).hour, local(m).utcoffset()),
        ),
        ("daily", policy.keep_daily, lambda m: local(m).date()),
        ("weekly", policy.keep_weekly, lambda m: local(m).isocalendar()[:2]),
        ("monthly", policy.keep_monthly, lambda m: (local(m).year, local(m).month)),
        ("yearly", policy.keep_yearly, lambda m: local(m).year),
    ]


def _newest_per_bucket(
    newest_first: Sequence[Candidate], bucket: Callable[[datetime], Hashable]
) -> list[Candidate]:
    seen: set[Hashable] = set()
    chosen = []
    for candidate in newest_first:
        key = bucket(candidate.created)
        if key not in seen:
            seen.add(key)
            chosen.append(candidate)
    return chosen
