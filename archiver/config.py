"""Resources and defaults, from a TOML file and the environment.

The file names where keys are found, never the keys themselves: an environment
variable (`key_env`), a file readable by its owner only (`key_file`), or Azure AD
through azure-identity (`auth = "azure-identity"`). It is looked for in this
order: `--config`, `ARCHIVER_CONFIG`, `archiver.toml` in the working directory,
then `archiver/archiver.toml` in the user's config directory.

Every problem in the file is reported with its line, so that `archiver config
check` can list them all; loading stops at the first.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from archiver.errors import ConfigError
from archiver.service.auth import (
    TokenCredential,
    azure_identity_credential,
    check_transport,
    remember_secret,
)
from archiver.service.pacing import Quota
from archiver.service.routes import SUPPORTED_VERSIONS

DEFAULT_API_VERSION = "2023-04-01"
CONFIG_NAME = "archiver.toml"
AUTH_KEY = "key"
AUTH_AZURE_IDENTITY = "azure-identity"
# With exports shorter than the quota's minute, more jobs in flight than the POSTs a
# minute allows never start any sooner.
DEFAULT_MAX_CONCURRENCY = 10
MAX_CONCURRENCY_LIMIT = 64
DEFAULT_POST_PER_MINUTE = 10
DEFAULT_GET_PER_MINUTE = 100

# Resource names become directory names in the store.
_RESOURCE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOP_KEYS = {"store", "resources"}
_RESOURCE_KEYS = {
    "endpoint",
    "api_version",
    "key_env",
    "key_file",
    "auth",
    "max_concurrency",
    "post_per_minute",
    "get_per_minute",
}
# Group and others may not read or write a key file; an execute bit alone reveals nothing.
_KEY_FILE_OPEN_BITS = stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")

_T = TypeVar("_T")


class MissingCredentialError(ConfigError):
    """The variable or file the config names for a key is not there."""


@dataclass(frozen=True)
class Resource:
    """One Language endpoint, where its credentials are found, and how hard to use it."""

    name: str
    endpoint: str
    api_version: str = DEFAULT_API_VERSION
    key_env: str = ""
    key_file: Path | None = None
    auth: str = AUTH_KEY
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    post_per_minute: int = DEFAULT_POST_PER_MINUTE
    get_per_minute: int = DEFAULT_GET_PER_MINUTE

    @property
    def quota(self) -> Quota:
        return Quota(writes=self.post_per_minute, reads=self.get_per_minute)

    @property
    def credential_source(self) -> str:
        """Where the credential comes from, fit to show: never the credential itself."""
        if self.auth == AUTH_AZURE_IDENTITY:
            return "azure-identity"
        if self.key_file is not None:
            return f"key_file {self.key_file}"
        return f"key_env {self.key_env}" if self.key_env else "none"

    def credential(self, environ: Mapping[str, str] | None = None) -> str | TokenCredential:
        """A subscription key, or an Azure AD token credential."""
        if self.auth == AUTH_AZURE_IDENTITY:
            return azure_identity_credential()
        return self.read_key(environ)

    def read_key(self, environ: Mapping[str, str] | None = None) -> str:
        """The subscription key, from the variable or the file the config names."""
        if self.key_file is not None:
            key, what = read_key_file(self.key_file), f"key file {self.key_file}"
        elif self.key_env:
            key, what = self._key_from_environment(environ), self.key_env
        else:
            raise ConfigError(f"resource {self.name!r} names no key_env or key_file for its key")

        # An HTTP header takes printable ASCII only; say so without echoing the key.
        if not (key.isascii() and key.isprintable()):
            raise ConfigError(f"resource {self.name!r}: {what} holds characters a key cannot have")
        remember_secret(key)
        return key

    def credential_status(self, environ: Mapping[str, str] | None = None) -> str:
        """`set`, `missing`, or why the credential cannot be used; never the credential."""
        try:
            self.credential(environ)
        except MissingCredentialError:
            return "missing"
        except ConfigError as exc:
            return f"unusable: {exc.message}"
        return "installed" if self.auth == AUTH_AZURE_IDENTITY else "set"

    def _key_from_environment(self, environ: Mapping[str, str] | None) -> str:
        environ = os.environ if environ is None else environ
        key = environ.get(self.key_env, "").strip()
        if not key:
            raise MissingCredentialError(
                f"resource {self.name!r}: environment variable {self.key_env} is not set"
            )
        return key


def read_key_file(path: Path) -> str:
    """A key from a file that only its owner can read."""
    try:
        mode = path.stat().st_mode
        if mode & _KEY_FILE_OPEN_BITS:
            raise ConfigError(
                f"key file {path} is open to group or others (mode {stat.S_IMODE(mode):04o}); "
                f"make it readable by its owner only: chmod 600 {path}"
            )
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise MissingCredentialError(f"key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"cannot read key file {path}: {reason}") from None
    if not key:
        raise ConfigError(f"key file {path} is not set up: it is empty")
    return key


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake in a config file, with the line it is on when that can be found."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


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

    config, problems = check_config(path, environ=None, credentials=False)
    if problems:
        more = len(problems) - 1
        hint = f" (and {more} more: see archiver config check)" if more else ""
        raise ConfigError(f"{problems[0]}{hint}")
    return config


def check_config(
    path: Path, *, environ: Mapping[str, str] | None = None, credentials: bool = True
) -> tuple[Config, list[ConfigProblem]]:
    """The config, and every problem of the file; with `credentials`, also each
    resource's credential as this environment sees it."""
    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Config(path=path), [_syntax_problem(path, exc)]

    report = _Report(path, text)
    report.unknown_keys(None, data, _TOP_KEYS)
    store = _parse_store(report, data)
    resources: dict[str, Resource] = {}
    for name, table in _resource_tables(report, data).items():
        resource = _parse_resource(report, name, table)
        if resource is not None:
            resources[name] = resource

    if credentials:
        for resource in resources.values():
            _check_credential(report, resource, environ)
    config = Config(path=path, store=store, resources=resources)
    return config, report.problems


