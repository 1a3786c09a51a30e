"""`archiver emulator` as a script would use it: a subprocess on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import run_cli
from tests.helpers import REPO


def test_emulator_command_serves_until_terminated(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [
        sys.executable,
        "-m",
        "archiver",
        "emulator",
        "--port",
        "0",
        "--data",
        str(tmp_path / "data"),
        "--key",
        "cli-key",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        response = requests.get(
            f"{url}/language/authoring/analyze-text/projects",
            params={"api-version": "2023-04-01"},
            headers={"Ocp-Apim-Subscription-Key": "cli-key"},
            timeout=10,
        )
        assert response.status_code == 200
        assert response.json()["value"] == []
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_emulator_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCHIVER_EMULATOR_KEY", raising=False)
    result = run_cli("emulator", "--port", "0")
    assert result.exit_code == 2
    assert "--key" in result.stderr
