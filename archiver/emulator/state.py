"""What the emulator remembers: projects on disk, jobs in memory.

A job's effect (replacing or deleting a project, recording a model or a deployment)
happens exactly once, when the job reaches its terminal status. Nothing runs in the
background: every request first calls `EmulatorState.advance`, which applies the jobs
that have become due, in the order they became due. The caller holds
`EmulatorState.lock` around each request, so all state changes are serialised.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

from archiver.emulator.store import (
    Deployment,
    ProjectStore,
    StoredProject,
    TrainedModel,
)

logger = logging.getLogger(__name__)

JobKind = Literal["import", "export", "deletion", "train", "deployment", "deployment-deletion"]
JOB_KINDS: tuple[JobKind, ...] = get_args(JobKind)
TerminalStatus = Literal["succeeded", "failed", "partiallyCompleted", "cancelled"]
JobStatus = Literal[
    "notStarted", "running", "succeeded", "failed", "partiallyCompleted", "cancelled"
]
JobError = dict[str, str]

JOB_LIFETIME_SECONDS = 7 * 24 * 3600.0
MODEL_LIFETIME = timedelta(days=365)
# Effects of a partially completed job happen as for a succeeded one.
_EFFECTIVE_STATUSES = frozenset({"succeeded", "partiallyCompleted"})
_DEFAULT_FAILURE = {"code": "InternalServerError", "message": "The job failed."}

_DOTNET_EPOCH_ORDINAL = 1
_TICKS_PER_DAY = 864_000_000_000


def new_job_id(created: datetime) -> str:
    """A job id shaped like the service's: a UUID, `_`, then .NET ticks of the day."""
    days = created.date().toordinal() - _DOTNET_EPOCH_ORDINAL
    return f"{uuid.uuid4()}_{days * _TICKS_PER_DAY}"


class Clock:
    """Monotonic seconds for all timing, mapped onto one wall-clock reading for display."""

    def __init__(self) -> None:
        self._origin = time.monotonic()
        self._wall_origin = datetime.now(UTC)

    def now(self) -> float:
        return time.monotonic()

    def wall(self, moment: float) -> datetime:
        return self._wall_origin + timedelta(seconds=moment - self._origin)


@dataclass(frozen=True)
class Timing:
    """How long jobs take and how long they are kept, in real seconds."""

    default_duration: float = 0.0
    durations: Mapping[str, float] = field(default_factory=dict)
    job_lifetime: float = JOB_LIFETIME_SECONDS

    def duration(self, kind: JobKind) -> float:
        return self.durations.get(kind, self.default_duration)


@dataclass(frozen=True)
class JobPlan:
    """How one job is to end, decided when it is submitted (by validation or a scenario)."""

    status: TerminalStatus = "succeeded"
    stall: bool = False
    errors: tuple[JobError, ...] = ()
    warnings: tuple[JobError, ...] = ()
    duration: float | None = None
    drop_documents: frozenset[str] = frozenset()
    result_lifetime: float | None = None
    result_fetches: int | None = None

    def merged(self, later: JobPlan) -> JobPlan:
        """This plan with every field that `later` sets taken from `later`."""
        defaults = JobPlan()
        changes = {
            name: getattr(later, name)
            for name in self.__dataclass_fields__
            if getattr(later, name) != getattr(defaults, name)
        }
        return replace(self, **changes)


