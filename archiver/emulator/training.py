"""Training, trained models, deployments, and the global lists that go with them.

Training produces no model: the job records one (label, id, times, and the project
file it was trained on) with the project, so that a restore can rebuild a deployment
and a later export of the model returns its training data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from archiver.emulator.projects import existing_job, existing_project
from archiver.emulator.protocol import (
    Call,
    Response,
    invalid_argument,
    json_object_body,
    json_response,
    not_found,
    paged_response,
)
from archiver.emulator.state import MODEL_LIFETIME, EmulatorState
from archiver.emulator.store import StoredProject, TrainedModel
from archiver.emulator.validation import (
    PROJECT_NAME_RULE,
    canonical_project_kind,
    is_valid_name,
)
from archiver.emulator.views import deployment_view, job_state, model_view

TRAINING_CONFIG_VERSIONS = ("2022-05-01",)
LATEST_CONFIG_VERSION = "latest"
EVALUATION_KINDS = ("percentage", "manual")
LANGUAGES = (
    ("English", "en"),
    ("English (US)", "en-us"),
    ("French", "fr"),
    ("German", "de"),
    ("Italian", "it"),
    ("Japanese", "ja"),
    ("Korean", "ko"),
    ("Portuguese (Brazil)", "pt-br"),
    ("Spanish", "es"),
    ("Chinese (Simplified)", "zh-hans"),
)


def train(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    body = json_object_body(call, "the training job's details")
    label = _checked_name(body.get("modelLabel"), "modelLabel")
    if call.family.legacy:
        _optional_boolean(body, "runValidation")
        config = TRAINING_CONFIG_VERSIONS[-1]
    else:
        config = _training_config_version(body.get("trainingConfigVersion"))
        _check_evaluation_options(body.get("evaluationOptions"))

    job = state.submit(
        "train",
        project.name,
        call.plan_job("train"),
        model_label=label,
        training_config_version=config,
        document=project.document,
    )
    return call.accepted(f"projects/{project.name}/train/jobs/{job.job_id}")


def list_training_jobs(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    jobs = [job_state(job, call) for job in state.jobs("train", project.name)]
    return paged_response(call, f"projects/{project.name}/train/jobs", jobs)


def get_training_job(state: EmulatorState, call: Call) -> Response:
    return json_response(200, job_state(existing_job(state, call, ["train"]), call))


def list_models(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    models = [model_view(project.models[label], call) for label in sorted(project.models)]
    return paged_response(call, f"projects/{project.name}/models", models)


def get_model(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    return json_response(200, model_view(_existing_model(project, call), call))


def delete_model(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    state.delete_model(project, _existing_model(project, call).label)
    return Response(204)


def deploy(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    name = _checked_name(call.params["deploymentName"], "deploymentName")
    body = json_object_body(call, "the deployment's details")
    label = body.get("trainedModelLabel")
    if not isinstance(label, str):
        raise invalid_argument("The trainedModelLabel field is required and must be a string.")
    if label not in project.models:
        raise not_found(f"The project {project.name!r} has no trained model {label!r}.")

    plan = call.plan_job("deployment")
    job = state.submit("deployment", project.name, plan, model_label=label, deployment_name=name)
    return call.accepted(f"projects/{project.name}/deployments/{name}/jobs/{job.job_id}")


def delete_deployment(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    name = _existing_deployment_name(project, call)

    plan = call.plan_job("deployment-deletion")
    job = state.submit("deployment-deletion", project.name, plan, deployment_name=name)
    return call.accepted(f"projects/{project.name}/deployments/{name}/jobs/{job.job_id}")


def list_deployments(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    items = [deployment_view(project.deployments[name]) for name in sorted(project.deployments)]
    return paged_response(call, f"projects/{project.name}/deployments", items)


def get_deployment(state: EmulatorState, call: Call) -> Response:
    project = existing_project(state, call)
    name = _existing_deployment_name(project, call)
    return json_response(200, deployment_view(project.deployments[name]))


def get_deployment_job(state: EmulatorState, call: Call) -> Response:
    job = existing_job(state, call, ["deployment", "deployment-deletion"])
    return json_response(200, job_state(job, call))


def list_training_config_versions(state: EmulatorState, call: Call) -> Response:
    kind = call.query.get("projectKind")
    if kind is not None and canonical_project_kind(kind) is None:
        raise invalid_argument(f"The projectKind {kind!r} is not a known project kind.")

    # Models trained today would expire after the emulator's fixed model lifetime.
    expires = (datetime.now(UTC) + MODEL_LIFETIME).date().isoformat()
    items = [
        {"trainingConfigVersion": version, "modelExpirationDate": expires}
        for version in TRAINING_CONFIG_VERSIONS
    ]
    return paged_response(call, "projects/global/training-config-versions", items)


def list_languages(state: EmulatorState, call: Call) -> Response:
    items = [{"languageName": name, "languageCode": code} for name, code in LANGUAGES]
    return paged_response(call, "projects/global/languages", items)


def _existing_model(project: StoredProject, call: Call) -> TrainedModel:
    label = call.params["trainedModelLabel"]
    model = project.models.get(label)
    if model is None:
        raise not_found(f"The project {project.name!r} has no trained model {label!r}.")
    return model


def _existing_deployment_name(project: StoredProject, call: Call) -> str:
    name = call.params["deploymentName"]
    if name not in project.deployments:
        raise not_found(f"The project {project.name!r} has no deployment {name!r}.")
    return name


def _checked_name(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise invalid_argument(f"The {field} field is required and must be a string.")
    if not is_valid_name(value):
        raise invalid_argument(f"The {field} {value!r} is not valid: use {PROJECT_NAME_RULE}.")
    return value


def _training_config_version(value: object) -> str:
    if not isinstance(value, str):
        raise invalid_argument("The trainingConfigVersion field is required and must be a string.")
    if value.lower() == LATEST_CONFIG_VERSION:
        return TRAINING_CONFIG_VERSIONS[-1]

    if value not in TRAINING_CONFIG_VERSIONS:
        known = ", ".join((*TRAINING_CONFIG_VERSIONS, LATEST_CONFIG_VERSION))
        raise invalid_argument(f"The trainingConfigVersion {value!r} is not known; use {known}.")
    return value


def _check_evaluation_options(options: object) -> None:
    if options is None:
        return
    if not isinstance(options, dict):
        raise invalid_argument("The evaluationOptions field must be an object.")

    kind = options.get("kind")
    if kind is not None and (not isinstance(kind, str) or kind.lower() not in EVALUATION_KINDS):
        raise invalid_argument(f"The evaluationOptions.kind must be one of {EVALUATION_KINDS}.")

    splits = [_split(options, key) for key in ("trainingSplitPercentage", "testingSplitPercentage")]
    if None not in splits and sum(split or 0 for split in splits) != 100:
        raise invalid_argument("The training and testing split percentages must add up to 100.")


def _split(options: dict[str, Any], key: str) -> int | None:
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise invalid_argument(f"The evaluationOptions.{key} must be an integer from 0 to 100.")
    return value


def _optional_boolean(body: dict[str, Any], key: str) -> None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise invalid_argument(f"The {key} field must be a boolean.")
