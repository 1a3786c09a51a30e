"""Fixtures: emulators on loopback, a config that names them, the CLI in-process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from archiver.cli import app
from archiver.emulator import EmulatorServer

# Recognisable, so a test can prove it never leaks into output or files.
PRIMARY_KEY = "canary-primary-5f1e2d3c4b5a"
SECONDARY_KEY = "canary-secondary-9a8b7c6d5e4f"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def _invoke(args: list[str]) -> CliResult:
    result = CliRunner().invoke(app, args)
    # Anything but a clean exit is a bug the CLI failed to turn into a status.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


@dataclass
class Workspace:
    """A working directory with a config naming two emulated regions and a store."""

    root: Path
    config: Path
    store: Path
    primary: EmulatorServer
    secondary: EmulatorServer

    def run(self, *args: str) -> CliResult:
        return _invoke([*args, "--config", str(self.config)])


def run_cli(*args: str) -> CliResult:
    return _invoke(list(args))


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the config, store or keys of the machine it runs on."""
    for name in ("ARCHIVER_CONFIG", "ARCHIVER_STORE", "ARCHIVER_POLL_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))


@pytest.fixture
def primary(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(tmp_path / "primary-data", PRIMARY_KEY) as server:
        yield server


@pytest.fixture
def secondary(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(tmp_path / "secondary-data", SECONDARY_KEY) as server:
        yield server


@pytest.fixture
def workspace(
    tmp_path: Path,
    primary: EmulatorServer,
    secondary: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Workspace:
    store = tmp_path / "backups"
    config = tmp_path / "archiver.toml"
    config.write_text(
        f'store = "{store}"\n\n'
        f'[resources.eastus]\nendpoint = "{primary.url}"\nkey_env = "EASTUS_KEY"\n\n'
        f'[resources.westus]\nendpoint = "{secondary.url}"\nkey_env = "WESTUS_KEY"\n'
        f'api_version = "2022-05-01"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("EASTUS_KEY", PRIMARY_KEY)
    monkeypatch.setenv("WESTUS_KEY", SECONDARY_KEY)
    monkeypatch.setenv("ARCHIVER_POLL_INTERVAL", "0.01")
    monkeypatch.delenv("ARCHIVER_STORE", raising=False)
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path, config, store, primary, secondary)


def seed(server: EmulatorServer, key: str, *projects: dict[str, object]) -> None:
    """Import project files into an emulator through the real client."""
    from archiver.service import AuthoringClient, ClientOptions

    client = AuthoringClient(server.url, key, "2023-04-01", options=ClientOptions(poll_interval=0))
    for project in projects:
        metadata = project["metadata"]
        assert isinstance(metadata, dict)
        client.import_project(str(metadata["projectName"]), project)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="Rewrite golden files from actual output."
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/NAME, or rewrite it with --update-golden."""
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, actual: str) -> None:
        path = Path(__file__).parent / "golden" / name
        if update:
            path.parent.mkdir(exist_ok=True)
            path.write_text(actual, encoding="utf-8")
        assert path.is_file(), f"no golden file {path}: run pytest --update-golden"
        assert actual == path.read_text(encoding="utf-8")

    return check
