from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archiver.errors import StoreBusyError
from archiver.fsutil import this_host
from archiver.locks import LOCK_NAME, _take_over, project_lock, read_lock, remove_lock


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _plant(directory: Path, *, host: str, pid: int) -> Path:
    path = directory / LOCK_NAME
    info = {
        "host": host,
        "pid": pid,
        "command": "export",
        "started": "2026-12-01T00:00:00Z",
        "refreshed": "2026-12-01T00:00:00Z",
        "token": "abc",
    }
    path.write_text(json.dumps(info))
    return path


def test_lock_records_its_holder_and_is_released(tmp_path: Path) -> None:
    with project_lock(tmp_path, command="export") as info:
        held = read_lock(tmp_path / LOCK_NAME)
        assert held == info
        assert (held.host, held.pid, held.command) == (this_host(), os.getpid(), "export")
    assert not (tmp_path / LOCK_NAME).exists()


def test_second_holder_is_told_who_holds_it(tmp_path: Path) -> None:
    with (
        project_lock(tmp_path, command="export"),
        pytest.raises(StoreBusyError) as caught,
        project_lock(tmp_path, command="prune"),
    ):
        pass
    message = caught.value.message
    assert f"host {this_host()}, pid {os.getpid()} (export)" in message
    assert caught.value.exit_code == 8


def test_waiting_gets_the_lock_once_released(tmp_path: Path) -> None:
    released = threading.Event()

    def hold() -> None:
        with project_lock(tmp_path, command="export"):
            released.wait(5)
            time.sleep(0.3)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.1)
    released.set()
    with project_lock(tmp_path, command="prune", wait=10) as info:
        assert info.command == "prune"
    holder.join()


def test_lock_of_a_dead_local_process_is_taken_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _plant(tmp_path, host=this_host(), pid=_dead_pid())
    with caplog.at_level(logging.WARNING), project_lock(tmp_path, command="export") as info:
        assert info.pid == os.getpid()
    assert "took over the lock" in caplog.text


def test_lock_from_another_host_is_never_broken(tmp_path: Path) -> None:
    path = _plant(tmp_path, host="some-other-host", pid=_dead_pid())
    busy = pytest.raises(StoreBusyError, match="host some-other-host")
    with busy, project_lock(tmp_path, command="export", wait=0.2):
        pass
    held = read_lock(path)
    assert held is not None and held.host == "some-other-host"


def test_unreadable_lock_counts_as_held(tmp_path: Path) -> None:
    (tmp_path / LOCK_NAME).write_text("{half")
    busy = pytest.raises(StoreBusyError, match="host unknown")
    with busy, project_lock(tmp_path, command="export"):
        pass


def test_lock_is_refreshed_while_held(tmp_path: Path) -> None:
    with project_lock(tmp_path, command="export", refresh=0.05) as info:
        path = tmp_path / LOCK_NAME
        data = json.loads(path.read_text())
        data["refreshed"] = "2000-01-01T00:00:00Z"
        path.write_text(json.dumps(data))
        time.sleep(0.3)
        refreshed = read_lock(path)
        assert refreshed is not None and refreshed.token == info.token
        assert refreshed.refreshed != "2000-01-01T00:00:00Z"


def test_remove_lock_refuses_a_live_local_holder(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        path = _plant(tmp_path, host=this_host(), pid=sleeper.pid)
        with pytest.raises(StoreBusyError, match="running process"):
            remove_lock(path)
        assert path.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_lock(path) is not None
    assert not path.exists()


def test_taking_over_never_steals_a_lock_renewed_in_between(tmp_path: Path) -> None:
    # Run A read a dead holder's lock; before A moves it, run B took it over and wrote its own.
    stale = _plant(tmp_path, host=this_host(), pid=_dead_pid())
    dead_holder = read_lock(stale)
    assert dead_holder is not None
    with project_lock(tmp_path, command="export") as fresh:
        _take_over(tmp_path / LOCK_NAME, dead_holder)
        held = read_lock(tmp_path / LOCK_NAME)
        assert held is not None and held.token == fresh.token