def adhoc_resource(endpoint: str, key_env: str, api_version: str | None) -> Resource:
    """A resource given on the command line with `--endpoint` and `--key-env`."""
    host, port = _host_and_port(endpoint)
    # The name becomes a directory of the store: an IPv6 address's colons cannot stay.
    host = host.replace(":", "_")
    name = host if port is None else f"{host}-{port}"
    if not _RESOURCE_NAME.fullmatch(name) or name in {".", ".."}:
        raise ConfigError(f"invalid resource name {name!r}: use letters, digits, '_', '.', '-'")
    version = api_version or DEFAULT_API_VERSION
    _check_api_version(version)
    return Resource(
        name=name, endpoint=clean_endpoint(endpoint), api_version=version, key_env=key_env
    )


def expand_path(path: Path) -> Path:
    """`~` expanded, with a clear error for an unknown user."""
    try:
        return path.expanduser()
    except RuntimeError:
        raise ConfigError(f"cannot expand {str(path)!r}: no such user's home") from None


def clean_endpoint(endpoint: str, *, bearer: bool = False) -> str:
    """The endpoint without a trailing slash, refused unless it is safe to send a key to."""
    _host_and_port(endpoint)
    parts = urlsplit(endpoint.strip())
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError("an endpoint must not carry credentials, a query or a fragment")
    cleaned = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    check_transport(cleaned, bearer=bearer)
    return cleaned


def _host_and_port(endpoint: str) -> tuple[str, int | None]:
    try:
        parts = urlsplit(endpoint.strip())
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ConfigError(f"invalid endpoint {endpoint!r}: {exc}") from None
    if parts.scheme not in {"http", "https"} or not host:
        raise ConfigError(f"invalid endpoint {endpoint!r}: expected https://HOST")
    return host, port


def _check_api_version(version: str) -> None:
    if version not in SUPPORTED_VERSIONS:
        supported = ", ".join(SUPPORTED_VERSIONS)
        raise ConfigError(f"unsupported api-version {version!r} (supported: {supported})")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None


