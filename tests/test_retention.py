from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from archiver.errors import UsageError
from archiver.retention import Candidate, Decision, Policy, apply_policy, parse_duration
from archiver.store import Store
from tests.helpers import make_snapshot

BERLIN = ZoneInfo("Europe/Berlin")


def _nightly(start: datetime, days: int, step: timedelta = timedelta(days=1)) -> list[Candidate]:
    return [Candidate(f"s{i:03d}", start + i * step) for i in range(days)]


def _render(decisions: list[Decision], zone: ZoneInfo = BERLIN) -> str:
    lines = []
    for decision in decisions:
        local = decision.candidate.created.astimezone(zone).isoformat()
        verdict = "keep  " if decision.keep else "remove"
        lines.append(f"{verdict} {local} {', '.join(decision.reasons)}".rstrip())
    return "\n".join(lines) + "\n"


def test_daily_weekly_monthly_over_a_year(golden: Callable[[str, str], None]) -> None:
    candidates = _nightly(datetime(2025, 12, 1, 1, 30, tzinfo=UTC), 370)
    policy = Policy(keep_daily=7, keep_weekly=4, keep_monthly=12)
    decisions = apply_policy(candidates, policy, BERLIN)
    assert sum(d.keep for d in decisions) == 7 + 2 + 10
    golden("retention-daily-weekly-monthly.txt", _render(decisions))


def test_hourly_across_the_autumn_clock_change(golden: Callable[[str, str], None]) -> None:
    # 2026-10-25 03:00 CEST becomes 02:00 CET: the local hour 02:00-03:00 happens twice.
    start = datetime(2026, 10, 24, 22, 15, tzinfo=UTC)
    candidates = _nightly(start, 10, step=timedelta(minutes=30))
    decisions = apply_policy(candidates, Policy(keep_hourly=4), BERLIN)
    kept = [d.candidate.created.astimezone(BERLIN) for d in decisions if d.keep]
    assert [(k.hour, k.minute, k.utcoffset()) for k in kept] == [
        (3, 45, timedelta(hours=1)),
        (2, 45, timedelta(hours=1)),
        (2, 45, timedelta(hours=2)),
        (1, 45, timedelta(hours=2)),
    ]
    golden("retention-hourly-dst.txt", _render(decisions))


def test_daily_across_the_spring_clock_change(golden: Callable[[str, str], None]) -> None:
    # At 00:30 UTC nightly, Berlin's local day is the next day in summer, the same in winter.
    candidates = _nightly(datetime(2026, 3, 25, 22, 30, tzinfo=UTC), 7)
    decisions = apply_policy(candidates, Policy(keep_daily=3), BERLIN)
    kept = [d.candidate.created.astimezone(BERLIN).date().isoformat() for d in decisions if d.keep]
    assert kept == ["2026-04-01", "2026-03-31", "2026-03-30"]
    golden("retention-daily-spring.txt", _render(decisions))


def test_two_snapshots_in_one_second_are_both_judged(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with freeze_time("2026-12-04T02:00:00Z"):
        first = store.write(make_snapshot())
        second = store.write(make_snapshot())
    assert first != second
    entries = store.entries()
    candidates = [Candidate(str(e.path), store.read(e.path).created) for e in entries]
    decisions = apply_policy(candidates, Policy(keep_last=1), UTC)
    assert [d.keep for d in decisions] == [True, False]


def test_newest_and_pinned_are_always_kept() -> None:
    candidates = _nightly(datetime(2026, 1, 1, tzinfo=UTC), 5)
    candidates[1] = Candidate("pinned", candidates[1].created, pinned=True)
    decisions = apply_policy(candidates, Policy(keep_tags=frozenset({"none"})), UTC)
    kept = {d.candidate.key: d.reasons for d in decisions if d.keep}
    assert kept == {"s004": ("newest",), "pinned": ("pinned",)}


def test_keep_within_counts_back_from_the_newest_snapshot() -> None:
    candidates = _nightly(datetime(2026, 1, 1, tzinfo=UTC), 10)
    decisions = apply_policy(candidates, Policy(keep_within=timedelta(days=3)), UTC)
    assert [d.candidate.key for d in decisions if d.keep] == ["s009", "s008", "s007", "s006"]


def test_tags_are_kept_and_reasons_accumulate() -> None:
    candidates = [
        Candidate("a", datetime(2026, 1, 1, tzinfo=UTC), tags=("release",)),
        Candidate("b", datetime(2026, 1, 2, tzinfo=UTC)),
    ]
    policy = Policy(keep_last=2, keep_tags=frozenset({"release"}))
    reasons = {d.candidate.key: d.reasons for d in apply_policy(candidates, policy, UTC)}
    assert reasons == {"b": ("newest", "last"), "a": ("tag release", "last")}


def test_empty_policy_is_refused() -> None:
    with pytest.raises(UsageError, match="empty policy"):
        apply_policy(_nightly(datetime(2026, 1, 1, tzinfo=UTC), 2), Policy(), UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("36h", timedelta(hours=36)), ("2w", timedelta(days=14)), ("1y6mo", timedelta(days=545))],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "3 days", "-1d", "1d2y", "6m", "0d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UsageError, match="invalid duration"):
        parse_duration(text)
