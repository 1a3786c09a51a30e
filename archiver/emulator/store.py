"""Projects on disk: one JSON file per project, with its trained models and deployments.

A project file is kept exactly as it was imported. The models and deployments a
training or deployment job records live in the same file, so deleting a project
removes them with it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

PROJECT_FILE_SUFFIX = ".project.json"
STORE_FORMAT = "archiver-emulator-project"
STORE_FORMAT_VERSION = 1


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second, as in the service's examples."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class TrainedModel:
    """What a training job leaves behind: no weights, only the facts the API reports."""

    label: str
    model_id: str
    training_config_version: str
    trained: datetime
    training_seconds: int
    expires: date
    # The project file as it was when training started; an export of the model returns it.
    document: dict[str, Any]


@dataclass(frozen=True)
class Deployment:
    name: str
    model_label: str
    model_id: str
    training_config_version: str
    trained: datetime
    deployed: datetime
    expires: date


@dataclass(frozen=True)
class StoredProject:
    """One project as the emulator keeps it: the project file exactly as imported."""

    name: str
    document: dict[str, Any]
    created: datetime
    modified: datetime
    last_trained: datetime | None = None
    last_deployed: datetime | None = None
    models: dict[str, TrainedModel] = field(default_factory=dict)
    deployments: dict[str, Deployment] = field(default_factory=dict)

    def times(self) -> dict[str, str]:
        """The project's timestamps that are set, under the service's field names."""
        times = {
            "createdDateTime": self.created,
            "lastModifiedDateTime": self.modified,
            "lastTrainedDateTime": self.last_trained,
            "lastDeployedDateTime": self.last_deployed,
        }
        return {key: format_time(moment) for key, moment in times.items() if moment is not None}


class ProjectStore:
    """Projects as one JSON file each in a directory, written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def load_all(self) -> dict[str, StoredProject]:
        projects: dict[str, StoredProject] = {}
        for path in sorted(self.directory.glob(f"*{PROJECT_FILE_SUFFIX}")):
            project = _read_project(path)
            if project is not None:
                projects[project.name] = project
        return projects

    def save(self, project: StoredProject) -> None:
        data = json.dumps(_envelope(project), ensure_ascii=False, indent=2).encode("utf-8")
        target = self._path_of(project.name)
        with tempfile.NamedTemporaryFile(
            dir=self.directory, prefix=".", suffix=".tmp", delete=False
        ) as temporary:
            temporary.write(data)
            temporary.flush()
            os.fsync(temporary.fileno())

        os.replace(temporary.name, target)
        self._sync_directory()

    def delete(self, name: str) -> None:
        self._path_of(name).unlink(missing_ok=True)
        self._sync_directory()

    def _path_of(self, name: str) -> Path:
        # Project names differ by case alone; a digest keeps them apart on
        # case-insensitive file systems while the name keeps the file readable.
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
        return self.directory / f"{name}.{digest}{PROJECT_FILE_SUFFIX}"

    def _sync_directory(self) -> None:
        # A rename is durable only once the directory is; not every platform can open one.
        try:
            descriptor = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _envelope(project: StoredProject) -> dict[str, Any]:
    return {
        "format": STORE_FORMAT,
        "formatVersion": STORE_FORMAT_VERSION,
        "projectName": project.name,
        **project.times(),
        "project": project.document,
        "models": [_model_record(model) for model in project.models.values()],
        "deployments": [_deployment_record(item) for item in project.deployments.values()],
    }


def _model_record(model: TrainedModel) -> dict[str, Any]:
    return {
        "label": model.label,
        "modelId": model.model_id,
        "trainingConfigVersion": model.training_config_version,
        "trainedDateTime": format_time(model.trained),
        "trainingSeconds": model.training_seconds,
        "expirationDate": model.expires.isoformat(),
        "project": model.document,
    }


def _deployment_record(deployment: Deployment) -> dict[str, Any]:
    return {
        "name": deployment.name,
        "modelLabel": deployment.model_label,
        "modelId": deployment.model_id,
        "trainingConfigVersion": deployment.training_config_version,
        "trainedDateTime": format_time(deployment.trained),
        "deployedDateTime": format_time(deployment.deployed),
        "expirationDate": deployment.expires.isoformat(),
    }


def _read_project(path: Path) -> StoredProject | None:
    try:
        envelope = json.loads(path.read_text(encoding="utf-8"))
        return _project_from_envelope(envelope)
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("ignoring unreadable project file %s: %s", path.name, error)
        return None


def _project_from_envelope(envelope: dict[str, Any]) -> StoredProject:
    if envelope.get("format") != STORE_FORMAT:
        raise ValueError(f"not an emulator project file (format {envelope.get('format')!r})")

    models = [_model_from_record(record) for record in envelope.get("models", [])]
    deployments = [_deployment_from_record(record) for record in envelope.get("deployments", [])]
    optional = {
        "last_trained": envelope.get("lastTrainedDateTime"),
        "last_deployed": envelope.get("lastDeployedDateTime"),
    }
    return StoredProject(
        name=str(envelope["projectName"]),
        document=dict(envelope["project"]),
        created=parse_time(envelope["createdDateTime"]),
        modified=parse_time(envelope["lastModifiedDateTime"]),
        models={model.label: model for model in models},
        deployments={deployment.name: deployment for deployment in deployments},
        **{key: parse_time(value) for key, value in optional.items() if value is not None},
    )


def _model_from_record(record: dict[str, Any]) -> TrainedModel:
    return TrainedModel(
        label=str(record["label"]),
        model_id=str(record["modelId"]),
        training_config_version=str(record["trainingConfigVersion"]),
        trained=parse_time(record["trainedDateTime"]),
        training_seconds=int(record["trainingSeconds"]),
        expires=date.fromisoformat(record["expirationDate"]),
        document=dict(record["project"]),
    )


def _deployment_from_record(record: dict[str, Any]) -> Deployment:
    return Deployment(
        name=str(record["name"]),
        model_label=str(record["modelLabel"]),
        model_id=str(record["modelId"]),
        training_config_version=str(record["trainingConfigVersion"]),
        trained=parse_time(record["trainedDateTime"]),
        deployed=parse_time(record["deployedDateTime"]),
        expires=date.fromisoformat(record["expirationDate"]),
    )
