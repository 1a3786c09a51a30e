"""Small builders shared by tests: project files, snapshots, paths."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from archiver.snapshot import Snapshot, Source, build_snapshot

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES_2022 = SHARED / "reference/azure-language-authoring/sample-project-files/2022-05-01-format"
SAMPLES_2021 = (
    SHARED / "reference/azure-language-authoring/sample-project-files/2021-11-01-preview-format"
)
DEMO_PROJECTS = REPO / "demo" / "projects"
SHARED_MISSING = "../shared (the reference data beside the repository) is not present"


def load_demo(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEMO_PROJECTS / f"{name}.json").read_text("utf-8"))
    return data


def single_label(name: str = "Tickets", documents: int = 3) -> dict[str, Any]:
    """A small, valid single-label project file."""
    return {
        "projectFileVersion": "2022-05-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": {
            "projectKind": "CustomSingleLabelClassification",
            "storageInputContainerName": "tickets",
            "projectName": name,
            "language": "en-us",
            "multilingual": False,
            "description": "test project",
            "settings": {},
        },
        "assets": {
            "projectKind": "CustomSingleLabelClassification",
            "classes": [{"category": "Billing"}, {"category": "Outage"}],
            "documents": [
                {
                    "location": f"doc-{i}.txt",
                    "language": "en-us",
                    "dataset": "Train",
                    "class": {"category": "Billing" if i % 2 else "Outage"},
                }
                for i in range(documents)
            ],
        },
    }


def entity_project(name: str = "Leases") -> dict[str, Any]:
    return {
        "projectFileVersion": "2022-05-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": {
            "projectKind": "CustomEntityRecognition",
            "storageInputContainerName": "leases",
            "projectName": name,
            "language": "en-us",
        },
        "assets": {
            "projectKind": "CustomEntityRecognition",
            "entities": [{"category": "Tenant"}, {"category": "Rent"}],
            "documents": [
                {
                    "location": "lease-1.txt",
                    "language": "en-us",
                    "entities": [
                        {
                            "regionOffset": 0,
                            "regionLength": 900,
                            "labels": [
                                {"category": "Tenant", "offset": 10, "length": 12},
                                {"category": "Rent", "offset": 200, "length": 8},
                            ],
                        }
                    ],
                }
            ],
        },
    }


def make_snapshot(
    project: dict[str, Any] | None = None,
    *,
    resource: str = "eastus",
    created: datetime | None = None,
    tags: tuple[str, ...] = (),
) -> Snapshot:
    project = copy.deepcopy(project or single_label())
    source = Source(
        resource=resource,
        endpoint="https://eastus.example.test",
        api_version="2023-04-01",
        project=project["metadata"].get("projectName") or project["metadata"]["name"],
        project_kind=project["metadata"].get("projectKind", "CustomSingleLabelClassification"),
        export_job_id="job-1",
    )
    return build_snapshot(project, source, created=created, tags=tags)
