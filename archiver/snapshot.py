"""One snapshot file: an envelope around one project file, zstd-compressed.

The envelope records where and when the project was captured and a SHA-256 of
the canonical project JSON. The project file is kept as the service returned
it: parsed, never rewritten. Reading checks everything before returning, so a
caller never holds half a snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import jsonschema
import zstandard

from archiver import __version__
from archiver.errors import CorruptSnapshotError, ValidationError
from archiver.projectfile import Project, project_hash, validate_project
from archiver.resources import Validator, compile_schema, load_schema

FORMAT_NAME = "archiver-snapshot"
# The tag of the snapshot a restore takes of a project before replacing it.
SAFETY_TAG = "pre-restore"
FORMAT_VERSION = 3
SUFFIX = ".json.zst"

# Level 10 packs project files about 10 % smaller than the default level 3 and
# still writes the largest project the service allows in well under a second.
_COMPRESSION_LEVEL = 10
# A snapshot never needs more; a larger claimed size is a damaged frame header.
_MAX_CONTENT_SIZE = 1 << 30


_Corrupt = Callable[[str], CorruptSnapshotError]
_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Source:
    """Where a snapshot's project came from."""

    resource: str
    endpoint: str
    api_version: str
    project: str
    project_kind: str
    export_job_id: str | None = None


@dataclass(frozen=True)
class TrainedModel:
    label: str
    training_config_version: str | None


@dataclass(frozen=True)
class Deployment:
    name: str
    model_label: str | None


@dataclass(frozen=True)
class Snapshot:
    created: datetime
    source: Source
    project: Project
    project_sha256: str
    tool_version: str = __version__
    tags: tuple[str, ...] = ()
    pinned: bool = False
    description: str | None = None
    # None: not recorded (older snapshots, or an api-version without models).
    models: tuple[TrainedModel, ...] | None = None
    deployments: tuple[Deployment, ...] | None = None
    path: Path | None = field(default=None, compare=False)


def build_snapshot(
    project: Project,
    source: Source,
    *,
    created: datetime | None = None,
    tags: Iterable[str] = (),
    description: str | None = None,
    models: tuple[TrainedModel, ...] | None = None,
    deployments: tuple[Deployment, ...] | None = None,
) -> Snapshot:
    """Wrap a validated project file in a new snapshot."""
    validate_project(project)
    return Snapshot(
        created=created or datetime.now(UTC),
        source=source,
        project=project,
        project_sha256=project_hash(project),
        tags=tuple(dict.fromkeys(tags)),
        description=description,
        models=models,
        deployments=deployments,
    )


def public_endpoint(endpoint: str) -> str:
    """The endpoint with any credentials, query and fragment removed."""
    parts = urlsplit(endpoint)
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def encode_snapshot(snapshot: Snapshot) -> bytes:
    """The bytes of a snapshot file."""
    envelope = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "created": utc_iso(snapshot.created),
        "tool_version": snapshot.tool_version,
        "source": {
            "resource": snapshot.source.resource,
            "endpoint": snapshot.source.endpoint,
            "api_version": snapshot.source.api_version,
            "project": snapshot.source.project,
            "project_kind": snapshot.source.project_kind,
            "export_job_id": snapshot.source.export_job_id,
        },
        "project_sha256": snapshot.project_sha256,
        "tags": list(snapshot.tags),
        "pinned": snapshot.pinned,
        "models": None if snapshot.models is None else [asdict(m) for m in snapshot.models],
        "deployments": (
            None if snapshot.deployments is None else [asdict(d) for d in snapshot.deployments]
        ),
        "description": snapshot.description,
        "project": snapshot.project,
    }
    # ASCII with escapes: any text JSON can carry survives, lone surrogates included.
    text = json.dumps(envelope, ensure_ascii=True, indent=1, allow_nan=False)
    compressor = zstandard.ZstdCompressor(level=_COMPRESSION_LEVEL, write_checksum=True)
    data: bytes = compressor.compress(text.encode("ascii"))
    return data


