"""A local emulator of the Azure AI Language text authoring REST API.

It serves the project, job, training and deployment operations of api-versions
2021-11-01-preview and 2022-05-01 through 2025-05-15-preview, over plain HTTP, with
projects kept as files in a data directory. A scenario scripts quotas, latency, job
timings and faults. It shares no code with the rest of archiver, so that the client
and the emulator check each other.

In tests::

    with EmulatorServer(tmp_path, key="secret", scenario={"version": 1}) as emulator:
        requests.get(f"{emulator.url}/language/authoring/analyze-text/projects", ...)
        emulator.add_fault({"action": "respond", "status": 503, "times": 2})

From a script: `archiver emulator --port 0 ...` prints the base URL as the first line
on stdout (see `serve`).
"""

from archiver.emulator.scenario import Fault, RateLimits, Scenario, ScenarioError, load_scenario
from archiver.emulator.server import EmulatorServer, serve

__all__ = [
    "EmulatorServer",
    "Fault",
    "RateLimits",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "serve",
]
