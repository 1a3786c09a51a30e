"""Restore workflow: one snapshot into a resource, planned before anything is sent.

A restore never replaces an existing project unless asked, and then only after
a safety snapshot of the target has been written to the store and read back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from archiver.backup import capture
from archiver.config import Resource
from archiver.errors import ConfigError, ConflictError, ValidationError
from archiver.projectfile import (
    FORMAT_2021,
    Project,
    check_project_name,
    detect_format,
    project_name,
    with_project_name,
)
from archiver.service import AuthoringClient
from archiver.snapshot import Snapshot
from archiver.store import Store

log = logging.getLogger(__name__)

SAFETY_TAG = "pre-restore"


@dataclass(frozen=True)
class RestorePlan:
    """What a restore will do, computed before anything is sent."""

    snapshot: Snapshot
    resource: Resource
    target: str
    target_exists: bool
    overwrite: bool
    project: Project


@dataclass(frozen=True)
class RestoreResult:
    plan: RestorePlan
    import_job_id: str
    safety_snapshot: Path | None


def plan_restore(
    snapshot: Snapshot,
    client: AuthoringClient,
    resource: Resource,
    *,
    target: str | None = None,
    overwrite: bool = False,
) -> RestorePlan:
    """Check the restore can go ahead and say what it will do; send nothing."""
    name = check_project_name(snapshot.source.project if target is None else target)
    project = snapshot.project
    _check_format(project, client.api_version)
    if project_name(project) != name:
        project = with_project_name(project, name)

    exists = client.get_project(name) is not None
    if exists and not overwrite:
        raise ConflictError(
            f"project {name!r} already exists in {resource.name}; "
            "pass --overwrite to replace it (a safety snapshot is taken first)"
        )
    return RestorePlan(snapshot, resource, name, exists, overwrite, project)


def execute_restore(
    plan: RestorePlan, client: AuthoringClient, store: Store | None, *, wait_lock: float = 0.0
) -> RestoreResult:
    """Carry out a plan: safety snapshot if replacing, then the import job.

    The target's lock in the store is held throughout, so no export of the
    target interleaves with its replacement.
    """
    if store is None:
        if plan.target_exists:
            raise ConfigError("replacing a project needs a store for its safety snapshot")
        job = client.import_project(plan.target, plan.project)
        return RestoreResult(plan, job.job_id, None)

    with store.lock(plan.resource.name, plan.target, command="restore", wait=wait_lock):
        _check_target_unchanged(plan, client)
        safety = _write_safety_snapshot(plan, client, store) if plan.target_exists else None
        job = client.import_project(plan.target, plan.project)
    log.info(
        "imported %s into %s as %s", plan.snapshot.source.project, plan.resource.name, plan.target
    )
    return RestoreResult(plan, job.job_id, safety)


def _check_target_unchanged(plan: RestorePlan, client: AuthoringClient) -> None:
    # A project created since the plan was made would otherwise be replaced unseen.
    if not plan.target_exists and client.get_project(plan.target) is not None:
        raise ConflictError(
            f"project {plan.target!r} appeared in {plan.resource.name} after the restore plan "
            "was made; run the restore again to see the new plan"
        )


def _write_safety_snapshot(plan: RestorePlan, client: AuthoringClient, store: Store) -> Path:
    snapshot = capture(
        client,
        plan.resource,
        plan.target,
        tags=(SAFETY_TAG,),
        description=f"taken before restoring {plan.snapshot.source.project} over it",
    )
    path = store.write(snapshot)
    store.read(path)
    log.info("safety snapshot of %s/%s written to %s", plan.resource.name, plan.target, path)
    return path


def _check_format(project: Project, api_version: str) -> None:
    legacy_project = detect_format(project) == FORMAT_2021
    legacy_target = api_version == FORMAT_2021
    if legacy_project != legacy_target:
        raise ValidationError(
            f"cannot restore a {detect_format(project)} project file into api-version "
            f"{api_version}: converting between formats is not supported yet"
        )