@dataclass
class Job:
    """One asynchronous operation and, until it has run, the data it will act on."""

    job_id: str
    kind: JobKind
    project_name: str
    created: datetime
    started_at: float
    duration: float
    lifetime: float
    outcome: TerminalStatus = "succeeded"
    stall: bool = False
    errors: list[JobError] = field(default_factory=list)
    warnings: list[JobError] = field(default_factory=list)
    document: dict[str, Any] | None = None
    exported: bytes | None = None
    model_label: str | None = None
    training_config_version: str | None = None
    deployment_name: str | None = None
    drop_documents: frozenset[str] = frozenset()
    result_lifetime: float | None = None
    result_fetches_left: int | None = None
    applied: bool = False

    @property
    def due_at(self) -> float:
        return self.started_at + self.duration

    def status_at(self, now: float) -> JobStatus:
        elapsed = now - self.started_at
        if elapsed >= self.duration and not self.stall:
            return self.outcome
        return "notStarted" if elapsed < self.duration / 3 else "running"

    def last_updated_at(self, now: float) -> datetime:
        """The wall-clock time of the job's latest status change as seen at `now`."""
        status = self.status_at(now)
        offset = {"notStarted": 0.0, "running": self.duration / 3}.get(status, self.duration)
        return self.created + timedelta(seconds=offset)

    @property
    def finished(self) -> datetime:
        return self.created + timedelta(seconds=self.duration)

    @property
    def expires(self) -> datetime:
        return self.created + timedelta(seconds=self.lifetime)

    def fail(self, code: str, message: str) -> None:
        self.outcome = "failed"
        self.errors = [{"code": code, "message": message}]

    def result_available(self, now: float) -> bool:
        """Whether an export's result can still be fetched (a scenario may expire it)."""
        if self.result_fetches_left is not None and self.result_fetches_left <= 0:
            return False
        if self.result_lifetime is None:
            return True
        return now < self.due_at + self.result_lifetime


