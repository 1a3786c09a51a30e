"""Turning common options into the core's objects: config, store, resource, client."""

from __future__ import annotations

import os
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
from archiver.refs import looks_like_path
from archiver.service import AuthoringClient, ClientOptions
from archiver.store import Store


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


def connect(resource: Resource) -> AuthoringClient:
    """A client for `resource`, with its key read from the environment."""
    return AuthoringClient(
        resource.endpoint, resource.read_key(), resource.api_version, options=_client_options()
    )


def _client_options() -> ClientOptions:
    options = ClientOptions()
    interval = os.environ.get("ARCHIVER_POLL_INTERVAL")
    if interval:
        try:
            seconds = float(interval)
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= 3600:
            raise ConfigError(f"ARCHIVER_POLL_INTERVAL must be 0 to 3600 seconds, not {interval!r}")
        options = replace(options, poll_interval=seconds)
    return options
