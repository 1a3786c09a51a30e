"""Interrupted and concurrent writers never leave damage in the store."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from archiver.fsutil import this_host
from archiver.maintenance import verify
from archiver.snapshot import Snapshot
from archiver.store import Store
from tests.helpers import make_snapshot, single_label


def _write_until_killed(store: Store, snapshot: Snapshot, ready: int) -> None:
    """The child's part: signal readiness, then write snapshots until SIGKILL arrives."""
    try:
        os.write(ready, b"x")
        while True:
            store.write(snapshot)
    finally:
        os._exit(0)


@pytest.mark.slow
def test_killing_writers_at_random_leaves_only_whole_snapshots(tmp_path: Path) -> None:
    rng = random.Random(20261204)
    store = Store(tmp_path)
    snapshot = make_snapshot(single_label("Big", documents=5000))
    store.write(snapshot)
    for _ in range(50):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            _write_until_killed(store, snapshot, write_end)
        assert os.read(read_end, 1) == b"x"
        time.sleep(rng.uniform(0.02, 0.25))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        os.close(write_end)

    entries = store.entries()
    assert all(result.ok for result in verify(entries))

    # What the killed writers left are temporary files only, removed by the next writer.
    directory = entries[0].path.parent
    leftovers = [p for p in directory.iterdir() if not p.name.endswith(".json.zst")]
    assert all(p.name.startswith(f".tmp-{this_host()}-") for p in leftovers)
    store.write(store.read(entries[0].path))
    assert [p for p in directory.iterdir() if p.name.startswith(".tmp-")] == []
