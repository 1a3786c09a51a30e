from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from archiver.config import (
    adhoc_resource,
    check_config,
    clean_endpoint,
    find_config,
    load_config,
)
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
        ("store = 'x'\nbad line", "line 2: not valid TOML"),
        ("[resources.a]\nendpoint = 'ftp://x'\nkey_env='K'", "line 2: .*invalid endpoint"),
        ("[resources.a]\nkey_env='K'", "line 1: .*needs an endpoint"),
        ("[resources.a]\nendpoint='https://x'\nkey='secret'", "line 3: .*unknown key 'key'"),
        ("[resources.'a/b']\nendpoint='https://x'", "line 1: invalid resource name"),
        ("[resources.a]\nendpoint='https://u:p@x'\nkey_env='K'", "line 2: .*credentials"),
        ("[resources.a]\nendpoint='http://x.test'\nkey_env='K'", "line 2: .*use https://"),
        ("[resources.a]\nendpoint='https://x'", "line 1: .*names no credentials"),
        ("[resources.a]\nendpoint='https://x'\nkey_env='K'\nkey_file='k'", "line 4: .*not both"),
        ("[resources.a]\nendpoint='https://x'\nkey_env='K'\napi_version='1'", "unsupported"),
        ("[resources.a]\nendpoint='https://x'\nkey_env='K'\nauth='magic'", "line 4: .*auth"),
        ("[resources.a]\nendpoint='https://x'\nkey_env='K K'", "line 3: .*name a variable"),
        ("stor = 'x'", "line 1: unknown key 'stor'"),
        ("store = 3", "line 1: 'store' must be"),
        ("resources = 3", "line 1: .*must hold tables"),
    ],
)
def test_bad_config_is_a_clear_error_naming_the_line(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("max_concurrency", "0"),
        ("max_concurrency", "65"),
        ("max_concurrency", "'4'"),
        ("post_per_minute", "0"),
        ("get_per_minute", "true"),
        ("get_per_minute", "1.5"),
    ],
)
def test_limits_must_be_whole_numbers_in_range(tmp_path: Path, key: str, value: str) -> None:
    text = f"{GOOD}{key} = {value}\n"
    with pytest.raises(ConfigError, match=f"line 8: \\[resources.eastus\\] {key} must be"):
        load_config(_write(tmp_path, text))


def test_limits_have_the_service_quota_as_defaults_and_can_be_lowered(tmp_path: Path) -> None:
    eastus = load_config(_write(tmp_path, GOOD)).resource("eastus")
    assert (eastus.max_concurrency, eastus.post_per_minute, eastus.get_per_minute) == (10, 10, 100)

    text = GOOD + "max_concurrency = 2\npost_per_minute = 5\nget_per_minute = 50\n"
    eastus = load_config(_write(tmp_path, text)).resource("eastus")
    assert (eastus.max_concurrency, eastus.quota.writes, eastus.quota.reads) == (2, 5, 50)


def test_check_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    text = """store = "backups"

[resources.eastus]
endpoint = "http://eastus.example.test"
key_env = "EASTUS_KEY"

[ resources . "westus" ]
endpoint = "https://westus.example.test"
key_env = "WESTUS_KEY"
max_concurrency = 0

[resources.central]
endpoint = "https://central.example.test"
key_env = "CENTRAL_KEY"
"""
    path = _write(tmp_path, text)

    config, problems = check_config(path, environ={"CENTRAL_KEY": "central-key-1234"})

    assert [(p.line, p.message.split(" ")[0]) for p in problems] == [
        (4, "[resources.eastus]"),
        (10, "[resources.westus]"),
    ]
    assert list(config.resources) == ["central"]
    with pytest.raises(ConfigError, match=r"line 4: .* \(and 1 more: see archiver config check\)"):
        load_config(path)


def test_check_reports_a_credential_this_environment_cannot_provide(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)

    _, problems = check_config(path, environ={})
    assert [(p.line, p.message) for p in problems] == [
        (7, "[resources.eastus] environment variable EASTUS_KEY is not set")
    ]
    assert check_config(path, environ={"EASTUS_KEY": "k1"})[1] == []
    assert check_config(path, environ={}, credentials=False)[1] == []


