"""Server lifecycle, persistence across restarts, and the command-line entry `serve`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from archiver.emulator import EmulatorServer

from .client import KEY, AuthoringClient
from .project_files import classification_file, entity_file

SERVE_SCRIPT = """
import logging, sys
from pathlib import Path
from archiver.emulator import serve
logging.basicConfig(level=logging.INFO, format="%(message)s")
serve(Path(sys.argv[1]), sys.argv[2], port=0)
"""


def test_projects_survive_a_restart_on_the_same_data_dir(data_dir: Path) -> None:
    with EmulatorServer(data_dir, KEY) as first:
        client = AuthoringClient(first.url, KEY)
        client.import_project("Movies", classification_file("Movies"))
        client.import_project("Loans", entity_file("Loans"))
        client.delete_project("Loans")
        metadata_before = client.call("GET", "projects/Movies").json()

    with EmulatorServer(data_dir, KEY) as second:
        client = AuthoringClient(second.url, KEY)
        listed = client.call("GET", "projects").json()["value"]

        assert listed == [metadata_before]
        assert client.export_project("Movies") == classification_file("Movies")


def test_the_data_dir_holds_one_finished_file_per_project(
    client: AuthoringClient, data_dir: Path
) -> None:
    client.import_project("Movies", classification_file("Movies"))
    client.import_project("movies", classification_file("movies"))

    files = sorted(path.name for path in data_dir.iterdir())

    assert len(files) == 2
    assert all(name.endswith(".project.json") for name in files)
    stored = [json.loads((data_dir / name).read_text(encoding="utf-8")) for name in files]
    assert sorted(envelope["projectName"] for envelope in stored) == ["Movies", "movies"]


def test_an_unreadable_project_file_is_skipped_with_a_warning(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "Broken.0000000000.project.json").write_text("{", encoding="utf-8")

    with EmulatorServer(data_dir, KEY) as server:
        response = AuthoringClient(server.url, KEY).call("GET", "projects")

    assert response.json()["value"] == []
    assert "Broken.0000000000.project.json" in caplog.text


def test_stop_closes_the_port_and_open_connections(data_dir: Path) -> None:
    server = EmulatorServer(data_dir, KEY).start()
    client = AuthoringClient(server.url, KEY)
    assert client.call("GET", "projects").status_code == 200

    server.stop()
    server.stop()

    with pytest.raises(requests.ConnectionError):
        client.call("GET", "projects")
    with pytest.raises(requests.ConnectionError):
        AuthoringClient(client.endpoint, KEY).call("GET", "projects")


def test_the_url_is_known_only_while_listening(data_dir: Path) -> None:
    server = EmulatorServer(data_dir, KEY)

    with pytest.raises(RuntimeError):
        _ = server.url
    with server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.port > 0


@pytest.mark.parametrize(("key", "delay"), [("", 0.0), (KEY, -1.0)])
def test_an_empty_key_or_negative_delay_is_refused(data_dir: Path, key: str, delay: float) -> None:
    with pytest.raises(ValueError):
        EmulatorServer(data_dir, key, job_delay=delay)


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM delivery needs a POSIX system")
def test_serve_prints_its_url_first_and_stops_on_sigterm(data_dir: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT, str(data_dir), KEY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        response = AuthoringClient(url, KEY).call("GET", "projects")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)

    assert url.startswith("http://127.0.0.1:")
    assert response.status_code == 200
    assert process.returncode == 0
    assert f"emulator listening on {url} (data: {data_dir})" in stderr
    assert KEY not in stderr


def test_a_failure_inside_the_emulator_is_a_json_500(
    client: AuthoringClient, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client.import_project("Movies", classification_file("Movies"))
    job_url = client.start_import("Movies", classification_file("Movies"))
    # A file where the data directory was makes the import job's write fail, even as root.
    shutil.rmtree(data_dir)
    data_dir.write_text("not a directory", encoding="utf-8")

    response = client.call_url("GET", job_url)

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "InternalServerError"
    assert "emulator failed" in caplog.text
