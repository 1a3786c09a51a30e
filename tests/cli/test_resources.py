"""`archiver resources`: what the config names, with every key masked."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from archiver.errors import ConfigError
from tests.conftest import PRIMARY_KEY, SECONDARY_KEY, run_cli

CONFIG = """store = "backups"

[resources.eastus]
endpoint = "https://eastus.example.test"
key_env = "EASTUS_KEY"
max_concurrency = 4

[resources.westus]
endpoint = "https://westus.example.test"
api_version = "2022-05-01"
key_file = "keys/westus.key"
post_per_minute = 5

[resources.central]
endpoint = "https://central.example.test"
auth = "azure-identity"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "keys").mkdir()
    key_file = tmp_path / "keys" / "westus.key"
    key_file.write_text(SECONDARY_KEY + "\n")
    key_file.chmod(0o600)
    path = tmp_path / "archiver.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("EASTUS_KEY", PRIMARY_KEY)
    # Whether or not azure-identity is installed here, the listing says it is not.
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    return path


def test_resources_are_listed_with_where_each_key_comes_from(config: Path) -> None:
    result = run_cli("resources", "--config", str(config))

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "NAME",
        "ENDPOINT",
        "API-VERSION",
        "CONCURRENCY",
        "POST/MIN",
        "GET/MIN",
        "CREDENTIAL",
    ]
    assert lines[1].startswith("central  https://central.example.test  2023-04-01")
    assert "azure-identity (unusable: auth = 'azure-identity' needs" in lines[1]
    assert lines[2].split()[:7] == [
        "eastus",
        "https://eastus.example.test",
        "2023-04-01",
        "4",
        "10",
        "100",
        "key_env",
    ]
    assert lines[2].endswith("key_env EASTUS_KEY (set)")
    assert lines[3].endswith(f"key_file {config.parent / 'keys/westus.key'} (set)")
    assert PRIMARY_KEY not in result.stdout + result.stderr
    assert SECONDARY_KEY not in result.stdout + result.stderr


def test_a_missing_or_exposed_key_is_shown_as_such(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EASTUS_KEY")
    (config.parent / "keys" / "westus.key").chmod(0o644)

    result = run_cli("resources", "--config", str(config), "--json")

    assert result.exit_code == 0, result.stderr
    credentials = {r["name"]: r["credential"] for r in result.json()["resources"]}
    assert credentials["eastus"] == {"kind": "key_env", "where": "EASTUS_KEY", "status": "missing"}
    assert credentials["westus"]["status"].startswith(
        "unusable: key file " + str(config.parent / "keys/westus.key") + " is open to group"
    )
    assert SECONDARY_KEY not in result.stdout


def test_resources_json_document(config: Path, golden: Callable[[str, str], None]) -> None:
    result = run_cli("resources", "--config", str(config), "--json")

    assert result.exit_code == 0, result.stderr
    golden("resources.json", result.stdout.replace(str(config.parent), "<root>"))


def test_without_a_config_file_resources_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = run_cli("resources", "--json")

    assert result.exit_code == ConfigError.exit_code
    assert result.json()["error"]["message"].startswith("no config file: pass --config FILE")


def test_a_broken_config_is_reported_not_listed(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text('[resources.eastus]\nendpoint = "http://eastus.example.test"\nkey_env = "K"\n')

    result = run_cli("resources", "--config", str(path))

    assert result.exit_code == ConfigError.exit_code
    assert f"{path}, line 2: [resources.eastus] endpoint" in result.stderr
    assert result.stdout == ""
