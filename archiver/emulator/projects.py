"""Project operations: list, get, create or update, delete, import, export, their jobs."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import replace
from typing import Any

from archiver.emulator.formats import (
    ConversionError,
    current_metadata,
    exported_file,
    metadata_view,
    with_metadata,
)
from archiver.emulator.protocol import (
    JSON_CONTENT_TYPE,
    ApiError,
    Call,
    Response,
    invalid_argument,
    json_object_body,
    json_response,
    not_found,
    paged_response,
    parse_json,
)
from archiver.emulator.state import EmulatorState, Job, JobKind
from archiver.emulator.store import StoredProject
from archiver.emulator.validation import (
    LEGACY_PROJECT_NAME_RULE,
    PROJECT_NAME_RULE,
    canonical_project_kind,
    check_legacy_project_file,
    check_project_file,
    check_project_metadata,
    is_valid_legacy_project_name,
    is_valid_name,
)
from archiver.emulator.views import job_state

# An Azure resource id in the shape the newest preview reports; no such account exists.
STORAGE_ACCOUNT_RESOURCE_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/emulator"
    "/providers/Microsoft.Storage/storageAccounts/emulator"
)
_METADATA_KEYS = frozenset(
    {
        "projectKind",
        "storageInputContainerName",
        "projectName",
        "language",
        "settings",
        "multilingual",
        "description",
    }
)
_RESULT_STATUSES = frozenset({"succeeded", "partiallyCompleted"})


def list_projects(state: EmulatorState, call: Call) -> Response:
    items = [metadata_view(project, call.family) for project in state.projects()]
    return paged_response(call, "projects", items)


def get_project(state: EmulatorState, call: Call) -> Response:
    body = metadata_view(existing_project(state, call), call.family)
    if call.since("2025-05-15-preview"):
        body["storageAccountResourceId"] = STORAGE_ACCOUNT_RESOURCE_ID
    return json_response(200, body)


def patch_project(state: EmulatorState, call: Call) -> Response:
    """Creates an empty project (201) or merges the body into its metadata (200)."""
    name = checked_project_name(call)
    patch = json_object_body(call, "the project's metadata")
    unknown = sorted(set(patch) - _METADATA_KEYS)
    if unknown:
        raise invalid_argument(f"The project metadata has no field {unknown[0]!r}.")

    existing = state.project(name)
    if existing is None:
        _raise_on_problems(check_project_metadata(patch, name))
        document = {
            "projectFileVersion": call.api_version,
            "stringIndexType": "Utf16CodeUnit",
            "metadata": patch,
        }
        return json_response(201, metadata_view(state.create_project(name, document), call.family))

    metadata = _merged_metadata(existing, patch, name)
    updated = state.update_project(existing, with_metadata(existing.document, metadata))
    return json_response(200, metadata_view(updated, call.family))


def delete_project(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    job = state.submit("deletion", project.name, call.plan_job("deletion"))
    return call.accepted(f"projects/global/deletion-jobs/{job.job_id}")


def import_project(state: EmulatorState, call: Call) -> Response:
    name = checked_project_name(call)
    _check_import_format(call)
    document = _project_file_from_body(call)

    check = check_legacy_project_file if call.family.legacy else check_project_file
    problems = check(document, name)
    plan = call.plan_job("import")
    if problems:
        errors = tuple({"code": "InvalidArgument", "message": problem} for problem in problems)
        plan = replace(plan, status="failed", errors=errors, warnings=())

    job = state.submit("import", name, plan, document=document)
    return call.accepted(f"projects/{name}/import/jobs/{job.job_id}")


def export_project(state: EmulatorState, call: Call) -> Response:
    # 2021-11-01-preview took no stringIndexType; its callers send {"assetsToExport": ["*"]}.
    if not call.family.legacy:
        _check_string_index_type(call)

    project = existing_project(state, call)
    document = _exported_source(project, call)
    try:
        exported = exported_file(document, call.family)
    except ConversionError as error:
        message = (
            f"The project {project.name!r} cannot be exported with {call.api_version}: {error}."
        )
        raise ApiError(400, "InvalidRequest", message) from error

    data = json.dumps(exported, ensure_ascii=False).encode("utf-8")
    job = state.submit("export", project.name, call.plan_job("export"), exported=data)
    return call.accepted(f"projects/{project.name}/export/jobs/{job.job_id}")


def get_import_job(state: EmulatorState, call: Call) -> Response:
    return json_response(200, job_state(existing_job(state, call, ["import"]), call))


def get_export_job(state: EmulatorState, call: Call) -> Response:
    return json_response(200, job_state(existing_job(state, call, ["export"]), call))


def get_deletion_job(state: EmulatorState, call: Call) -> Response:
    return json_response(200, job_state(existing_job(state, call, ["deletion"]), call))


def get_export_result(state: EmulatorState, call: Call) -> Response:
    job = existing_job(state, call, ["export"])
    status = job.status_at(call.now)
    if status not in _RESULT_STATUSES or job.exported is None:
        raise not_found(f"The export job {job.job_id} has no result while it is {status}.")
    if not job.result_available(call.now):
        raise not_found(f"The result of export job {job.job_id} has expired.")

    if job.result_fetches_left is not None:
        job.result_fetches_left -= 1
    return Response(200, job.exported, {"Content-Type": JSON_CONTENT_TYPE})


def existing_project(state: EmulatorState, call: Call) -> StoredProject:
    name = call.params["projectName"]
    project = state.project(name)
    if project is None:
        raise ApiError(404, "ProjectNotFound", f"The project {name!r} could not be found.")
    return project


def existing_job(state: EmulatorState, call: Call, kinds: Collection[JobKind]) -> Job:
    job_id = call.params["jobId"]
    job = state.job(job_id, kinds, call.params.get("projectName"))
    deployment = call.params.get("deploymentName")
    if job is None or (deployment is not None and job.deployment_name != deployment):
        noun = " or ".join(kinds)
        raise ApiError(404, "OperationNotFound", f"The {noun} job {job_id!r} could not be found.")
    return job


def checked_project_name(call: Call) -> str:
    name = call.params["projectName"]
    if call.family.legacy and not is_valid_legacy_project_name(name):
        raise invalid_argument(
            f"The project name {name!r} is not valid: use {LEGACY_PROJECT_NAME_RULE}."
        )
    if not is_valid_name(name):
        raise invalid_argument(f"The project name {name!r} is not valid: use {PROJECT_NAME_RULE}.")
    return name


def _exported_source(project: StoredProject, call: Call) -> dict[str, Any]:
    """The project file to export: the project's, or a trained model's training data."""
    label = call.query.get("trainedModelLabel")
    # Exporting a trained model's data came with 2022-10-01-preview; older versions ignore it.
    if label is None or not call.since("2022-10-01-preview"):
        return project.document

    model = project.models.get(label)
    if model is None:
        raise not_found(f"The project {project.name!r} has no trained model {label!r}.")
    return model.document


def _merged_metadata(project: StoredProject, patch: dict[str, Any], name: str) -> dict[str, Any]:
    current = current_metadata(project.document)
    merged: dict[str, Any] = _merge_patch(current, patch)
    kinds = {canonical_project_kind(item.get("projectKind")) for item in (current, merged)}
    if len(kinds) > 1:
        raise invalid_argument("The projectKind of an existing project cannot change.")

    _raise_on_problems(check_project_metadata(merged, name))
    return merged


def _merge_patch(target: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7396): null removes a member, objects merge recursively."""
    if not isinstance(patch, dict):
        return patch

    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge_patch(merged.get(key), value)
    return merged


def _raise_on_problems(problems: list[str]) -> None:
    if problems:
        raise invalid_argument("; ".join(problems) + ".")


def _project_file_from_body(call: Call) -> dict[str, Any]:
    body = call.request.body
    # 2025-05-15-preview also takes the project file as one JSON string.
    if call.since("2025-05-15-preview") and body.strip().startswith(b'"'):
        text = parse_json(body)
        if isinstance(text, str):
            body = text.encode("utf-8")

    return json_object_body(
        replace(call, request=replace(call.request, body=body)), "a project file"
    )


def _check_import_format(call: Call) -> None:
    file_format = call.request.header("format")
    if file_format is not None and file_format.lower() != "json":
        message = f"The emulator imports only the 'json' format, not {file_format!r}."
        raise invalid_argument(message)


def _check_string_index_type(call: Call) -> None:
    index_type = call.query.get("stringIndexType")
    if index_type != "Utf16CodeUnit":
        message = (
            f"The stringIndexType query parameter must be 'Utf16CodeUnit', got {index_type!r}."
        )
        raise invalid_argument(message)
