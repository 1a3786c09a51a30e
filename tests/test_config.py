from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import adhoc_resource, find_config, load_config
from archiver.errors import ConfigError

GOOD = """
store = "backups"

[resources.eastus]
endpoint = "https://eastus.example.test/"
api_version = "2022-05-01"
key_env = "EASTUS_KEY"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "archiver.toml"
    path.write_text(text)
    return path


def test_resources_and_store_are_read(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD))
    eastus = config.resource("eastus")
    assert eastus.endpoint == "https://eastus.example.test"
    assert eastus.api_version == "2022-05-01"
    assert config.store == tmp_path / "backups"


def test_key_comes_from_the_named_variable(tmp_path: Path) -> None:
    eastus = load_config(_write(tmp_path, GOOD)).resource("eastus")
    assert eastus.read_key({"EASTUS_KEY": "k1"}) == "k1"
    with pytest.raises(ConfigError, match="EASTUS_KEY is not set"):
        eastus.read_key({})


def test_unknown_resource_lists_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown resource 'westus'.*known: eastus"):
        load_config(_write(tmp_path, GOOD)).resource("westus")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("store = 'x'\nbad line", "line 2"),
        ("[resources.a]\nendpoint = 'ftp://x'\nkey_env='K'", "invalid endpoint"),
        ("[resources.a]\nkey_env='K'", "needs an endpoint"),
        ("[resources.a]\nendpoint='https://x'\nkey='secret'", "unknown key 'key'"),
        ("[resources.'a/b']\nendpoint='https://x'", "invalid resource name"),
        ("[resources.a]\nendpoint='https://u:p@x'", "credentials"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, text))


def test_config_lookup_order(tmp_path: Path) -> None:
    local = _write(tmp_path, GOOD)
    explicit = tmp_path / "other.toml"
    assert find_config(explicit, cwd=tmp_path, environ={}) == explicit
    assert find_config(None, cwd=tmp_path, environ={"ARCHIVER_CONFIG": "/x.toml"}) == Path(
        "/x.toml"
    )
    assert find_config(None, cwd=tmp_path, environ={}) == local
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_config(None, cwd=empty, environ={"XDG_CONFIG_HOME": str(empty)}) is None


def test_adhoc_resource_is_named_after_host_and_port() -> None:
    resource = adhoc_resource("http://127.0.0.1:5080", "KEY", None)
    assert (resource.name, resource.api_version) == ("127.0.0.1-5080", "2023-04-01")
