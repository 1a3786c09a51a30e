from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.errors import ArchiverError, CorruptSnapshotError
from archiver.snapshot import (
    Deployment,
    TrainedModel,
    decode_snapshot,
    encode_snapshot,
    public_endpoint,
    upgrade_v1_to_v2,
    upgrade_v2_to_v3,
)
from tests.helpers import REPO, make_snapshot, single_label

CREATED = datetime(2026, 12, 4, 2, 0, 0, 123456, tzinfo=UTC)
DATA = REPO / "tests" / "data"


def _envelope(data: bytes) -> Any:
    return json.loads(zstandard.ZstdDecompressor().decompress(data))


def _compress(envelope: object) -> bytes:
    text = json.dumps(envelope).encode()
    return zstandard.ZstdCompressor(write_checksum=True).compress(text)


def test_encode_then_decode_gives_back_the_same_snapshot() -> None:
    snapshot = make_snapshot(created=CREATED, tags=("nightly",))
    decoded = decode_snapshot(encode_snapshot(snapshot), "x")
    assert decoded == snapshot
    assert decoded.created == CREATED


def test_envelope_records_source_hash_and_project_verbatim() -> None:
    project = single_label()
    project["assets"]["projectKind"] = "customSingleLabelClassification"
    envelope = _envelope(encode_snapshot(make_snapshot(project, created=CREATED)))

    assert envelope["format"] == "archiver-snapshot"
    assert envelope["format_version"] == 3
    assert envelope["pinned"] is False
    assert (envelope["models"], envelope["deployments"]) == (None, None)
    assert envelope["created"] == "2026-12-04T02:00:00.123456Z"
    assert envelope["project"] == project
    assert set(envelope["source"]) == {
        "resource",
        "endpoint",
        "api_version",
        "project",
        "project_kind",
        "export_job_id",
    }


def test_frame_carries_a_checksum() -> None:
    data = encode_snapshot(make_snapshot())
    assert zstandard.get_frame_parameters(data).has_checksum


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b'{"format": 1}', "not a valid zstd frame"),
        (zstandard.ZstdCompressor(write_checksum=True).compress(b"\xff\xfe not json"), "not JSON"),
        (zstandard.ZstdCompressor(write_checksum=False).compress(b"{}"), "no checksum"),
        (_compress([1, 2, 3]), "not an archiver snapshot"),
    ],
)
def test_damaged_bytes_are_reported_as_corrupt(data: bytes, reason: str) -> None:
    with pytest.raises(CorruptSnapshotError, match=reason) as caught:
        decode_snapshot(data, "store/eastus/P/x.json.zst")
    assert "store/eastus/P/x.json.zst" in caught.value.message


def test_truncated_file_is_corrupt() -> None:
    data = encode_snapshot(make_snapshot())
    with pytest.raises(CorruptSnapshotError):
        decode_snapshot(data[: len(data) // 2], "x")


def test_edited_project_fails_the_hash_check() -> None:
    envelope = _envelope(encode_snapshot(make_snapshot()))
    envelope["project"]["assets"]["documents"][0]["dataset"] = "Test"
    with pytest.raises(CorruptSnapshotError, match="hash"):
        decode_snapshot(_compress(envelope), "x")


def test_envelope_schema_is_enforced() -> None:
    envelope = _envelope(encode_snapshot(make_snapshot()))
    envelope["source"] = {"resource": "eastus"}
    with pytest.raises(CorruptSnapshotError, match="envelope"):
        decode_snapshot(_compress(envelope), "x")


def test_wrong_project_schema_is_corrupt_even_with_a_matching_hash() -> None:
    from archiver.projectfile import project_hash

    envelope = _envelope(encode_snapshot(make_snapshot()))
    envelope["project"]["metadata"]["multilingual"] = "no"
    envelope["project_sha256"] = project_hash(envelope["project"])
    with pytest.raises(CorruptSnapshotError, match="multilingual"):
        decode_snapshot(_compress(envelope), "x")


def test_newer_format_version_asks_for_an_upgrade() -> None:
    envelope = _envelope(encode_snapshot(make_snapshot()))
    envelope["format_version"] = 4
    with pytest.raises(CorruptSnapshotError, match="upgrade archiver"):
        decode_snapshot(_compress(envelope), "x")


def test_version_1_file_reads_as_an_unpinned_snapshot() -> None:
    data = (DATA / "snapshot-v1.json.zst").read_bytes()
    assert _envelope(data)["format_version"] == 1

    snapshot = decode_snapshot(data, "v1")
    assert snapshot.pinned is False
    assert snapshot.source.project == "SupportTickets"
    assert snapshot.tags == ("nightly",)


def test_converter_from_version_1_adds_only_pinned() -> None:
    v1 = _envelope((DATA / "snapshot-v1.json.zst").read_bytes())
    v2 = upgrade_v1_to_v2(v1)
    assert v2 == {**v1, "format_version": 2, "pinned": False}


def test_converter_from_version_2_records_models_as_unknown() -> None:
    v2 = upgrade_v1_to_v2(_envelope((DATA / "snapshot-v1.json.zst").read_bytes()))
    v3 = upgrade_v2_to_v3(v2)
    assert v3 == {**v2, "format_version": 3, "models": None, "deployments": None}


def test_models_and_deployments_round_trip() -> None:
    models = (TrainedModel("v1", "2022-05-01"), TrainedModel("v2", "2022-09-01"))
    deployments = (Deployment("prod", "v2"),)
    snapshot = replace(make_snapshot(), models=models, deployments=deployments)
    decoded = decode_snapshot(encode_snapshot(snapshot), "x")
    assert (decoded.models, decoded.deployments) == (models, deployments)


def test_version_1_envelope_is_checked_against_its_own_schema() -> None:
    v1 = _envelope((DATA / "snapshot-v1.json.zst").read_bytes())
    v1["pinned"] = True
    with pytest.raises(CorruptSnapshotError, match="envelope"):
        decode_snapshot(_compress(v1), "x")


@pytest.mark.parametrize("version", [0, "1", True, None])
def test_nonsense_format_version_is_corrupt(version: object) -> None:
    envelope = _envelope(encode_snapshot(make_snapshot()))
    envelope["format_version"] = version
    with pytest.raises(CorruptSnapshotError, match="format_version"):
        decode_snapshot(_compress(envelope), "x")


def test_endpoint_is_stored_without_credentials() -> None:
    assert public_endpoint("https://user:secret@host.test:8443/x?code=abc") == (
        "https://host.test:8443/x"
    )


_GOOD = encode_snapshot(make_snapshot())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_mutation_is_caught_or_reads_correctly(data: st.DataObject) -> None:
    mutated = bytearray(_GOOD)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(mutated) - 1))
        mutated[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(mutated)))

    try:
        snapshot = decode_snapshot(bytes(mutated[:cut]), "x")
    except ArchiverError as exc:
        assert isinstance(exc, CorruptSnapshotError)
    else:
        # Only a mutation that changed nothing can read back, and then it reads correctly.
        assert snapshot == decode_snapshot(_GOOD, "x")