def _syntax_problem(path: Path, exc: tomllib.TOMLDecodeError) -> ConfigProblem:
    # tomllib names the position only inside its message, as "(at line L, column C)".
    message = str(exc)
    found = _TOML_POSITION.search(message)
    if found is None:
        return ConfigProblem(path, None, f"not valid TOML: {message}")
    text = _TOML_POSITION.sub("", message)
    return ConfigProblem(
        path, int(found.group(1)), f"not valid TOML: {text} (column {found.group(2)})"
    )


class _Report:
    """Problems found in one file, each placed on its line by a look at the text."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.problems: list[ConfigProblem] = []

    def add(self, table: str | None, key: str | None, message: str) -> None:
        self.problems.append(ConfigProblem(self.path, self.line_of(table, key), message))

    def unknown_keys(self, table: str | None, data: Mapping[str, object], known: set[str]) -> bool:
        unknown = sorted(set(data) - known)
        for key in unknown:
            where = f"[{table}] " if table else ""
            self.add(table, key, f"{where}unknown key {key!r} (known: {', '.join(sorted(known))})")
        return bool(unknown)

    def line_of(self, table: str | None, key: str | None) -> int | None:
        """The line of `key` in `[table]` (None: the top level), else of the table itself."""
        start, end = self._table_span(table)
        if start is None:
            return None
        if key is not None:
            pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
            for number in range(start + 1, end):
                if pattern.match(self.lines[number]):
                    return number + 1
        return start + 1 if table is not None else None

    def _table_span(self, table: str | None) -> tuple[int | None, int]:
        headers = [(i, _header(line)) for i, line in enumerate(self.lines)]
        headers = [(i, name) for i, name in headers if name is not None]
        if table is None:
            first = headers[0][0] if headers else len(self.lines)
            return -1, first
        for position, (number, name) in enumerate(headers):
            if name == table:
                following = headers[position + 1 : position + 2]
                return number, following[0][0] if following else len(self.lines)
        return None, 0


def _header(line: str) -> str | None:
    """The dotted name of a `[table]` header line, quotes and spaces removed."""
    found = re.match(r"^\s*\[(?!\[)([^\]]+)\]\s*(#.*)?$", line)
    if found is None:
        return None
    parts = [part.strip().strip("\"'") for part in found.group(1).split(".")]
    return ".".join(parts)


def _parse_store(report: _Report, data: Mapping[str, object]) -> Path | None:
    store = data.get("store")
    if store is None:
        return None
    if not isinstance(store, str) or not store:
        report.add(None, "store", "'store' must be a directory path, as a string")
        return None
    try:
        return report.path.parent / expand_path(Path(store))
    except ConfigError as exc:
        report.add(None, "store", exc.message)
        return None


def _resource_tables(report: _Report, data: Mapping[str, object]) -> dict[str, dict[str, object]]:
    table = data.get("resources", {})
    if not isinstance(table, dict):
        report.add(None, "resources", "[resources] must hold tables, e.g. [resources.eastus]")
        return {}
    tables: dict[str, dict[str, object]] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            tables[name] = value
        else:
            report.add(
                "resources", name, f"resources.{name} must be a table, e.g. [resources.{name}]"
            )
    return tables


def _parse_resource(report: _Report, name: str, table: Mapping[str, object]) -> Resource | None:
    where = f"resources.{name}"
    before = len(report.problems)
    if not _RESOURCE_NAME.fullmatch(name) or name in {".", ".."}:
        message = f"invalid resource name {name!r}: use letters, digits, '_', '.', '-'"
        report.add(where, None, message)
        return None
    report.unknown_keys(where, table, _RESOURCE_KEYS)

    auth = _string(report, where, table, "auth") or AUTH_KEY
    if auth not in {AUTH_KEY, AUTH_AZURE_IDENTITY}:
        report.add(where, "auth", f"[{where}] auth must be 'key' or 'azure-identity', not {auth!r}")
    endpoint = _endpoint(report, where, table, bearer=auth == AUTH_AZURE_IDENTITY)
    api_version = _string(report, where, table, "api_version") or DEFAULT_API_VERSION
    _checked(report, where, "api_version", lambda: _check_api_version(api_version))
    key_env, key_file = _credential_fields(report, where, table, auth)
    limits = _limit_fields(report, where, table)

    if len(report.problems) != before:
        return None
    return Resource(
        name=name,
        endpoint=endpoint,
        api_version=api_version,
        key_env=key_env,
        key_file=key_file,
        auth=auth,
        max_concurrency=limits["max_concurrency"],
        post_per_minute=limits["post_per_minute"],
        get_per_minute=limits["get_per_minute"],
    )


def _endpoint(report: _Report, where: str, table: Mapping[str, object], *, bearer: bool) -> str:
    endpoint = _string(report, where, table, "endpoint")
    if not endpoint:
        if not isinstance(table.get("endpoint"), str | None):
            return ""
        report.add(where, "endpoint", f"[{where}] needs an endpoint")
        return ""
    checked = _checked(report, where, "endpoint", lambda: clean_endpoint(endpoint, bearer=bearer))
    return checked or ""


def _credential_fields(
    report: _Report, where: str, table: Mapping[str, object], auth: str
) -> tuple[str, Path | None]:
    key_env = _string(report, where, table, "key_env")
    key_file = _string(report, where, table, "key_file")
    if key_env and not _ENV_NAME.fullmatch(key_env):
        report.add(where, "key_env", f"[{where}] key_env must name a variable, not {key_env!r}")

    if auth == AUTH_AZURE_IDENTITY:
        if key_env or key_file:
            given = "key_env" if key_env else "key_file"
            report.add(where, given, f"[{where}] auth = 'azure-identity' takes no {given}")
    elif key_env and key_file:
        report.add(where, "key_file", f"[{where}] give key_env or key_file, not both")
    elif not (key_env or key_file):
        message = f"[{where}] names no credentials: set key_env, key_file or auth"
        report.add(where, None, message)

    if not key_file:
        return key_env, None
    # Relative to the config file, like the store: cron starts in another directory.
    path = _checked(report, where, "key_file", lambda: expand_path(Path(key_file)))
    return key_env, (report.path.parent / path if path is not None else None)


def _limit_fields(report: _Report, where: str, table: Mapping[str, object]) -> dict[str, int]:
    limits = {
        "max_concurrency": (DEFAULT_MAX_CONCURRENCY, MAX_CONCURRENCY_LIMIT),
        "post_per_minute": (DEFAULT_POST_PER_MINUTE, None),
        "get_per_minute": (DEFAULT_GET_PER_MINUTE, None),
    }
    values: dict[str, int] = {}
    for key, (default, highest) in limits.items():
        value = table.get(key, default)
        in_range = highest is None or (isinstance(value, int) and value <= highest)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1 or not in_range:
            most = f" to {highest}" if highest else " or more"
            report.add(where, key, f"[{where}] {key} must be a whole number, 1{most}")
            value = default
        values[key] = value
    return values


def _string(report: _Report, where: str, table: Mapping[str, object], key: str) -> str:
    value = table.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        report.add(where, key, f"[{where}] {key} must be a string")
        return ""
    return value


def _checked(report: _Report, where: str, key: str, check: Callable[[], _T]) -> _T | None:
    try:
        return check()
    except ConfigError as exc:
        report.add(where, key, f"[{where}] {key}: {exc.message}")
        return None


def _check_credential(
    report: _Report, resource: Resource, environ: Mapping[str, str] | None
) -> None:
    try:
        resource.credential(environ)
    except ConfigError as exc:
        key = "key_file" if resource.key_file is not None else "key_env"
        if resource.auth == AUTH_AZURE_IDENTITY:
            key = "auth"
        where = f"resources.{resource.name}"
        detail = exc.message.removeprefix(f"resource {resource.name!r}: ")
        report.add(where, key, f"[{where}] {detail}")