def test_a_key_file_relative_to_the_config_is_read(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    key_file = tmp_path / "keys" / "eastus.key"
    key_file.write_text("file-key-0123456789\n")
    key_file.chmod(0o600)
    text = GOOD.replace('key_env = "EASTUS_KEY"', 'key_file = "keys/eastus.key"')

    eastus = load_config(_write(tmp_path, text)).resource("eastus")

    assert eastus.key_file == key_file
    assert eastus.read_key({}) == "file-key-0123456789"
    assert eastus.credential_source == f"key_file {key_file}"
    assert eastus.credential_status() == "set"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o666])
def test_a_key_file_others_can_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    key_file = tmp_path / "eastus.key"
    key_file.write_text("file-key-0123456789")
    key_file.chmod(mode)
    text = GOOD.replace('key_env = "EASTUS_KEY"', 'key_file = "eastus.key"')
    eastus = load_config(_write(tmp_path, text)).resource("eastus")

    with pytest.raises(
        ConfigError, match=rf"open to group or others \(mode 0{mode:o}\).*chmod 600"
    ):
        eastus.read_key()
    assert eastus.credential_status().startswith("unusable: ")
    assert "file-key-0123456789" not in eastus.credential_status()


def test_a_missing_key_file_is_missing(tmp_path: Path) -> None:
    text = GOOD.replace('key_env = "EASTUS_KEY"', 'key_file = "nowhere.key"')
    eastus = load_config(_write(tmp_path, text)).resource("eastus")
    assert eastus.credential_status() == "missing"
    with pytest.raises(ConfigError, match=r"nowhere\.key does not exist"):
        eastus.read_key()


AAD = """
[resources.eastus]
endpoint = "https://eastus.example.test"
auth = "azure-identity"
"""


class FakeDefaultAzureCredential:
    def get_token(self, *scopes: str) -> object:
        raise AssertionError("not called here")


def test_azure_identity_needs_the_optional_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    eastus = load_config(_write(tmp_path, AAD)).resource("eastus")

    with pytest.raises(ConfigError, match=r"needs the azure-identity package: pip install"):
        eastus.credential()
    assert eastus.credential_status().startswith("unusable: auth = 'azure-identity' needs")
    _, problems = check_config(tmp_path / "archiver.toml")
    assert [problem.line for problem in problems] == [4]


def test_azure_identity_gives_its_default_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity = types.ModuleType("azure.identity")
    identity.DefaultAzureCredential = FakeDefaultAzureCredential  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure.identity", identity)
    eastus = load_config(_write(tmp_path, AAD)).resource("eastus")

    assert isinstance(eastus.credential(), FakeDefaultAzureCredential)
    assert eastus.credential_source == "azure-identity"
    assert eastus.credential_status() == "installed"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('key_env = "K"', "line 5: .*takes no key_env"),
        ('key_file = "k"', "line 5: .*takes no key_file"),
    ],
)
def test_azure_identity_takes_no_key(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, AAD + extra + "\n"))


def test_azure_identity_is_refused_over_plain_http_even_to_loopback(tmp_path: Path) -> None:
    text = AAD.replace("https://eastus.example.test", "http://127.0.0.1:5000")
    with pytest.raises(ConfigError, match=r"line 3: .*Azure AD tokens are sent over https only"):
        load_config(_write(tmp_path, text))


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:1", "http://127.8.9.10", "http://[::1]:80", "http://localhost"]
)
def test_plain_http_is_allowed_to_loopback_only(endpoint: str) -> None:
    assert clean_endpoint(endpoint) == endpoint


@pytest.mark.parametrize("endpoint", ["http://eastus.example.test", "http://192.168.1.4:5000"])
def test_plain_http_elsewhere_is_a_config_error(endpoint: str) -> None:
    with pytest.raises(ConfigError, match="use https://"):
        adhoc_resource(endpoint, "KEY", None)
    with pytest.raises(ConfigError, match="use https://"):
        clean_endpoint(endpoint)


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


def test_adhoc_resource_on_ipv6_loopback_gets_a_usable_name() -> None:
    resource = adhoc_resource("http://[::1]:5080", "KEY", None)
    assert resource.name == "__1-5080"
