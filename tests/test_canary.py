"""Canary: recognisable keys run through every command that matters, and never come out.

The keys of both emulated regions, and a wrong key, are looked for in everything a run
leaves: stdout, stderr, log files, snapshots (decompressed), lock files while they are
held, and every other file under the test's directory. The scenario runs twice: with
the last line of defence (redacting known secrets from logs and errors) and without
it, so that the first lines (keys only ever in one header) are proven on their own.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard

from archiver.service import auth
from tests.conftest import PRIMARY_KEY, SECONDARY_KEY, CliResult, Workspace, seed
from tests.helpers import entity_project, single_label

WRONG_KEY = "canary-wrong-0d9c8b7a6f5e"
CANARIES = (PRIMARY_KEY, SECONDARY_KEY, WRONG_KEY)


class LockWatcher:
    """Reads every lock file of the store while the scenario runs."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> LockWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.002):
            for lock in self.store.glob("*/*/.lock"):
                with contextlib.suppress(OSError):
                    self.seen.append(lock.read_text())


@pytest.fixture(params=["redaction on", "redaction off"])
def redaction(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "redaction off":
        monkeypatch.setattr(auth, "_secrets", set())
        monkeypatch.setattr(auth, "_MIN_SECRET_LENGTH", 10**6)
    yield request.param


def _scenario(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> list[CliResult]:
    log_file = workspace.root / "logs" / "nightly.log"
    log_file.parent.mkdir()
    # Commands without a --log-file option write their log there too.
    monkeypatch.setenv("ARCHIVER_LOG_FILE", str(workspace.root / "logs" / "every-command.log"))
    run = workspace.run
    results = [
        run("export", "Tickets", "--from", "eastus", "-vv", "--log-file", str(log_file)),
        run("export", "--all", "--from", "eastus", "--from", "westus", "--json", "--debug"),
        run("list"),
        run("list", "--json", "-vv"),
        run("show", "eastus/Tickets@latest"),
        run("show", "westus/Tickets@latest", "--json", "--debug"),
        run("show", "eastus/Tickets@latest", "--project-file"),
        run("diff", "eastus/Tickets@~1", "eastus/Tickets@latest", "-vv"),
        run("diff", "eastus:Tickets", "eastus/Tickets@latest", "--json"),
        run("restore", "eastus/Tickets", "--to", "westus", "-vv"),
        run("restore", "eastus/Tickets", "--to", "westus", "--overwrite", "--debug", "-vv"),
        run("restore", "eastus/Leases", "--to", "westus", "--as", "LeasesCopy", "--json"),
        run("verify", "-vv"),
        run("resources", "--json"),
        run("config", "check"),
    ]

    monkeypatch.setenv("EASTUS_KEY", WRONG_KEY)
    results += [
        run("export", "Tickets", "--from", "eastus", "--debug", "-vv", "--log-file", str(log_file)),
        run("export", "--all", "--from", "eastus", "--json", "-vv"),
        run("diff", "eastus:Tickets", "eastus/Tickets@latest", "--debug"),
        run("restore", "westus/Tickets", "--to", "eastus", "--overwrite", "--json", "--debug"),
    ]
    return results


def _statuses(results: list[CliResult]) -> list[int]:
    return [result.exit_code for result in results]


def _files(root: Path) -> Iterator[tuple[Path, bytes]]:
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.name.endswith(".zst"):
            data = zstandard.ZstdDecompressor().decompress(data)
        yield path, data


def test_no_key_appears_in_any_output_log_snapshot_or_lock(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, redaction: str
) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"), entity_project("Leases"))
    seed(workspace.secondary, SECONDARY_KEY, single_label("Tickets", documents=2))
    # Slow exports keep each lock held long enough to be read.
    workspace.primary.scenario = {"version": 1, "job_durations": {"export": 0.05}}

    with LockWatcher(workspace.store) as locks:
        results = _scenario(workspace, monkeypatch)

    # The commands really ran: successes, a conflict, and the wrong key's failures.
    assert _statuses(results) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 6, 6, 6, 6]
    assert locks.seen, "no lock file was seen while exports ran"
    assert "Unauthorized" in results[-4].stderr and "Traceback" in results[-4].stderr
    assert (workspace.root / "logs" / "nightly.log").stat().st_size > 0
    snapshots = list(workspace.store.rglob("*.json.zst"))
    assert len(snapshots) >= 5

    for index, result in enumerate(results):
        for canary in CANARIES:
            assert canary not in result.stdout, f"stdout of run {index}"
            assert canary not in result.stderr, f"stderr of run {index}"
    for text in locks.seen:
        assert not any(canary in text for canary in CANARIES)
    for path, data in _files(workspace.root):
        if path == workspace.config:
            continue
        for canary in CANARIES:
            assert canary.encode() not in data, f"{canary} in {path}"
