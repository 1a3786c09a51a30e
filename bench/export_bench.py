"""Export many projects through the emulator under the service's quota, and time it.

The emulator enforces the service's quota (10 POST and 100 GET requests per
60-second window) and gives each export job a realistic duration; time is scaled
down uniformly (emulator `time_scale`, client `pacing_window` and poll interval)
so that the run stays short. The export runs concurrently with the default
`max_concurrency`, with 4, and one project at a time. Each wall time is printed with its
ratio to the lower bound the quota imposes:

    bound = max((ceil(P / 10) - 1) * W + D, (ceil(G / 100) - 1) * W)

P POSTs (one export per project), G GETs (the list pages, then per project at least
one poll, the result, the models and the deployments), W the window, D one export
job's duration; all scaled. No schedule can finish sooner: the last tenth of the
POSTs cannot start before the window of the first POSTs has passed P/10 - 1 times,
and its jobs then take D.

    .venv/bin/python bench/export_bench.py [--projects 50] [--time-scale 0.05]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.backup import ExportOptions, export_batches, prepare_batches
from archiver.config import DEFAULT_MAX_CONCURRENCY, Resource
from archiver.emulator import EmulatorServer
from archiver.service import AuthoringClient, ClientOptions
from archiver.store import Store

KEY = "bench-key-3c1d9e7f"
WINDOW = 60.0
POST_QUOTA = 10
GET_QUOTA = 100
PAGE_SIZE = 10  # the emulator's (and service's) default page of the project list
GETS_PER_PROJECT = 4  # one poll at least, the result, the models, the deployments
POLL_INTERVAL = 2.0
# A smaller pool than the default, to show what too few jobs in flight cost.
_FEWER = 4


@dataclass(frozen=True)
class Run:
    label: str
    concurrency: int
    seconds: float
    failed: int
    posts: int
    gets: int
    backoffs: int


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="export-bench-") as scratch:
        root = Path(scratch)
        with EmulatorServer(root / "data", KEY) as emulator:
            _seed(emulator, args.projects)
            runs = [_run(emulator, root, args, "concurrent", args.concurrency)]
            if args.concurrency != _FEWER:
                runs.append(_run(emulator, root, args, "concurrent", _FEWER))
            runs.append(_run(emulator, root, args, "one at a time", 1))

    bound = lower_bound(args.projects, args.export_seconds) * args.time_scale
    _report(args, bound, runs)
    return 0 if all(run.failed == 0 for run in runs) else 1


def lower_bound(projects: int, job_seconds: float) -> float:
    """Seconds (unscaled) below which no schedule can export `projects` under the quota."""
    posts = projects
    gets = math.ceil(projects / PAGE_SIZE) + GETS_PER_PROJECT * projects
    by_posts = (math.ceil(posts / POST_QUOTA) - 1) * WINDOW + job_seconds
    by_gets = (math.ceil(gets / GET_QUOTA) - 1) * WINDOW
    return max(by_posts, by_gets)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--time-scale", type=float, default=0.05)
    parser.add_argument(
        "--export-seconds", type=float, default=15.0, help="one export job's duration, unscaled"
    )
    parser.add_argument("--concurrency", type=int, default=DEFAULT_MAX_CONCURRENCY)
    return parser.parse_args(argv)


def _seed(emulator: EmulatorServer, count: int) -> None:
    client = AuthoringClient(
        emulator.url, KEY, "2023-04-01", options=ClientOptions(poll_interval=0)
    )
    with client:
        for index in range(count):
            name = f"Project{index:03d}"
            client.import_project(name, _project(name, documents=5 + index % 20))


def _run(
    emulator: EmulatorServer, root: Path, args: argparse.Namespace, label: str, concurrency: int
) -> Run:
    # A fresh scenario empties the emulator's rate-limit window: each run starts cold.
    emulator.scenario = {
        "version": 1,
        "rate_limits": {"post": POST_QUOTA, "get": GET_QUOTA, "window": WINDOW},
        "time_scale": args.time_scale,
        "job_durations": {"export": args.export_seconds},
    }
    resource = Resource(
        name="bench", endpoint=emulator.url, key_env="UNUSED", max_concurrency=concurrency
    )
    options = ClientOptions(
        poll_interval=POLL_INTERVAL * args.time_scale, pacing_window=WINDOW * args.time_scale
    )

    def connect(resource: Resource) -> AuthoringClient:
        return AuthoringClient(
            resource.endpoint, KEY, resource.api_version, options=options, quota=resource.quota
        )

    started = time.monotonic()
    batches, failures = prepare_batches([resource], [], connect)
    store = Store(root / f"{label}-{concurrency}")
    outcomes = failures + export_batches(batches, store, ExportOptions())
    seconds = time.monotonic() - started

    stats = batches[0].client.pacer.stats if batches and batches[0].client.pacer else None
    for batch in batches:
        batch.client.close()
    return Run(
        label=label,
        concurrency=concurrency,
        seconds=seconds,
        failed=sum(1 for outcome in outcomes if not outcome.ok),
        posts=stats.writes if stats else 0,
        gets=stats.reads if stats else 0,
        backoffs=stats.backoffs if stats else 0,
    )


def _report(args: argparse.Namespace, bound: float, runs: list[Run]) -> None:
    scale = args.time_scale
    print(
        f"export of {args.projects} projects, quota {POST_QUOTA} POST / {GET_QUOTA} GET per "
        f"{WINDOW:g} s, export job {args.export_seconds:g} s, time scale {scale:g}"
    )
    print(f"lower bound: {bound:.2f} s scaled ({bound / scale:.0f} s real)")
    for run in runs:
        print(
            f"{run.label:>14} (max_concurrency {run.concurrency}): {run.seconds:6.2f} s scaled "
            f"({run.seconds / scale:5.0f} s real), {run.seconds / bound:.2f} x bound; "
            f"{run.posts} POST, {run.gets} GET, {run.backoffs} back-offs, {run.failed} failed"
        )


def _project(name: str, *, documents: int) -> dict[str, Any]:
    return {
        "projectFileVersion": "2022-05-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": {
            "projectKind": "CustomSingleLabelClassification",
            "storageInputContainerName": "bench",
            "projectName": name,
            "language": "en-us",
        },
        "assets": {
            "projectKind": "CustomSingleLabelClassification",
            "classes": [{"category": "Billing"}, {"category": "Outage"}],
            "documents": [
                {
                    "location": f"doc-{i}.txt",
                    "language": "en-us",
                    "class": {"category": "Billing" if i % 2 else "Outage"},
                }
                for i in range(documents)
            ],
        },
    }


if __name__ == "__main__":
    sys.exit(main())
