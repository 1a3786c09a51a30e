"""Export and the store's locks: busy, waiting, stale locks, unchanged projects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from archiver.emulator import EmulatorServer
from archiver.fsutil import this_host
from archiver.locks import LOCK_NAME
from archiver.store import Store
from tests.conftest import PRIMARY_KEY, Workspace, seed
from tests.helpers import REPO, single_label


def _plant_lock(workspace: Workspace, project: str, host: str, pid: int) -> Path:
    directory = workspace.store / "eastus" / project
    directory.mkdir(parents=True)
    path = directory / LOCK_NAME
    path.write_text(
        json.dumps(
            {
                "host": host,
                "pid": pid,
                "command": "export",
                "started": "2026-12-01T00:00:00Z",
                "refreshed": "2026-12-01T00:00:00Z",
                "token": "t",
            }
        )
    )
    return path


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_skip_unchanged_writes_nothing_new(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    assert workspace.run("export", "Tickets", "--from", "eastus").exit_code == 0

    result = workspace.run("export", "Tickets", "--from", "eastus", "--skip-unchanged")

    assert result.exit_code == 0, result.stderr
    assert "unchanged since this snapshot; nothing written" in result.stdout
    assert len(Store(workspace.store).entries()) == 1

    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets", documents=4))
    assert workspace.run("export", "Tickets", "--from", "eastus", "--skip-unchanged").exit_code == 0
    assert len(Store(workspace.store).entries()) == 2


def test_lock_from_another_host_makes_export_busy(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    lock = _plant_lock(workspace, "Tickets", "other-host", 4242)

    result = workspace.run("export", "Tickets", "--from", "eastus")

    assert result.exit_code == 8
    assert "locked by host other-host, pid 4242 (export)" in result.stderr
    assert lock.exists()
    assert Store(workspace.store).entries() == []


def test_stale_local_lock_is_taken_over(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    lock = _plant_lock(workspace, "Tickets", this_host(), _dead_pid())

    result = workspace.run("export", "Tickets", "--from", "eastus")

    assert result.exit_code == 0, result.stderr
    assert "took over the lock" in result.stderr
    assert not lock.exists()
    assert len(Store(workspace.store).entries()) == 1


def test_two_exports_at_once_one_busy_then_both_with_waiting(
    tmp_path: Path, workspace: Workspace
) -> None:
    slow = EmulatorServer(tmp_path / "slow-data", PRIMARY_KEY, job_delay=1.5).start()
    try:
        seed(slow, PRIMARY_KEY, single_label("Tickets"))
        environment = {**os.environ, "PYTHONPATH": str(REPO), "EASTUS_KEY": PRIMARY_KEY}
        command = [
            sys.executable,
            "-m",
            "archiver",
            "export",
            "Tickets",
            "--endpoint",
            slow.url,
            "--key-env",
            "EASTUS_KEY",
            "--store",
            str(workspace.store),
        ]

        def run_pair(*extra: str) -> list[subprocess.CompletedProcess[str]]:
            processes = [
                subprocess.Popen(
                    [*command, *extra],
                    env=environment,
                    text=True,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                for _ in range(2)
            ]
            return [
                subprocess.CompletedProcess(p.args, p.wait(60), *p.communicate()) for p in processes
            ]

        first = run_pair()
        assert sorted(p.returncode for p in first) == [0, 8]
        busy = next(p for p in first if p.returncode == 8)
        assert "is locked by host" in busy.stderr

        second = run_pair("--wait-lock", "30")
        assert [p.returncode for p in second] == [0, 0]
        assert len(Store(workspace.store).entries()) == 3
    finally:
        slow.stop()


def test_skip_unchanged_still_writes_when_only_the_models_changed(workspace: Workspace) -> None:
    from archiver.service import AuthoringClient, ClientOptions

    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    assert workspace.run("export", "Tickets", "--from", "eastus").exit_code == 0
    client = AuthoringClient(
        workspace.primary.url, PRIMARY_KEY, "2023-04-01", options=ClientOptions(poll_interval=0)
    )
    client.train("Tickets", "v1", "2022-05-01")

    result = workspace.run("export", "Tickets", "--from", "eastus", "--skip-unchanged")

    assert result.exit_code == 0, result.stderr
    store = Store(workspace.store)
    assert len(store.entries()) == 2
    models = store.read(store.entries()[-1].path).models
    assert models is not None and [m.label for m in models] == ["v1"]
