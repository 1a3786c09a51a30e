"""Fixtures: a real emulator on a loopback port, with its data in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.emulator import EmulatorServer

from .client import KEY, AuthoringClient

SHARED = Path(__file__).parents[2] / ".." / "shared"
SAMPLE_DIR = SHARED / "reference" / "azure-language-authoring" / "sample-project-files"
SAMPLES_2022 = SAMPLE_DIR / "2022-05-01-format"


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
def sample_dir() -> Path:
    if not SAMPLES_2022.is_dir():
        pytest.skip(f"Microsoft's sample project files are not beside the repo ({SAMPLES_2022})")
    return SAMPLES_2022
