"""Fixtures: a real emulator on a loopback port, with its data in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.emulator import EmulatorServer

from .client import KEY, LEGACY_VERSION, AuthoringClient

# The shared reference folder lies beside the repository's root.
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REFERENCE = SHARED / "reference" / "azure-language-authoring"
SEED = SHARED / "reference" / "seed" / "backup-and-recover-custom-text-classification.md"
SAMPLE_DIR = REFERENCE / "sample-project-files"
SAMPLES_2022 = SAMPLE_DIR / "2022-05-01-format"
SAMPLES_2021 = SAMPLE_DIR / "2021-11-01-preview-format"


def shared_path(path: Path) -> Path:
    """`path` inside the shared reference folder, or a skip saying what is missing."""
    if not path.exists():
        pytest.skip(f"the shared reference folder beside the repository lacks {path}")
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "emulator-data"


@pytest.fixture
def emulator(data_dir: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(data_dir, KEY) as server:
        yield server


@pytest.fixture
def client(emulator: EmulatorServer) -> AuthoringClient:
    return AuthoringClient(emulator.url, KEY)


@pytest.fixture
def legacy_client(emulator: EmulatorServer) -> AuthoringClient:
    return AuthoringClient(emulator.url, KEY, api_version=LEGACY_VERSION)


@pytest.fixture
def sample_dir() -> Path:
    return shared_path(SAMPLES_2022)
