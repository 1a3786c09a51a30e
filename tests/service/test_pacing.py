"""The pacer: the client's own books of the resource's quota, shared by threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.emulator import EmulatorServer
from archiver.errors import ThrottledError
from archiver.service import AuthoringClient, ClientOptions
from archiver.service.pacing import Pacer, Quota
from tests.helpers import single_label

KEY = "pacing-test-key-41c7"
SCALE = 0.01  # the emulator's minute becomes 0.6 s
WINDOW = 60 * SCALE
SLACK = 1.02  # the pacer's margin for time on the way


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _slots(pacer: Pacer, clock: FakeClock, method: str, count: int) -> list[float]:
    """When each of `count` requests issued now would go out."""
    return [clock.now + pacer.reserve(method) for _ in range(count)]


def test_requests_within_the_quota_go_at_once_and_the_next_waits_a_window() -> None:
    clock = FakeClock()
    pacer = Pacer(Quota(writes=3, reads=100), window=60, clock=clock)

    slots = _slots(pacer, clock, "POST", 7)

    assert slots[:3] == [100.0] * 3
    assert slots[3:6] == [pytest.approx(100 + 60 * SLACK)] * 3
    assert slots[6] == pytest.approx(100 + 2 * 60 * SLACK)
    assert (pacer.stats.writes, pacer.stats.reads) == (7, 0)


def test_the_window_slides_with_the_requests_actually_sent() -> None:
    clock = FakeClock()
    pacer = Pacer(Quota(writes=2, reads=100), window=10, clock=clock)
    assert pacer.reserve("POST") == 0
    clock.now += 4
    assert pacer.reserve("POST") == 0

    # The first slot leaves the window 10.2 s after it was taken, the second 4 s later.
    assert pacer.reserve("PUT") == pytest.approx(10 * SLACK - 4)
    clock.now += 20
    assert pacer.reserve("DELETE") == 0


def test_reads_and_writes_have_separate_quotas() -> None:
    clock = FakeClock()
    pacer = Pacer(Quota(writes=1, reads=2), window=60, clock=clock)

    assert pacer.reserve("POST") == 0
    assert [pacer.reserve("GET"), pacer.reserve("GET")] == [0, 0]
    assert pacer.reserve("GET") > 0
    assert pacer.reserve("PATCH") > 0


def test_a_back_off_holds_every_thread_of_that_group() -> None:
    clock = FakeClock()
    pacer = Pacer(Quota(), window=60, clock=clock)

    pacer.back_off("POST", 7.0)
    assert pacer.reserve("POST") == pytest.approx(7.0)
    assert pacer.reserve("GET") == 0

    pacer.back_off(None, 3.0)
    assert pacer.reserve("GET") == pytest.approx(3.0)
    assert pacer.stats.backoffs == 2


def test_threads_reserving_at_once_never_exceed_the_quota_in_any_window() -> None:
    clock = FakeClock()
    pacer = Pacer(Quota(writes=5, reads=100), window=60, clock=clock)
    slots: list[float] = []
    lock = threading.Lock()

    def reserve_many() -> None:
        for _ in range(10):
            slot = clock.now + pacer.reserve("POST")
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=reserve_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    slots.sort()
    assert len(slots) == 80
    # Any six consecutive slots span more than a window: at most five in any window.
    assert all(later - earlier >= 60 for earlier, later in zip(slots, slots[5:], strict=False))


@pytest.mark.parametrize("window", [0.0, -1.0])
def test_a_window_must_be_positive(window: float) -> None:
    with pytest.raises(ValueError, match="pacing window"):
        Pacer(Quota(), window=window)


def test_a_quota_needs_positive_limits() -> None:
    with pytest.raises(ValueError, match="positive limits"):
        Quota(writes=0)


@pytest.fixture
def throttling_emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    """The service's own quota, in an emulator whose minute lasts 0.6 s."""
    with EmulatorServer(tmp_path / "data", KEY) as server:
        client = AuthoringClient(server.url, KEY, "2023-04-01", options=ClientOptions(0))
        for index in range(12):
            client.import_project(f"P{index:02d}", single_label(f"P{index:02d}", documents=1))
        server.scenario = {
            "version": 1,
            "time_scale": SCALE,
            "rate_limits": {"post": 4, "get": 6, "window": 60},
        }
        yield server


def _paced_client(url: str, *, quota: Quota | None) -> AuthoringClient:
    options = ClientOptions(poll_interval=0.01, pacing_window=WINDOW)
    return AuthoringClient(url, KEY, "2023-04-01", options=options, quota=quota)


def test_a_paced_client_keeps_to_the_quota_without_a_single_429(
    throttling_emulator: EmulatorServer,
) -> None:
    client = _paced_client(throttling_emulator.url, quota=Quota(writes=4, reads=6))
    started = time.monotonic()

    names = [p["projectName"] for p in client.list_projects()]
    for name in names[:5]:
        client.export_project(name)

    # The fifth POST had to wait for the first to leave the window.
    assert time.monotonic() - started >= WINDOW
    assert client.pacer is not None
    assert client.pacer.stats.backoffs == 0
    assert client.pacer.stats.writes == 5
    assert len(names) == 12


def test_a_client_paced_above_the_real_quota_backs_off_by_retry_after_and_recovers(
    throttling_emulator: EmulatorServer,
) -> None:
    client = _paced_client(throttling_emulator.url, quota=Quota(writes=100, reads=100))

    # Eight reads in one window of six: 429 with a Retry-After under a second, then fine.
    for _ in range(8):
        assert client.get_project("P00") is not None

    assert client.pacer is not None
    assert client.pacer.stats.backoffs >= 1


def test_a_client_that_keeps_hitting_429_gives_up_as_throttled(tmp_path: Path) -> None:
    with EmulatorServer(tmp_path / "data", KEY) as server:
        server.scenario = {
            "version": 1,
            "time_scale": SCALE,
            "faults": [{"action": "respond", "status": 429, "retry_after": 1}],
        }
        options = ClientOptions(poll_interval=0, pacing_window=WINDOW, retries=2)
        client = AuthoringClient(server.url, KEY, "2023-04-01", options=options, quota=Quota())

        with pytest.raises(ThrottledError, match="429 TooManyRequests"):
            client.list_projects()
        assert client.pacer is not None
        assert client.pacer.stats.backoffs == 2