def decode_snapshot(data: bytes, name: str) -> Snapshot:
    """Parse and check a snapshot file's bytes; `name` is used in errors."""

    def corrupt(reason: str) -> CorruptSnapshotError:
        return CorruptSnapshotError(f"corrupt snapshot {name}: {reason}")

    text = _decompress(data, corrupt)
    try:
        envelope = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise corrupt(f"not JSON ({exc})") from None

    envelope = _upgrade(envelope, corrupt)
    project = envelope["project"]
    if project_hash(project) != envelope["project_sha256"]:
        raise corrupt("project hash does not match the recorded SHA-256")
    try:
        validate_project(project)
    except ValidationError as exc:
        raise corrupt(exc.message) from None

    try:
        return _snapshot_from(envelope, project)
    except ValueError as exc:
        raise corrupt(f"envelope: {exc}") from None


def _decompress(data: bytes, corrupt: _Corrupt) -> bytes:
    if not data:
        raise corrupt("empty file")
    try:
        params = zstandard.get_frame_parameters(data)
        if params.content_size > _MAX_CONTENT_SIZE:
            raise corrupt("frame header claims an impossible size")
        if not params.has_checksum:
            raise corrupt("zstd frame has no checksum")
        result: bytes = zstandard.ZstdDecompressor().decompress(
            data, max_output_size=_MAX_CONTENT_SIZE, allow_extra_data=False
        )
    except zstandard.ZstdError as exc:
        raise corrupt(f"not a valid zstd frame ({exc})") from None
    return result


def _upgrade(envelope: object, corrupt: _Corrupt) -> dict[str, Any]:
    """Check an envelope against the schema of its version, then convert it to the current one.

    Each older version is read by one explicit converter to the next, so a file
    written by any earlier archiver reads as if written today.
    """
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT_NAME:
        raise corrupt("not an archiver snapshot")

    version = envelope.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise corrupt(f"envelope: invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise CorruptSnapshotError(
            f"snapshot format version {version} is newer than this archiver "
            f"understands ({FORMAT_VERSION}): upgrade archiver"
        )

    while True:
        _check_schema(envelope, version, corrupt)
        if version == FORMAT_VERSION:
            return envelope
        envelope = _CONVERTERS[version](envelope)
        version += 1


def _check_schema(envelope: dict[str, Any], version: int, corrupt: _Corrupt) -> None:
    error = jsonschema.exceptions.best_match(_envelope_validator(version).iter_errors(envelope))
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
        raise corrupt(f"envelope: {where}: {error.message}")


def upgrade_v1_to_v2(envelope: dict[str, Any]) -> dict[str, Any]:
    """Version 2 adds `pinned`; every version 1 snapshot was unpinned."""
    upgraded = {key: value for key, value in envelope.items() if key != "project"}
    upgraded.update(format_version=2, pinned=False, project=envelope["project"])
    return upgraded


def upgrade_v2_to_v3(envelope: dict[str, Any]) -> dict[str, Any]:
    """Version 3 adds `models` and `deployments`; version 2 did not record them."""
    upgraded = {key: value for key, value in envelope.items() if key != "project"}
    upgraded.update(format_version=3, models=None, deployments=None, project=envelope["project"])
    return upgraded


_CONVERTERS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: upgrade_v1_to_v2,
    2: upgrade_v2_to_v3,
}


@cache
def _envelope_validator(version: int) -> Validator:
    return compile_schema(load_schema(f"snapshot-v{version}.schema.json"))


def _snapshot_from(envelope: Mapping[str, Any], project: Project) -> Snapshot:
    return Snapshot(
        created=_parse_time(envelope["created"]),
        source=Source(**envelope["source"]),
        project=project,
        project_sha256=envelope["project_sha256"],
        tool_version=envelope["tool_version"],
        tags=tuple(envelope["tags"]),
        pinned=envelope["pinned"],
        description=envelope["description"],
        models=_tuple_of(TrainedModel, envelope["models"]),
        deployments=_tuple_of(Deployment, envelope["deployments"]),
    )


def _tuple_of(
    cls: Callable[..., _Item], items: list[dict[str, Any]] | None
) -> tuple[_Item, ...] | None:
    return None if items is None else tuple(cls(**item) for item in items)


def utc_iso(moment: datetime) -> str:
    """An instant as envelopes and JSON documents carry it: UTC, microseconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_text(moment: datetime) -> str:
    """An instant for people and JSON documents: UTC, whole seconds, with `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
