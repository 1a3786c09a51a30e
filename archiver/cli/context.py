"""Turning common options into the core's objects: config, store, resource, client."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from archiver.config import (
    Config,
    Resource,
    adhoc_resource,
    expand_path,
    find_config,
    load_config,
)
from archiver.errors import ConfigError, NotFoundError, UsageError
from archiver.refs import looks_like_path, parse_project
from archiver.service import AuthoringClient, ClientOptions
from archiver.store import Store


def require_config(explicit: Path | None) -> Path:
    """The config file to read, for commands that have nothing to do without one."""
    path = find_config(explicit)
    if path is None:
        raise ConfigError(
            "no config file: pass --config FILE, set ARCHIVER_CONFIG, or create ./archiver.toml"
        )
    return path


def load(config_path: Path | None) -> Config:
    return load_config(find_config(config_path))


def open_store(store_path: Path | None, config: Config, *, create: bool = False) -> Store:
    """The store named by --store (or ARCHIVER_STORE), else by the config file.

    Only a command that writes snapshots may name a store that does not exist yet:
    for any other, a missing directory is a typo to report, not an empty store.
    """
    root = store_path or config.store
    if root is None:
        raise ConfigError("no store given: pass --store DIR or set 'store' in the config file")
    store = Store(expand_path(root))
    if not create and not store.root.is_dir():
        raise NotFoundError(f"no store at {store.root}: nothing has been exported there yet")
    return store


def configured_store(store_path: Path | None, config: Config) -> Store | None:
    """The store named by --store or the config, or None when neither names one."""
    root = store_path or config.store
    return Store(expand_path(root)) if root is not None else None


def store_for_ref(ref: str, store_path: Path | None, config_path: Path | None) -> Store:
    """The store a ref is resolved in; a snapshot path needs no configured store."""
    if store_path is None and looks_like_path(ref):
        return Store(expand_path(Path(ref)).parent)
    return open_store(store_path, load(config_path))


def project_filter(
    store: Store, project: str | None, resource: str | None
) -> tuple[str | None, str | None]:
    """`[RESOURCE/]PROJECT` as (resource, project) filters; a named project must exist."""
    if project is None:
        return resource, None
    named_resource, name = parse_project(project)
    resource = named_resource or resource
    if not store.entries(resource=resource, project=name):
        raise NotFoundError(f"no snapshots of {project} in {store.root}")
    return resource, name


def pick_resource(
    config: Config,
    name: str | None,
    *,
    endpoint: str | None = None,
    key_env: str | None = None,
    api_version: str | None = None,
) -> Resource:
    """A resource of the config, or a one-off one from --endpoint and --key-env."""
    if endpoint:
        if name:
            raise UsageError("give a resource name or --endpoint, not both")
        if not key_env:
            raise UsageError("--endpoint needs --key-env VAR, the variable holding the key")
        return adhoc_resource(endpoint, key_env, api_version)
    if not name:
        raise UsageError("name a resource from the config, or pass --endpoint and --key-env")
    return config.resource(name)


def pick_resources(
    config: Config,
    names: Sequence[str],
    *,
    endpoint: str | None = None,
    key_env: str | None = None,
    api_version: str | None = None,
) -> list[Resource]:
    """Resources of the config (each once, in the order given), or one from --endpoint."""
    if endpoint or len(names) <= 1:
        name = names[0] if names else None
        return [
            pick_resource(config, name, endpoint=endpoint, key_env=key_env, api_version=api_version)
        ]
    return [config.resource(name) for name in dict.fromkeys(names)]


def connect(resource: Resource) -> AuthoringClient:
    """A client for `resource`, with its credential and its quota from the config."""
    return AuthoringClient(
        resource.endpoint,
        resource.credential(),
        resource.api_version,
        options=_client_options(),
        quota=resource.quota,
    )


def _client_options() -> ClientOptions:
    """Defaults, with the timings an operator, a test or a benchmark sets in the environment."""
    options = ClientOptions()
    interval = _seconds_from_env("ARCHIVER_POLL_INTERVAL", lowest=0.0)
    if interval is not None:
        options = replace(options, poll_interval=interval)
    window = _seconds_from_env("ARCHIVER_PACING_WINDOW", lowest=0.001)
    if window is not None:
        options = replace(options, pacing_window=window)
    timeout = _seconds_from_env("ARCHIVER_JOB_TIMEOUT", lowest=0.001, highest=86400)
    if timeout is not None:
        options = replace(options, job_timeout=timeout)
    return options


def _seconds_from_env(variable: str, *, lowest: float, highest: float = 3600) -> float | None:
    text = os.environ.get(variable)
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not lowest <= seconds <= highest:
        raise ConfigError(f"{variable} must be {lowest:g} to {highest:g} seconds, not {text!r}")
    return seconds
