"""`archiver config check`: every problem of the config file, each on its line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from archiver.errors import ConfigError
from tests.conftest import run_cli

BROKEN = """store = "backups"
retention = "7d"

[resources.eastus]
endpoint = "http://eastus.example.test"
key_env = "EASTUS_KEY"
max_concurrency = 0

[resources.westus]
endpoint = "https://westus.example.test"
key_file = "westus.key"

[resources.central]
endpoint = "https://central.example.test"
auth = "azure-identity"
key_env = "CENTRAL_KEY"

[resources.north]
endpoint = "https://north.example.test"
key_env = "NORTH_KEY"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "archiver.toml"
    path.write_text(text)
    return path


def test_a_good_config_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, 'store = "backups"\n\n' + BROKEN.split("\n\n")[-1])
    monkeypatch.setenv("NORTH_KEY", "north-key-0123456789")

    result = run_cli("config", "check", "--config", str(path))

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"{path}: ok: 1 resources (north); store {tmp_path / 'backups'}\n"


def test_every_problem_is_listed_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, BROKEN)

    result = run_cli("config", "check", "--config", str(path))

    assert result.exit_code == ConfigError.exit_code
    assert result.stdout.splitlines() == [
        f"{path}, line 2: unknown key 'retention' (known: resources, store)",
        f"{path}, line 5: [resources.eastus] endpoint: http://eastus.example.test: use https://"
        " (plain http is allowed only to this machine's loopback addresses)",
        f"{path}, line 7: [resources.eastus] max_concurrency must be a whole number, 1 to 64",
        f"{path}, line 16: [resources.central] auth = 'azure-identity' takes no key_env",
        f"{path}, line 11: [resources.westus] key file {tmp_path / 'westus.key'} does not exist",
        f"{path}, line 20: [resources.north] environment variable NORTH_KEY is not set",
    ]
    assert result.stderr == f"archiver: {path}: 6 problems\n"


def test_problems_as_a_json_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, golden: Callable[[str, str], None]
) -> None:
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    path = _write(tmp_path, BROKEN.replace('key_env = "CENTRAL_KEY"\n', ""))

    result = run_cli("config", "check", "--config", str(path), "--json")

    assert result.exit_code == ConfigError.exit_code
    document = result.json()
    assert document["ok"] is False
    assert document["resources"] == ["central", "north", "westus"]
    golden("config-check-problems.json", result.stdout.replace(str(tmp_path), "<root>"))


def test_a_syntax_error_names_its_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, 'store = "backups"\n\n[resources.eastus\nendpoint = "x"\n')

    result = run_cli("config", "check", "--config", str(path))

    assert result.exit_code == ConfigError.exit_code
    assert result.stdout.startswith(f"{path}, line 3: not valid TOML: ")
    assert "(column " in result.stdout


def test_the_config_is_found_through_archiver_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, BROKEN)
    monkeypatch.setenv("ARCHIVER_CONFIG", str(path))

    result = run_cli("config", "check", "--json")

    assert result.exit_code == ConfigError.exit_code
    assert result.json()["config"] == str(path)


def test_no_config_file_anywhere_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = run_cli("config", "check")

    assert result.exit_code == ConfigError.exit_code
    assert "no config file" in result.stderr
