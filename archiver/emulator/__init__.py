"""A local emulator of the Azure AI Language text authoring REST API.

It serves the project operations a backup needs (list, get, delete, import, export, and
their jobs) for api-versions 2022-05-01 through 2025-05-15-preview, over plain HTTP,
with projects kept as files in a data directory. It shares no code with the rest of
archiver, so that the client and the emulator check each other.

In tests::

    with EmulatorServer(tmp_path, key="secret") as emulator:
        requests.get(f"{emulator.url}/language/authoring/analyze-text/projects", ...)

From a script: `archiver emulator --port 0 ...` prints the base URL as the first line
on stdout (see `serve`).
"""

from archiver.emulator.server import EmulatorServer, serve

__all__ = ["EmulatorServer", "serve"]
