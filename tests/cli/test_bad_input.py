"""Bad input of every kind ends in one clear line and a documented status, never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zstandard

from archiver.emulator import EmulatorServer
from archiver.store import Store
from tests.conftest import PRIMARY_KEY, Workspace, run_cli, seed
from tests.helpers import REPO, make_snapshot, single_label

NOON = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("https://host.test:99999", "Port out of range"),
        ("https://[bad", "Invalid IPv6 URL"),
        ("ftp://host.test", "expected https://HOST"),
    ],
)
def test_bad_one_off_endpoint_is_a_config_error(
    workspace: Workspace, endpoint: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("K", "key")
    result = workspace.run("export", "P", "--endpoint", endpoint, "--key-env", "K")
    assert result.exit_code == 3
    assert message in result.stderr


def test_key_with_impossible_characters_is_refused_without_echo(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EASTUS_KEY", "sécret-ключ")
    result = workspace.run("export", "P", "--from", "eastus")
    assert result.exit_code == 3
    assert "holds characters a key cannot have" in result.stderr
    assert "ключ" not in result.stderr


@pytest.mark.parametrize("interval", ["nan", "inf", "-1", "soon"])
def test_bad_poll_interval_is_a_config_error(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, interval: str
) -> None:
    monkeypatch.setenv("ARCHIVER_POLL_INTERVAL", interval)
    result = workspace.run("export", "P", "--from", "eastus")
    assert result.exit_code == 3
    assert "ARCHIVER_POLL_INTERVAL" in result.stderr


def test_invalid_tag_is_refused_before_anything_is_written(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    result = workspace.run("export", "Tickets", "--from", "eastus", "--tag", "bad tag")
    assert result.exit_code == 2
    assert not workspace.store.exists() or Store(workspace.store).entries() == []


def test_every_project_failing_alike_exits_with_that_error(workspace: Workspace) -> None:
    result = workspace.run("export", "Ghost1", "Ghost2", "--from", "eastus", "-q")
    assert result.exit_code == 4
    assert "eastus/Ghost1: no project 'Ghost1'" in result.stderr
    assert "eastus/Ghost2" in result.stderr


def test_stray_file_with_an_impossible_time_is_ignored(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write(make_snapshot(created=NOON))
    (tmp_path / "eastus" / "Tickets" / "20261399T250000Z-000.json.zst").write_bytes(b"x")
    result = run_cli("list", "--store", str(tmp_path))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    assert "is not a valid time" in result.stderr


def test_envelope_with_an_impossible_date_is_corrupt(tmp_path: Path) -> None:
    path = Store(tmp_path).write(make_snapshot(created=NOON))
    envelope = json.loads(zstandard.ZstdDecompressor().decompress(path.read_bytes()))
    envelope["created"] = "2026-13-45T00:00:00Z"
    path.write_bytes(
        zstandard.ZstdCompressor(write_checksum=True).compress(json.dumps(envelope).encode())
    )

    result = run_cli("show", str(path), "--json")
    assert result.exit_code == 10
    assert result.json()["error"]["code"] == "corrupt-snapshot"


def test_trailing_bytes_after_the_frame_are_corrupt(tmp_path: Path) -> None:
    path = Store(tmp_path).write(make_snapshot(created=NOON))
    path.write_bytes(path.read_bytes() + b"GARBAGE")
    assert run_cli("show", str(path)).exit_code == 10


def test_missing_store_is_not_found_for_readers(tmp_path: Path) -> None:
    result = run_cli("list", "--store", str(tmp_path / "typo"))
    assert result.exit_code == 4
    assert "no store at" in result.stderr


def test_out_of_range_time_ref_is_a_usage_error(tmp_path: Path) -> None:
    Store(tmp_path).write(make_snapshot(created=NOON))
    result = run_cli("show", "Tickets@9999-12-31T23:59:59-01:00", "--store", str(tmp_path))
    assert result.exit_code == 2
    assert "out of range" in result.stderr


def test_project_named_with_a_leading_dot_is_found(tmp_path: Path) -> None:
    Store(tmp_path).write(make_snapshot(single_label(".hidden"), created=NOON))
    listed = run_cli("list", "--store", str(tmp_path))
    assert listed.exit_code == 0 and "eastus/.hidden/" in listed.stdout
    assert run_cli("show", ".hidden", "--store", str(tmp_path)).exit_code == 0


def test_lone_surrogates_survive_a_round_trip(workspace: Workspace) -> None:
    project = single_label("Odd")
    project["metadata"]["description"] = "broken \ud800 text"
    path = Store(workspace.store).write(make_snapshot(project, created=NOON))
    assert Store(workspace.store).read(path).project["metadata"]["description"] == (
        "broken \ud800 text"
    )


def test_empty_new_name_is_refused(workspace: Workspace) -> None:
    seed(workspace.primary, PRIMARY_KEY, single_label("Tickets"))
    assert workspace.run("export", "Tickets", "--from", "eastus").exit_code == 0
    result = workspace.run("restore", "Tickets", "--to", "westus", "--as", "")
    assert result.exit_code == 5
    assert "invalid project name ''" in result.stderr


def test_emulator_on_a_busy_port_is_one_line(tmp_path: Path) -> None:
    with EmulatorServer(tmp_path / "a", "k") as running:
        result = run_cli(
            "emulator", "--port", str(running.port), "--key", "k", "--data", str(tmp_path / "b")
        )
    assert result.exit_code == 2
    assert "cannot serve on 127.0.0.1" in result.stderr


@pytest.mark.slow
def test_ctrl_c_during_an_export_exits_130_with_a_document(tmp_path: Path) -> None:
    with EmulatorServer(tmp_path / "data", PRIMARY_KEY) as fast:
        seed(fast, PRIMARY_KEY, single_label("Tickets"))
    with EmulatorServer(tmp_path / "data", PRIMARY_KEY, job_delay=30) as slow:
        environment = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "K": PRIMARY_KEY,
            "ARCHIVER_POLL_INTERVAL": "0.1",
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "archiver",
                "export",
                "Tickets",
                "--endpoint",
                slow.url,
                "--key-env",
                "K",
                "--store",
                str(tmp_path / "store"),
                "--json",
            ],
            env=environment,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.5)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)

    assert process.returncode == 130
    assert "archiver: error: interrupted" in stderr
    assert json.loads(stdout)["error"]["code"] == "interrupted"
