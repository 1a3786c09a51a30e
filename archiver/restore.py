"""Restore workflow: one snapshot into a resource, planned before anything is sent.

A restore never replaces an existing project unless asked, and then only after
a safety snapshot of the target has been written to the store and read back.
After the import it exports the target again and compares it with what was
sent, so a restore that the service silently shortened does not pass as done.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from archiver.backup import capture
from archiver.config import Resource
from archiver.conversion import convert_to_2022
from archiver.diffing import ProjectDiff, diff_projects
from archiver.errors import (
    ArchiverError,
    ConfigError,
    ConflictError,
    StorageError,
    ValidationError,
    VerifyFailedError,
)
from archiver.projectfile import (
    FORMAT_2021,
    Project,
    check_project_name,
    detect_format,
    project_name,
    validate_project,
    with_project_name,
)
from archiver.service import AuthoringClient
from archiver.snapshot import SAFETY_TAG, Snapshot
from archiver.store import Store

log = logging.getLogger(__name__)

_LISTED_DIFFERENCES = 10
# 2021-11-01-preview's rule for project names, stricter than the later one.
_LEGACY_NAME = re.compile(r"[A-Za-z0-9]{1,50}")


@dataclass(frozen=True)
class Overrides:
    """Metadata to set on the restored project, e.g. for another region's storage."""

    storage_container: str | None = None
    language: str | None = None
    description: str | None = None

    def fields(self) -> dict[str, str]:
        """The project-file metadata fields these overrides set."""
        values = {
            "storageInputContainerName": self.storage_container,
            "language": self.language,
            "description": self.description,
        }
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True, kw_only=True)
class RestorePlan:
    """What a restore will do, computed before anything is sent."""

    snapshot: Snapshot
    resource: Resource
    target: str
    project: Project
    overwrite: bool
    live: Snapshot | None = None
    # The target's lastModifiedDateTime when it was exported for the plan.
    live_modified: object = None
    changes: ProjectDiff | None = None
    converted_from: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    retrain: bool = False

    @property
    def target_exists(self) -> bool:
        return self.live is not None

    @property
    def conflict(self) -> bool:
        return self.target_exists and not self.overwrite


@dataclass(frozen=True)
class Rebuilt:
    """One training or deployment job a --retrain ran: what, and its job id."""

    kind: str
    name: str
    model_label: str
    job_id: str


@dataclass(frozen=True)
class RestoreResult:
    plan: RestorePlan
    import_job_id: str
    safety_snapshot: Path | None
    verified: bool
    rebuilt: tuple[Rebuilt, ...] = ()


def plan_restore(
    snapshot: Snapshot,
    client: AuthoringClient,
    resource: Resource,
    *,
    target: str | None = None,
    overwrite: bool = False,
    overrides: Overrides | None = None,
    retrain: bool = False,
) -> RestorePlan:
    """Work out what a restore will send and what it will replace; change nothing.

    An existing target is exported into memory: the plan shows how it differs from
    the snapshot, and the same export becomes the safety snapshot if the restore
    goes ahead.
    """
    name = check_project_name(snapshot.source.project if target is None else target)
    if retrain:
        _check_retrainable(snapshot)
    if client.routes.legacy and not _LEGACY_NAME.fullmatch(name):
        raise ValidationError(
            f"invalid project name {name!r} for api-version {client.api_version}: "
            "it takes 1 to 50 letters or digits"
        )
    project, converted_from = _project_for(snapshot.project, client)
    if project_name(project) != name:
        project = with_project_name(project, name)
    fields = (overrides or Overrides()).fields()
    if fields:
        project = {**project, "metadata": {**project["metadata"], **fields}}

    plan = RestorePlan(
        snapshot=snapshot,
        resource=resource,
        target=name,
        project=project,
        overwrite=overwrite,
        converted_from=converted_from,
        overrides=fields,
        retrain=retrain,
    )
    validate_project(project)
    metadata = client.get_project(name)
    if metadata is None:
        return plan

    live = capture(client, resource, name, tags=(SAFETY_TAG,), description=_safety_note(snapshot))
    changes = diff_projects(live.project, project)
    return replace(
        plan, live=live, live_modified=metadata.get("lastModifiedDateTime"), changes=changes
    )


def execute_restore(
    plan: RestorePlan,
    client: AuthoringClient,
    store: Store | None,
    *,
    verify: bool = True,
    wait_lock: float = 0.0,
    on_progress: Callable[[str], None] = lambda message: None,
) -> RestoreResult:
    """Carry out a plan: safety snapshot if replacing, the import job, then verification.

    The target's lock in the store is held throughout, so no export of the
    target interleaves with its replacement.
    """
    if plan.conflict:
        raise _conflict(plan)
    if store is None:
        if plan.target_exists:
            raise ConfigError("replacing a project needs a store for its safety snapshot")
        _check_target_unchanged(plan, client)
        result = _import_and_verify(plan, client, None, verify=verify)
    else:
        with store.lock(plan.resource.name, plan.target, command="restore", wait=wait_lock):
            _check_target_unchanged(plan, client)
            safety = _write_safety_snapshot(plan, store) if plan.live is not None else None
            try:
                result = _import_and_verify(plan, client, safety, verify=verify)
            except ArchiverError as exc:
                # Whatever went wrong after it was written, say where the safety snapshot is.
                if safety is not None:
                    exc.message += f" (the project as it was is saved in {safety})"
                raise

    if plan.retrain:
        on_progress(f"restored {plan.resource.name}/{plan.target}; now training and deploying")
        result = replace(result, rebuilt=_retrain(plan, client, on_progress))
    return result


