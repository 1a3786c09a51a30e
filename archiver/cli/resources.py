"""`archiver resources`: the resources of the config, with where each key comes from."""

from __future__ import annotations

from typing import Any

import typer

from archiver.cli import context, output
from archiver.cli.options import (
    ConfigOption,
    DebugOption,
    JsonOption,
    LogFileOption,
    QuietOption,
    VerboseOption,
    exit_statuses,
)
from archiver.config import AUTH_AZURE_IDENTITY, Config, Resource
from archiver.errors import ConfigError

HELP = (
    "List the resources of the config: endpoint, api-version, limits, and where each "
    "credential comes from with whether it is there. A key is never shown."
)
EPILOG = exit_statuses(0, ConfigError.exit_code)
_COLUMNS = ("NAME", "ENDPOINT", "API-VERSION", "CONCURRENCY", "POST/MIN", "GET/MIN", "CREDENTIAL")


def resources(
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    log_file: LogFileOption = None,
) -> int:
    out = output.setup(
        "resources",
        json_mode=json_mode,
        verbose=verbose,
        quiet=quiet,
        debug=debug,
        log_file=log_file,
    )
    settings = context.load(context.require_config(config))

    listed = [(resource, resource.credential_status()) for resource in _sorted(settings)]
    out.document(
        {
            "config": str(settings.path),
            "store": str(settings.store) if settings.store else None,
            "resources": [_as_json(resource, status) for resource, status in listed],
        }
    )
    if not listed:
        out.talk(f"no resources in {settings.path}")
        return 0

    out.table([_COLUMNS, *(_cells(resource, status) for resource, status in listed)])
    return 0


def _sorted(settings: Config) -> list[Resource]:
    return [settings.resources[name] for name in sorted(settings.resources)]


def credential_json(resource: Resource, status: str) -> dict[str, Any]:
    """Where a resource's credential comes from and whether it is there; never the key."""
    if resource.auth == AUTH_AZURE_IDENTITY:
        kind, where = "azure-identity", None
    elif resource.key_file is not None:
        kind, where = "key_file", str(resource.key_file)
    else:
        kind, where = "key_env", resource.key_env
    return {"kind": kind, "where": where, "status": status}


def _as_json(resource: Resource, status: str) -> dict[str, Any]:
    return {
        "name": resource.name,
        "endpoint": resource.endpoint,
        "api_version": resource.api_version,
        "max_concurrency": resource.max_concurrency,
        "post_per_minute": resource.post_per_minute,
        "get_per_minute": resource.get_per_minute,
        "credential": credential_json(resource, status),
    }


def _cells(resource: Resource, status: str) -> tuple[str, ...]:
    return (
        resource.name,
        resource.endpoint,
        resource.api_version,
        str(resource.max_concurrency),
        str(resource.post_per_minute),
        str(resource.get_per_minute),
        f"{resource.credential_source} ({status})",
    )


def register(app: typer.Typer) -> None:
    app.command("resources", help=HELP, epilog=EPILOG)(resources)
