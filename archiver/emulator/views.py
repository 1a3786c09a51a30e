"""Response bodies for jobs, trained models and deployments, as the service words them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from archiver.emulator.protocol import Call
from archiver.emulator.state import Job, JobStatus
from archiver.emulator.store import Deployment, TrainedModel, format_time

_PENDING: frozenset[JobStatus] = frozenset({"notStarted", "running"})
_RESULT_STATUSES: frozenset[JobStatus] = frozenset({"succeeded", "partiallyCompleted"})


def job_state(job: Job, call: Call) -> dict[str, Any]:
    """The job as a status poll answers it, at the moment of `call`."""
    status = job.status_at(call.now)

    body: dict[str, Any] = {}
    if job.kind == "export" and status in _RESULT_STATUSES:
        body["resultUrl"] = export_result_url(job, call)
    body |= {
        "jobId": job.job_id,
        "createdDateTime": format_time(job.created),
        "lastUpdatedDateTime": format_time(job.last_updated_at(call.now)),
        "expirationDateTime": format_time(job.expires),
        "status": status,
    }
    if status not in _PENDING and job.errors:
        body["errors"] = job.errors
    elif call.family.legacy:
        # The 2021-11-01-preview documentation shows `errors` in every job state.
        body["errors"] = []
    if status not in _PENDING and job.warnings:
        body["warnings"] = job.warnings
    if job.kind == "train":
        body["result"] = training_result(job, call.now)
    return body


def export_result_url(job: Job, call: Call) -> str:
    # 2021-11-01-preview served export results from an `internal` path.
    internal = "internal/" if call.family.legacy else ""
    return call.url(f"{internal}projects/{job.project_name}/export/jobs/{job.job_id}/result")


def training_result(job: Job, now: float) -> dict[str, Any]:
    status = job.status_at(now)
    return {
        "modelLabel": job.model_label,
        "trainingConfigVersion": job.training_config_version,
        "trainingStatus": _training_status(job, now, status),
        "evaluationStatus": _evaluation_status(job, status),
        "estimatedEndDateTime": format_time(job.finished),
    }


def _training_status(job: Job, now: float, status: JobStatus) -> dict[str, Any]:
    state: dict[str, Any] = {"percentComplete": _percent_complete(job, now, status)}
    if status != "notStarted":
        state["startDateTime"] = format_time(_moment(job, job.duration / 3))
    if status not in _PENDING:
        state["endDateTime"] = format_time(job.finished)
    state["status"] = status
    return state


def _evaluation_status(job: Job, status: JobStatus) -> dict[str, Any]:
    # Evaluation follows training; the emulator lets both end at the job's end.
    if status in _PENDING:
        return {"percentComplete": 0, "status": "notStarted"}

    finished = format_time(job.finished)
    return {
        "percentComplete": 100,
        "startDateTime": finished,
        "endDateTime": finished,
        "status": status,
    }


def _percent_complete(job: Job, now: float, status: JobStatus) -> int:
    if status == "notStarted":
        return 0
    if status != "running":
        return 100

    running_span = job.duration * 2 / 3
    if running_span <= 0:
        return 0
    elapsed = now - job.started_at - job.duration / 3
    return max(0, min(99, int(100 * elapsed / running_span)))


def _moment(job: Job, offset: float) -> datetime:
    return job.created + timedelta(seconds=offset)


def model_view(model: TrainedModel, call: Call) -> dict[str, Any]:
    body: dict[str, Any] = {
        "label": model.label,
        "modelId": model.model_id,
        "lastTrainedDateTime": format_time(model.trained),
        "lastTrainingDurationInSeconds": model.training_seconds,
        "modelExpirationDate": model.expires.isoformat(),
        "modelTrainingConfigVersion": model.training_config_version,
    }
    if call.since("2022-10-01-preview"):
        body["hasSnapshot"] = True
    return body


def deployment_view(deployment: Deployment) -> dict[str, Any]:
    return {
        "deploymentName": deployment.name,
        "modelId": deployment.model_id,
        "lastTrainedDateTime": format_time(deployment.trained),
        "lastDeployedDateTime": format_time(deployment.deployed),
        "deploymentExpirationDate": deployment.expires.isoformat(),
        "modelTrainingConfigVersion": deployment.training_config_version,
    }