def _check_retrainable(snapshot: Snapshot) -> None:
    if snapshot.models is None or snapshot.deployments is None:
        raise ValidationError(
            "this snapshot records no trained models (taken by an older archiver or from a "
            "2021-11-01-preview resource): train and deploy by hand after the restore"
        )
    for model in snapshot.models:
        if not model.training_config_version:
            raise ValidationError(f"model {model.label!r} has no recorded training config version")
    for deployment in snapshot.deployments:
        if deployment.model_label is None:
            raise ValidationError(
                f"deployment {deployment.name!r} served a model the snapshot does not name"
            )


def _retrain(
    plan: RestorePlan, client: AuthoringClient, on_progress: Callable[[str], None]
) -> tuple[Rebuilt, ...]:
    """Train every recorded model again, then point every deployment at its model."""
    snapshot = plan.snapshot
    assert snapshot.models is not None and snapshot.deployments is not None
    rebuilt = []
    for model in snapshot.models:
        on_progress(f"training model {model.label} ({model.training_config_version}) …")
        job = client.train(plan.target, model.label, str(model.training_config_version))
        rebuilt.append(Rebuilt("model", model.label, model.label, job.job_id))

    for deployment in snapshot.deployments:
        label = str(deployment.model_label)
        on_progress(f"deploying {deployment.name} → model {label} …")
        job = client.deploy(plan.target, deployment.name, label)
        rebuilt.append(Rebuilt("deployment", deployment.name, label, job.job_id))
    return tuple(rebuilt)


def _project_for(project: Project, client: AuthoringClient) -> tuple[Project, str | None]:
    """The project file in the format the target resource speaks."""
    legacy_project = detect_format(project) == FORMAT_2021
    if legacy_project == client.routes.legacy:
        return project, None
    if legacy_project:
        return convert_to_2022(project), FORMAT_2021
    raise ValidationError(
        f"cannot restore a {detect_format(project)} project file into api-version "
        f"{client.api_version}: the 2021-11-01-preview format cannot hold it"
    )


def _import_and_verify(
    plan: RestorePlan, client: AuthoringClient, safety: Path | None, *, verify: bool
) -> RestoreResult:
    job = client.import_project(plan.target, plan.project)
    log.info(
        "imported %s into %s/%s", plan.snapshot.source.project, plan.resource.name, plan.target
    )
    if verify:
        restored = client.export_project(plan.target).project
        differences = diff_projects(plan.project, restored)
        if not differences.empty:
            raise VerifyFailedError(_describe_differences(plan, differences))
    return RestoreResult(plan, job.job_id, safety, verified=verify)


def _check_target_unchanged(plan: RestorePlan, client: AuthoringClient) -> None:
    """Refuse when the target changed since the plan: the plan's backup would not hold it."""
    current = client.get_project(plan.target)
    if plan.target_exists:
        changed = current is None or current.get("lastModifiedDateTime") != plan.live_modified
    else:
        changed = current is not None
    if changed:
        raise ConflictError(
            f"project {plan.target!r} in {plan.resource.name} changed after the restore plan "
            "was made; run the restore again to see the new plan"
        )


def _write_safety_snapshot(plan: RestorePlan, store: Store) -> Path:
    assert plan.live is not None
    path = store.write(plan.live)
    if store.read(path).project_sha256 != plan.live.project_sha256:
        raise StorageError(f"the safety snapshot {path} does not read back as written")
    log.info("safety snapshot of %s/%s written to %s", plan.resource.name, plan.target, path)
    return path


def _conflict(plan: RestorePlan) -> ConflictError:
    return ConflictError(
        f"project {plan.target!r} already exists in {plan.resource.name}; "
        "pass --overwrite to replace it (a safety snapshot is taken first)"
    )


def _safety_note(snapshot: Snapshot) -> str:
    return f"taken before restoring {snapshot.source.resource}/{snapshot.source.project} over it"


def _describe_differences(plan: RestorePlan, differences: ProjectDiff) -> str:
    listed = [
        f"{change.section} {change.action} {change.key}"
        for change in differences.changes[:_LISTED_DIFFERENCES]
    ]
    more = len(differences.changes) - len(listed)
    tail = f"; and {more} more" if more > 0 else ""
    return (
        f"verification failed: {plan.resource.name}/{plan.target} differs from what was "
        f"imported in {len(differences.changes)} places: {'; '.join(listed)}{tail}"
    )
