"""Export workflow: projects of one or more resources into snapshots in the store.

Each resource gets its own pool of at most `max_concurrency` threads, and all
resources run at once. The waiting is on remote jobs under the resource's
quota, which the client's pacer keeps; the threads only keep enough jobs in
flight that the quota, not the waiting, sets the pace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from archiver.config import Resource
from archiver.errors import (
    ArchiverError,
    CorruptSnapshotError,
    InternalError,
    PartialFailureError,
    RemoteError,
)
from archiver.projectfile import (
    ProjectSummary,
    check_project_name,
    project_kind,
    summarize,
    validate_project,
)
from archiver.service import AuthoringClient
from archiver.snapshot import (
    Deployment,
    Snapshot,
    Source,
    TrainedModel,
    build_snapshot,
    public_endpoint,
)
from archiver.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportOutcome:
    """What became of one project: a snapshot file, or an error."""

    resource: str
    project: str  # empty when the resource itself failed before any project started
    path: Path | None = None
    summary: ProjectSummary | None = None
    error: ArchiverError | None = None
    unchanged: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def batch_failure(outcomes: Sequence[ExportOutcome]) -> ArchiverError | None:
    """The error a batch ends with: none, the shared one when all failed alike, or partial."""
    errors = [outcome.error for outcome in outcomes if outcome.error is not None]
    if not errors:
        return None
    if len(errors) == len(outcomes) and len({type(error) for error in errors}) == 1:
        return errors[0]
    failed = ", ".join(_label(outcome) for outcome in outcomes if outcome.error is not None)
    return PartialFailureError(f"{len(errors)} of {len(outcomes)} projects failed: {failed}")


def _label(outcome: ExportOutcome) -> str:
    return outcome.project or f"{outcome.resource} (every project)"


def list_project_names(client: AuthoringClient) -> list[str]:
    # 2021-11-01-preview metadata calls the field `name`.
    names = [p.get("projectName", p.get("name")) for p in client.list_projects()]
    if not all(isinstance(name, str) for name in names):
        raise RemoteError("the project list holds a project without a projectName")
    return sorted(str(name) for name in names)


def capture(
    client: AuthoringClient,
    resource: Resource,
    name: str,
    *,
    tags: Iterable[str] = (),
    description: str | None = None,
) -> Snapshot:
    """Export one live project into a snapshot held in memory."""
    check_project_name(name)
    exported = client.export_project(name)
    project = validate_project(exported.project)

    # The name asked for, not the one inside the file: it is what the service calls it.
    source = Source(
        resource=resource.name,
        endpoint=public_endpoint(resource.endpoint),
        api_version=client.api_version,
        project=name,
        project_kind=project_kind(project),
        export_job_id=exported.job_id,
    )
    models, deployments = _trained_state(client, name)
    return build_snapshot(
        project,
        source,
        tags=tags,
        description=description,
        models=models,
        deployments=deployments,
    )


def _trained_state(
    client: AuthoringClient, name: str
) -> tuple[tuple[TrainedModel, ...] | None, tuple[Deployment, ...] | None]:
    """The project's trained models and what each deployment serves, for --retrain.

    They only serve a later --retrain: when the service will not list them, the
    project is still backed up, with them recorded as unknown.
    """
    if client.routes.legacy:
        return None, None
    try:
        listed = client.list_models(name)
        deployed = client.list_deployments(name)
    except RemoteError as exc:
        log.warning("%s: models and deployments not recorded: %s", name, exc.message)
        return None, None

    models = tuple(
        TrainedModel(m["label"], _text_or_none(m.get("modelTrainingConfigVersion")))
        for m in listed
        if isinstance(m.get("label"), str) and m["label"]
    )
    # A deployment names the model it serves by id; a restore needs the label.
    labels = {m.get("modelId"): m["label"] for m in listed if isinstance(m.get("label"), str)}
    deployments = tuple(
        Deployment(d["deploymentName"], labels.get(d.get("modelId")))
        for d in deployed
        if isinstance(d.get("deploymentName"), str) and d["deploymentName"]
    )
    return models, deployments


def _same_state(old: Snapshot, new: Snapshot) -> bool:
    """Whether a new export adds nothing: same project, same models, same deployments."""
    return (
        old.project_sha256 == new.project_sha256
        and _as_set(old.models) == _as_set(new.models)
        and _as_set(old.deployments) == _as_set(new.deployments)
    )


def _as_set(items: tuple[object, ...] | None) -> frozenset[object] | None:
    return None if items is None else frozenset(items)


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class ExportOptions:
    tags: tuple[str, ...] = ()
    description: str | None = None
    skip_unchanged: bool = False
    wait_lock: float = 0.0


@dataclass(frozen=True)
class ExportBatch:
    """The projects to export from one resource, and the client that reaches it."""

    resource: Resource
    client: AuthoringClient
    names: tuple[str, ...]


StartHook = Callable[[str, str], None]
OutcomeHook = Callable[[ExportOutcome], None]


def prepare_batches(
    resources: Sequence[Resource],
    names: Sequence[str],
    connect: Callable[[Resource], AuthoringClient],
) -> tuple[list[ExportBatch], list[ExportOutcome]]:
    """A batch per resource: the names given, or (none given) every project it has.

    A resource that cannot be reached or listed becomes one failed outcome, so that
    the other resources still run.
    """
    batches: list[ExportBatch] = []
    failures: list[ExportOutcome] = []
    for resource in resources:
        try:
            client = connect(resource)
            listed = names or list_project_names(client)
        except ArchiverError as exc:
            log.debug("resource %s failed", resource.name, exc_info=True)
            failures.append(ExportOutcome(resource.name, "", error=exc))
            continue
        batches.append(ExportBatch(resource, client, tuple(dict.fromkeys(listed))))
    return batches, failures


def export_batches(
    batches: Sequence[ExportBatch],
    store: Store,
    options: ExportOptions,
    *,
    on_start: StartHook | None = None,
    on_outcome: OutcomeHook | None = None,
) -> list[ExportOutcome]:
    """Export every batch at once; one project's failure does not stop the others.

    Outcomes come back in the order the batches name the projects; the hooks are
    called from the worker threads as projects start and end.
    """
    pools = [
        ThreadPoolExecutor(batch.resource.max_concurrency, f"export-{batch.resource.name}")
        for batch in batches
    ]
    futures: list[Future[ExportOutcome]] = []
    try:
        for batch, pool in zip(batches, pools, strict=True):
            for name in batch.names:
                task = _Task(batch, name, store, options, on_start, on_outcome)
                futures.append(pool.submit(task.run))
        return [future.result() for future in futures]
    except BaseException:
        # Ctrl-C lands here, in the main thread: cut every wait short so that the
        # workers release their locks promptly instead of finishing their jobs.
        for batch in batches:
            batch.client.stop()
        raise
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class _Task:
    batch: ExportBatch
    name: str
    store: Store
    options: ExportOptions
    on_start: StartHook | None
    on_outcome: OutcomeHook | None

    def run(self) -> ExportOutcome:
        resource = self.batch.resource
        if self.on_start is not None:
            self.on_start(resource.name, self.name)
        outcome = _export_one(self.batch.client, resource, self.name, self.store, self.options)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return outcome


def latest_intact(store: Store, resource: str, project: str) -> Snapshot | None:
    """The newest snapshot of a project that reads back intact, if any."""
    for entry in reversed(store.entries(resource=resource, project=project)):
        try:
            return store.read(entry.path)
        except CorruptSnapshotError as exc:
            log.warning("passing over %s", exc.message)
    return None


def _export_one(
    client: AuthoringClient, resource: Resource, name: str, store: Store, options: ExportOptions
) -> ExportOutcome:
    try:
        check_project_name(name)
        with store.lock(resource.name, name, command="export", wait=options.wait_lock):
            return _capture_and_write(client, resource, name, store, options)
    except ArchiverError as exc:
        log.debug("export of %s/%s failed", resource.name, name, exc_info=True)
        return ExportOutcome(resource.name, name, error=exc)
    except Exception as exc:
        # A bug met by one project must not cost the night's other backups.
        log.error("export of %s/%s hit a bug", resource.name, name, exc_info=True)
        error = InternalError(f"internal error: {type(exc).__name__}: {exc} (please report it)")
        return ExportOutcome(resource.name, name, error=error)


def _capture_and_write(
    client: AuthoringClient, resource: Resource, name: str, store: Store, options: ExportOptions
) -> ExportOutcome:
    snapshot = capture(client, resource, name, tags=options.tags, description=options.description)
    summary = summarize(snapshot.project)

    if options.skip_unchanged:
        latest = latest_intact(store, resource.name, name)
        if latest is not None and _same_state(latest, snapshot):
            return ExportOutcome(resource.name, name, latest.path, summary, unchanged=True)

    path = store.write(snapshot)
    return ExportOutcome(resource.name, name, path=path, summary=summary)
