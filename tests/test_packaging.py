"""The built wheel carries the schemas, and the core never pulls in the CLI stack."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO


@pytest.mark.slow
def test_wheel_ships_the_schemas(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("archiver-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in (REPO / "schemas").glob("*.json"):
        assert f"archiver/schemas/{schema.name}" in names


def test_core_imports_neither_typer_nor_rich() -> None:
    code = (
        "import sys, archiver.store, archiver.backup, archiver.restore, archiver.diffing, "
        "archiver.refs\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'typer', 'rich'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "[]"
