"""Resources and defaults, from a TOML file and the environment.

The file names where keys are found, never the keys themselves. It is looked
for in this order: `--config`, `ARCHIVER_CONFIG`, `archiver.toml` in the working
directory, then `archiver/archiver.toml` in the user's config directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from archiver.errors import ConfigError

DEFAULT_API_VERSION = "2023-04-01"
CONFIG_NAME = "archiver.toml"

# Resource names become directory names in the store.
_RESOURCE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_RESOURCE_KEYS = {"endpoint", "api_version", "key_env"}


@dataclass(frozen=True)
class Resource:
    """One Language endpoint and where its key is found."""

    name: str
    endpoint: str
    api_version: str = DEFAULT_API_VERSION
    key_env: str = ""

    def read_key(self, environ: Mapping[str, str] | None = None) -> str:
        """The subscription key, from the environment variable the config names."""
        environ = os.environ if environ is None else environ
        if not self.key_env:
            raise ConfigError(f"resource {self.name!r} names no key_env for its key")
        key = environ.get(self.key_env, "").strip()
        if not key:
            raise ConfigError(
                f"resource {self.name!r}: environment variable {self.key_env} is not set"
            )
        # An HTTP header takes printable ASCII only; say so without echoing the key.
        if not (key.isascii() and key.isprintable()):
            raise ConfigError(
                f"resource {self.name!r}: {self.key_env} holds characters a key cannot have"
            )
        return key


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    store: Path | None = None
    resources: Mapping[str, Resource] = field(default_factory=dict)

    def resource(self, name: str) -> Resource:
        try:
            return self.resources[name]
        except KeyError:
            known = ", ".join(sorted(self.resources)) or "none configured"
            where = f" in {self.path}" if self.path else ""
            raise ConfigError(f"unknown resource {name!r}{where} (known: {known})") from None


def find_config(
    explicit: Path | None, *, cwd: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The config file to read, or None when there is none anywhere."""
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    if environ.get("ARCHIVER_CONFIG"):
        return Path(environ["ARCHIVER_CONFIG"])

    local = (cwd or Path.cwd()) / CONFIG_NAME
    if local.is_file():
        return local

    config_home = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    user = Path(config_home) / "archiver" / CONFIG_NAME
    return user if user.is_file() else None


def load_config(path: Path | None) -> Config:
    """Parse the config file at `path`; no path means an empty config."""
    if path is None:
        return Config()

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None

    resources = {
        name: _parse_resource(path, name, table)
        for name, table in _table(path, data, "resources").items()
    }
    store = data.get("store")
    if store is not None and not isinstance(store, str):
        raise ConfigError(f"{path}: 'store' must be a string")
    store_path = (path.parent / expand_path(Path(store))) if store else None
    return Config(path=path, store=store_path, resources=resources)


def adhoc_resource(endpoint: str, key_env: str, api_version: str | None) -> Resource:
    """A resource given on the command line with `--endpoint` and `--key-env`."""
    host, port = _host_and_port(endpoint)
    name = host if port is None else f"{host}-{port}"
    return _make_resource(name, endpoint, api_version or DEFAULT_API_VERSION, key_env)


def expand_path(path: Path) -> Path:
    """`~` expanded, with a clear error for an unknown user."""
    try:
        return path.expanduser()
    except RuntimeError:
        raise ConfigError(f"cannot expand {str(path)!r}: no such user's home") from None


def _host_and_port(endpoint: str) -> tuple[str, int | None]:
    try:
        parts = urlsplit(endpoint.strip())
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ConfigError(f"invalid endpoint {endpoint!r}: {exc}") from None
    if parts.scheme not in {"http", "https"} or not host:
        raise ConfigError(f"invalid endpoint {endpoint!r}: expected https://HOST")
    return host, port


def _table(path: Path, data: Mapping[str, object], key: str) -> dict[str, Mapping[str, object]]:
    table = data.get(key, {})
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise ConfigError(f"{path}: [{key}] must hold tables, e.g. [{key}.eastus]")
    return table


def _parse_resource(path: Path, name: str, table: Mapping[str, object]) -> Resource:
    unknown = sorted(set(table) - _RESOURCE_KEYS)
    if unknown:
        raise ConfigError(f"{path}: [resources.{name}]: unknown key {unknown[0]!r}")

    values = {key: table.get(key) for key in _RESOURCE_KEYS}
    for key, value in values.items():
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: [resources.{name}].{key} must be a string")
    if not values["endpoint"]:
        raise ConfigError(f"{path}: [resources.{name}] needs an endpoint")

    return _make_resource(
        name,
        str(values["endpoint"]),
        str(values["api_version"] or DEFAULT_API_VERSION),
        str(values["key_env"] or ""),
    )


def _make_resource(name: str, endpoint: str, api_version: str, key_env: str) -> Resource:
    if not _RESOURCE_NAME.fullmatch(name) or name in {".", ".."}:
        raise ConfigError(f"invalid resource name {name!r}: use letters, digits, '_', '.', '-'")
    return Resource(
        name=name, endpoint=_clean_endpoint(endpoint), api_version=api_version, key_env=key_env
    )


def _clean_endpoint(endpoint: str) -> str:
    _host_and_port(endpoint)
    parts = urlsplit(endpoint.strip())
    if parts.username or parts.password or parts.query:
        raise ConfigError("an endpoint must not carry credentials or a query string")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
