"""Helpers the demo and the sample-store script share: emulators and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

PROJECTS = Path(__file__).resolve().parent / "projects"
API = "language/authoring/analyze-text/projects"
API_VERSION = "2023-04-01"


@dataclass
class Emulator:
    """An `archiver emulator` subprocess on a free loopback port."""

    process: subprocess.Popen[str]
    url: str
    key: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_emulator(data: Path, key: str, *, job_delay: float = 0.0) -> Emulator:
    command = [
        sys.executable,
        "-m",
        "archiver",
        "emulator",
        "--port",
        "0",
        "--data",
        str(data),
        "--job-delay",
        str(job_delay),
        "--quiet",
    ]
    environment = {**os.environ, "ARCHIVER_EMULATOR_KEY": key}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    url = line.split()[-1] if line else ""
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise RuntimeError(f"the emulator did not start (it said {line!r})")
    return Emulator(process, url, key)


def import_project_file(emulator: Emulator, path: Path) -> str:
    """Import a project file straight through the API, as a portal user would."""
    project = json.loads(path.read_text(encoding="utf-8"))
    name = project["metadata"]["projectName"]
    headers = {"Ocp-Apim-Subscription-Key": emulator.key}
    url = f"{emulator.url}/{API}/{name}/:import?api-version={API_VERSION}"
    response = requests.post(url, json=project, headers=headers, timeout=30)
    response.raise_for_status()

    job_url = response.headers["operation-location"]
    for _ in range(600):
        status = requests.get(job_url, headers=headers, timeout=30).json()["status"]
        if status not in {"notStarted", "running"}:
            break
        time.sleep(0.1)
    if status != "succeeded":
        raise RuntimeError(f"import of {path.name} ended {status}")
    return str(name)


def write_config(path: Path, store: Path, resources: dict[str, tuple[Emulator, str]]) -> None:
    lines = [f'store = "{store}"', ""]
    for name, (emulator, key_env) in resources.items():
        lines += [
            f"[resources.{name}]",
            f'endpoint = "{emulator.url}"',
            f'api_version = "{API_VERSION}"',
            f'key_env = "{key_env}"',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def archiver(*args: str, config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the archiver CLI as a user would, capturing its output."""
    command = [sys.executable, "-m", "archiver", *args, "--config", str(config)]
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
