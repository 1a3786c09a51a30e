"""`make demo` tells the whole story and leaves no process behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, str(REPO / "demo" / "run.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env=environment,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    steps = [line for line in result.stdout.splitlines() if line.startswith("==> ")]
    assert len(steps) == 10
    assert "    no differences" in result.stdout
    assert "  + Security" in result.stdout
    store = tmp_path / "demo-run" / "backups"
    assert len(list(store.glob("*/*/*.json.zst"))) == 5

    leftover = subprocess.run(
        ["pgrep", "-f", "--", f"--data {tmp_path}"], capture_output=True, text=True, check=False
    )
    assert (leftover.returncode, leftover.stdout) == (1, "")
