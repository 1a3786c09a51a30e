"""What the emulator remembers: projects on disk, jobs in memory.

A job's effect (replacing or deleting a project) happens exactly once, when the job
reaches its terminal status. Nothing runs in the background: every request first calls
`EmulatorState.advance`, which applies the jobs that have become due, in the order they
became due. The caller holds `EmulatorState.lock` around each request, so all state
changes are serialised.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

logger = logging.getLogger(__name__)

JobKind = Literal["import", "export", "deletion"]
JobStatus = Literal["notStarted", "running", "succeeded", "failed"]

JOB_LIFETIME = timedelta(days=7)
PROJECT_FILE_SUFFIX = ".project.json"
STORE_FORMAT = "archiver-emulator-project"
STORE_FORMAT_VERSION = 1

_DOTNET_EPOCH_ORDINAL = 1
_TICKS_PER_DAY = 864_000_000_000


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second, as in the service's examples."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_job_id(created: datetime) -> str:
    """A job id shaped like the service's: a UUID, `_`, then .NET ticks of the day."""
    days = created.date().toordinal() - _DOTNET_EPOCH_ORDINAL
    return f"{uuid.uuid4()}_{days * _TICKS_PER_DAY}"


@dataclass(frozen=True)
class StoredProject:
    """One project as the emulator keeps it: the project file exactly as imported."""

    name: str
    document: dict[str, Any]
    created: datetime
    modified: datetime
    last_trained: datetime | None = None
    last_deployed: datetime | None = None

    def times(self) -> dict[str, str]:
        """The project's timestamps that are set, under the service's field names."""
        times = {
            "createdDateTime": self.created,
            "lastModifiedDateTime": self.modified,
            "lastTrainedDateTime": self.last_trained,
            "lastDeployedDateTime": self.last_deployed,
        }
        return {key: format_time(moment) for key, moment in times.items() if moment is not None}


@dataclass
class Job:
    """One asynchronous operation and, until it has run, the data it will act on."""

    job_id: str
    kind: JobKind
    project_name: str
    created: datetime
    started_at: float
    delay: float
    errors: list[dict[str, str]] = field(default_factory=list)
    document: dict[str, Any] | None = None
    exported: bytes | None = None
    applied: bool = False

    @property
    def due_at(self) -> float:
        return self.started_at + self.delay

    def status_at(self, now: float) -> JobStatus:
        elapsed = now - self.started_at
        if elapsed >= self.delay:
            return "failed" if self.errors else "succeeded"
        return "notStarted" if elapsed < self.delay / 3 else "running"

    def last_updated_at(self, now: float) -> datetime:
        """The wall-clock time of the job's latest status change as seen at `now`."""
        elapsed = now - self.started_at
        if elapsed >= self.delay:
            offset = self.delay
        else:
            offset = self.delay / 3 if elapsed >= self.delay / 3 else 0.0
        return self.created + timedelta(seconds=offset)

    @property
    def finished(self) -> datetime:
        return self.created + timedelta(seconds=self.delay)

    @property
    def expires(self) -> datetime:
        return self.created + JOB_LIFETIME


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

    optional = {
        "last_trained": envelope.get("lastTrainedDateTime"),
        "last_deployed": envelope.get("lastDeployedDateTime"),
    }
    return StoredProject(
        name=str(envelope["projectName"]),
        document=dict(envelope["project"]),
        created=_parse_time(envelope["createdDateTime"]),
        modified=_parse_time(envelope["lastModifiedDateTime"]),
        **{key: _parse_time(value) for key, value in optional.items() if value is not None},
    )


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class EmulatorState:
    """All projects and jobs of one emulated Language resource."""

    def __init__(self, store: ProjectStore, job_delay: float) -> None:
        self.lock = threading.RLock()
        self.job_delay = job_delay
        self._store = store
        self._projects = store.load_all()
        self._jobs: dict[str, Job] = {}

    def projects(self) -> list[StoredProject]:
        return sorted(self._projects.values(), key=lambda project: project.name)

    def project(self, name: str) -> StoredProject | None:
        return self._projects.get(name)

    def job(self, job_id: str, kind: JobKind, project_name: str | None) -> Job | None:
        """The job of this kind, and of this project unless the job is global (None)."""
        job = self._jobs.get(job_id)
        if job is None or job.kind != kind:
            return None
        if project_name is not None and job.project_name != project_name:
            return None
        return job

    def submit_import(
        self, name: str, document: dict[str, Any], errors: list[dict[str, str]]
    ) -> Job:
        return self._submit("import", name, document=document, errors=errors)

    def submit_export(self, project: StoredProject) -> Job:
        # The export captures the project as it is now, whatever happens to it later.
        exported = json.dumps(project.document, ensure_ascii=False).encode("utf-8")
        return self._submit("export", project.name, exported=exported)

    def submit_deletion(self, project: StoredProject) -> Job:
        return self._submit("deletion", project.name)

    def advance(self, now: float | None = None) -> None:
        """Applies every job that has become terminal by `now`, oldest due first."""
        now = time.monotonic() if now is None else now
        due = [job for job in self._jobs.values() if not job.applied and job.due_at <= now]
        for job in sorted(due, key=lambda job: job.due_at):
            self._apply(job)
            job.applied = True

        self._forget_expired_jobs()

    def _submit(self, kind: JobKind, name: str, **payload: Any) -> Job:
        created = datetime.now(UTC).replace(microsecond=0)

        job = Job(
            job_id=new_job_id(created),
            kind=kind,
            project_name=name,
            created=created,
            started_at=time.monotonic(),
            delay=self.job_delay,
            **payload,
        )
        self._jobs[job.job_id] = job
        logger.debug("%s job %s submitted for project %s", kind, job.job_id, name)
        return job

    def _apply(self, job: Job) -> None:
        if job.errors:
            logger.debug("%s job %s failed", job.kind, job.job_id)
            return

        if job.kind == "import" and job.document is not None:
            self._replace_project(job.project_name, job.document, job.finished)
        elif job.kind == "deletion":
            self._delete_project(job.project_name)

    def _replace_project(self, name: str, document: dict[str, Any], moment: datetime) -> None:
        existing = self._projects.get(name)
        if existing is None:
            project = StoredProject(name=name, document=document, created=moment, modified=moment)
        else:
            project = replace(existing, document=document, modified=moment)

        self._store.save(project)
        self._projects[name] = project
        logger.debug("project %s imported", name)

    def _delete_project(self, name: str) -> None:
        # A second deletion job for the same project finds nothing left and still succeeds.
        if self._projects.pop(name, None) is not None:
            self._store.delete(name)
            logger.debug("project %s deleted", name)

    def _forget_expired_jobs(self) -> None:
        now = datetime.now(UTC)
        expired = [key for key, job in self._jobs.items() if job.applied and job.expires < now]
        for job_id in expired:
            del self._jobs[job_id]