class EmulatorState:
    """All projects and jobs of one emulated Language resource."""

    def __init__(self, store: ProjectStore, timing: Timing) -> None:
        self.lock = threading.RLock()
        self.timing = timing
        self.clock = Clock()
        self._store = store
        self._projects = store.load_all()
        self._jobs: dict[str, Job] = {}
        self._effects: dict[JobKind, Callable[[Job], None]] = {
            "import": self._apply_import,
            "export": lambda job: None,
            "deletion": self._apply_deletion,
            "train": self._apply_training,
            "deployment": self._apply_deployment,
            "deployment-deletion": self._apply_deployment_deletion,
        }

    def projects(self) -> list[StoredProject]:
        return sorted(self._projects.values(), key=lambda project: project.name)

    def project(self, name: str) -> StoredProject | None:
        return self._projects.get(name)

    def job(self, job_id: str, kinds: Collection[JobKind], project_name: str | None) -> Job | None:
        """The job of one of these kinds, and of this project unless it is global (None)."""
        job = self._jobs.get(job_id)
        if job is None or job.kind not in kinds:
            return None
        if project_name is not None and job.project_name != project_name:
            return None
        return job

    def jobs(self, kind: JobKind, project_name: str) -> list[Job]:
        found = [job for job in self._jobs.values() if job.kind == kind]
        return sorted(
            (job for job in found if job.project_name == project_name),
            key=lambda job: job.started_at,
        )

    def submit(self, kind: JobKind, project_name: str, plan: JobPlan, **payload: Any) -> Job:
        now = self.clock.now()
        created = self.clock.wall(now).replace(microsecond=0)
        duration = self.timing.duration(kind) if plan.duration is None else plan.duration

        job = Job(
            job_id=new_job_id(created),
            kind=kind,
            project_name=project_name,
            created=created,
            started_at=now,
            duration=duration,
            lifetime=self.timing.job_lifetime,
            outcome=plan.status,
            stall=plan.stall,
            errors=list(plan.errors),
            warnings=list(plan.warnings),
            drop_documents=plan.drop_documents,
            result_lifetime=plan.result_lifetime,
            result_fetches_left=plan.result_fetches,
            **payload,
        )
        if job.outcome == "failed" and not job.errors:
            job.errors = [dict(_DEFAULT_FAILURE)]

        self._jobs[job.job_id] = job
        logger.debug("%s job %s submitted for project %s", kind, job.job_id, project_name)
        return job

    def create_project(self, name: str, document: dict[str, Any]) -> StoredProject:
        moment = self.clock.wall(self.clock.now()).replace(microsecond=0)
        project = StoredProject(name=name, document=document, created=moment, modified=moment)
        self._save(project)
        return project

    def update_project(self, project: StoredProject, document: dict[str, Any]) -> StoredProject:
        moment = self.clock.wall(self.clock.now()).replace(microsecond=0)
        updated = replace(project, document=document, modified=moment)
        self._save(updated)
        return updated

    def delete_model(self, project: StoredProject, label: str) -> None:
        models = {key: model for key, model in project.models.items() if key != label}
        self._save(replace(project, models=models))

    def advance(self, now: float | None = None) -> None:
        """Applies every job that has become terminal by `now`, oldest due first."""
        now = self.clock.now() if now is None else now
        due = [
            job
            for job in self._jobs.values()
            if not job.applied and not job.stall and job.due_at <= now
        ]
        for job in sorted(due, key=lambda job: job.due_at):
            if job.outcome in _EFFECTIVE_STATUSES:
                self._effects[job.kind](job)
            job.applied = True

        self._forget_expired_jobs(now)

    def _save(self, project: StoredProject) -> None:
        self._store.save(project)
        self._projects[project.name] = project

    def _apply_import(self, job: Job) -> None:
        document = without_documents(job.document or {}, job.drop_documents)
        existing = self._projects.get(job.project_name)
        if existing is None:
            project = StoredProject(
                name=job.project_name,
                document=document,
                created=job.finished,
                modified=job.finished,
            )
        else:
            project = replace(existing, document=document, modified=job.finished)

        self._save(project)
        logger.debug("project %s imported", job.project_name)

    def _apply_deletion(self, job: Job) -> None:
        # A second deletion job for the same project finds nothing left and still succeeds.
        if self._projects.pop(job.project_name, None) is not None:
            self._store.delete(job.project_name)
            logger.debug("project %s deleted", job.project_name)

    def _apply_training(self, job: Job) -> None:
        project = self._projects.get(job.project_name)
        if project is None or job.model_label is None:
            job.fail("ProjectNotFound", f"The project {job.project_name!r} no longer exists.")
            return

        model = TrainedModel(
            label=job.model_label,
            model_id=f"{job.model_label}-{job.finished:%Y%m%dT%H%M%SZ}",
            training_config_version=job.training_config_version or "",
            trained=job.finished,
            training_seconds=round(job.duration),
            expires=(job.finished + MODEL_LIFETIME).date(),
            document=job.document or project.document,
        )
        models = {**project.models, model.label: model}
        self._save(replace(project, models=models, last_trained=job.finished))

    def _apply_deployment(self, job: Job) -> None:
        project = self._projects.get(job.project_name)
        model = None if project is None else project.models.get(job.model_label or "")
        if project is None or model is None or job.deployment_name is None:
            job.fail("NotFound", f"The trained model {job.model_label!r} no longer exists.")
            return

        deployment = Deployment(
            name=job.deployment_name,
            model_label=model.label,
            model_id=model.model_id,
            training_config_version=model.training_config_version,
            trained=model.trained,
            deployed=job.finished,
            expires=model.expires,
        )
        deployments = {**project.deployments, deployment.name: deployment}
        self._save(replace(project, deployments=deployments, last_deployed=job.finished))

    def _apply_deployment_deletion(self, job: Job) -> None:
        project = self._projects.get(job.project_name)
        if project is None:
            return
        kept = {
            name: item for name, item in project.deployments.items() if name != job.deployment_name
        }
        self._save(replace(project, deployments=kept))

    def _forget_expired_jobs(self, now: float) -> None:
        expired = [
            job_id
            for job_id, job in self._jobs.items()
            if now >= job.started_at + job.lifetime and (job.applied or job.stall)
        ]
        for job_id in expired:
            del self._jobs[job_id]


def without_documents(document: dict[str, Any], locations: frozenset[str]) -> dict[str, Any]:
    """A copy of a project file (either format) without the documents at `locations`."""
    assets = document.get("assets")
    if not locations or not isinstance(assets, dict):
        return document

    documents = assets.get("documents")
    if not isinstance(documents, list):
        return document

    kept = [item for item in documents if not _located_at(item, locations)]
    return {**document, "assets": {**assets, "documents": kept}}


def _located_at(item: object, locations: frozenset[str]) -> bool:
    return isinstance(item, dict) and item.get("location") in locations
