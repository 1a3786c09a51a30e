"""Training, trained models and deployments: enough for a restore to rebuild a model."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from archiver.emulator import EmulatorServer

from .client import KEY, AuthoringClient
from .project_files import classification_file, entity_file

TRAIN_BODY = {"modelLabel": "model1", "trainingConfigVersion": "2022-05-01"}


@pytest.fixture
def movies(client: AuthoringClient) -> AuthoringClient:
    assert client.import_project("Movies", classification_file("Movies"))["status"] == "succeeded"
    return client


def test_training_records_a_model_with_the_project(movies: AuthoringClient) -> None:
    response = movies.call("POST", "projects/Movies/:train", json=TRAIN_BODY)
    job_url = movies.job_url(response)
    job = movies.wait(job_url)
    model = movies.call("GET", "projects/Movies/models/model1").json()
    metadata = movies.call("GET", "projects/Movies").json()

    assert "/language/authoring/analyze-text/projects/Movies/train/jobs/" in job_url
    assert job["status"] == "succeeded"
    assert set(job["result"]) == {
        "modelLabel",
        "trainingConfigVersion",
        "trainingStatus",
        "evaluationStatus",
        "estimatedEndDateTime",
    }
    assert job["result"]["trainingStatus"]["status"] == "succeeded"
    assert job["result"]["trainingStatus"]["percentComplete"] == 100
    assert set(model) == {
        "label",
        "modelId",
        "lastTrainedDateTime",
        "lastTrainingDurationInSeconds",
        "modelExpirationDate",
        "modelTrainingConfigVersion",
        "hasSnapshot",
    }
    assert model["label"] == "model1"
    assert model["modelTrainingConfigVersion"] == "2022-05-01"
    assert metadata["lastTrainedDateTime"] == model["lastTrainedDateTime"]
    assert movies.call("GET", "projects/Movies/models").json() == {
        "value": [model],
        "nextLink": None,
    }


def test_a_training_job_reports_its_progress(data_dir: Path) -> None:
    with EmulatorServer(
        data_dir, KEY, scenario={"version": 1, "job_durations": {"train": 0.3}}
    ) as server:
        client = AuthoringClient(server.url, KEY)
        client.import_project("Movies", classification_file("Movies"))
        job_url = client.job_url(client.call("POST", "projects/Movies/:train", json=TRAIN_BODY))

        seen: dict[str, dict[str, Any]] = {}
        while "succeeded" not in seen:
            job = client.call_url("GET", job_url).json()
            seen.setdefault(job["status"], job["result"])
            time.sleep(0.01)

    assert list(seen) == ["notStarted", "running", "succeeded"]
    assert seen["notStarted"]["trainingStatus"] == {"percentComplete": 0, "status": "notStarted"}
    assert seen["running"]["trainingStatus"]["status"] == "running"
    assert "startDateTime" in seen["running"]["trainingStatus"]
    assert seen["running"]["evaluationStatus"]["status"] == "notStarted"
    assert seen["succeeded"]["evaluationStatus"]["status"] == "succeeded"
    assert "endDateTime" in seen["succeeded"]["trainingStatus"]


def test_training_jobs_are_listed(movies: AuthoringClient) -> None:
    first = movies.train("Movies", "model1")
    second = movies.train("Movies", "model2")

    listed = movies.call("GET", "projects/Movies/train/jobs").json()

    assert [job["jobId"] for job in listed["value"]] == [first["jobId"], second["jobId"]]
    assert listed["nextLink"] is None


def test_deploying_a_trained_model(movies: AuthoringClient) -> None:
    movies.train("Movies")

    response = movies.call(
        "PUT", "projects/Movies/deployments/prod", json={"trainedModelLabel": "model1"}
    )
    job_url = movies.job_url(response)
    job = movies.wait(job_url)
    deployment = movies.call("GET", "projects/Movies/deployments/prod").json()
    model = movies.call("GET", "projects/Movies/models/model1").json()
    metadata = movies.call("GET", "projects/Movies").json()

    assert "/projects/Movies/deployments/prod/jobs/" in job_url
    assert job["status"] == "succeeded"
    assert deployment == {
        "deploymentName": "prod",
        "modelId": model["modelId"],
        "lastTrainedDateTime": model["lastTrainedDateTime"],
        "lastDeployedDateTime": deployment["lastDeployedDateTime"],
        "deploymentExpirationDate": model["modelExpirationDate"],
        "modelTrainingConfigVersion": "2022-05-01",
    }
    assert metadata["lastDeployedDateTime"] == deployment["lastDeployedDateTime"]
    listed = movies.call("GET", "projects/Movies/deployments").json()
    assert listed == {"value": [deployment], "nextLink": None}


def test_a_deployment_of_an_absent_model_is_not_found(movies: AuthoringClient) -> None:
    response = movies.call(
        "PUT", "projects/Movies/deployments/prod", json={"trainedModelLabel": "model9"}
    )

    assert response.status_code == 404
    assert "model9" in response.json()["error"]["message"]
    assert "operation-location" not in response.headers


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"trainingConfigVersion": "latest"}, "modelLabel field is required"),
        ({"modelLabel": "has space", "trainingConfigVersion": "latest"}, "is not valid"),
        ({"modelLabel": "m1"}, "trainingConfigVersion field is required"),
        ({"modelLabel": "m1", "trainingConfigVersion": "1999-01-01"}, "is not known"),
        (
            {
                "modelLabel": "m1",
                "trainingConfigVersion": "latest",
                "evaluationOptions": {
                    "kind": "percentage",
                    "trainingSplitPercentage": 80,
                    "testingSplitPercentage": 30,
                },
            },
            "add up to 100",
        ),
        (
            {
                "modelLabel": "m1",
                "trainingConfigVersion": "latest",
                "evaluationOptions": {"kind": "random"},
            },
            "evaluationOptions.kind",
        ),
    ],
)
def test_a_bad_training_request_is_refused_at_once(
    movies: AuthoringClient, body: dict[str, Any], fragment: str
) -> None:
    response = movies.call("POST", "projects/Movies/:train", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgument"
    assert fragment in response.json()["error"]["message"]


def test_evaluation_options_that_add_up_are_taken(movies: AuthoringClient) -> None:
    options = {"kind": "Percentage", "trainingSplitPercentage": 80, "testingSplitPercentage": 20}
    body = {**TRAIN_BODY, "evaluationOptions": options}

    response = movies.call("POST", "projects/Movies/:train", json=body)

    assert movies.wait(movies.job_url(response))["status"] == "succeeded"


def test_an_absent_project_cannot_be_trained(client: AuthoringClient) -> None:
    response = client.call("POST", "projects/Absent/:train", json=TRAIN_BODY)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ProjectNotFound"


def test_deleting_a_project_removes_its_models_and_deployments(movies: AuthoringClient) -> None:
    movies.train("Movies")
    movies.deploy("Movies", "prod")

    movies.delete_project("Movies")
    movies.import_project("Movies", classification_file("Movies"))

    assert movies.call("GET", "projects/Movies/models").json()["value"] == []
    assert movies.call("GET", "projects/Movies/deployments").json()["value"] == []
    assert "lastTrainedDateTime" not in movies.call("GET", "projects/Movies").json()


def test_a_reimport_keeps_models_and_deployments(movies: AuthoringClient) -> None:
    movies.train("Movies")
    movies.deploy("Movies", "prod")

    movies.import_project("Movies", classification_file("Movies"))

    assert len(movies.call("GET", "projects/Movies/models").json()["value"]) == 1
    assert movies.call("GET", "projects/Movies/deployments/prod").status_code == 200


def test_models_and_deployments_survive_a_restart(data_dir: Path) -> None:
    with EmulatorServer(data_dir, KEY) as first:
        client = AuthoringClient(first.url, KEY)
        client.import_project("Loans", entity_file("Loans"))
        client.train("Loans")
        client.deploy("Loans", "prod")
        before = client.call("GET", "projects/Loans/deployments/prod").json()

    with EmulatorServer(data_dir, KEY) as second:
        client = AuthoringClient(second.url, KEY)
        after = client.call("GET", "projects/Loans/deployments/prod").json()
        models = client.call("GET", "projects/Loans/models").json()["value"]

    assert after == before
    assert [model["label"] for model in models] == ["model1"]


def test_an_export_of_a_trained_model_returns_its_training_data(movies: AuthoringClient) -> None:
    movies.train("Movies")
    changed = classification_file("Movies")
    changed["assets"]["classes"].append({"category": "Horror"})
    movies.import_project("Movies", changed)
    params = {"stringIndexType": "Utf16CodeUnit", "trainedModelLabel": "model1"}

    response = movies.call("POST", "projects/Movies/:export", params=params)
    job = movies.wait(movies.job_url(response))

    assert movies.call_url("GET", job["resultUrl"]).json() == classification_file("Movies")
    assert movies.export_project("Movies") == changed


def test_2022_05_01_ignores_the_trained_model_label(movies: AuthoringClient) -> None:
    movies.api_version = "2022-05-01"
    params = {"stringIndexType": "Utf16CodeUnit", "trainedModelLabel": "absent"}

    response = movies.call("POST", "projects/Movies/:export", params=params)

    assert response.status_code == 202


def test_a_model_and_a_deployment_can_be_deleted(movies: AuthoringClient) -> None:
    movies.train("Movies")
    movies.deploy("Movies", "prod")

    undeployed = movies.call("DELETE", "projects/Movies/deployments/prod")
    job = movies.wait(movies.job_url(undeployed))
    deleted = movies.call("DELETE", "projects/Movies/models/model1")

    assert job["status"] == "succeeded"
    assert deleted.status_code == 204
    assert movies.call("GET", "projects/Movies/deployments/prod").status_code == 404
    missing = movies.call("GET", "projects/Movies/models/model1")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NotFound"


def test_a_training_job_fails_when_its_project_is_deleted_first(data_dir: Path) -> None:
    scenario = {"version": 1, "job_durations": {"train": 0.2}}
    with EmulatorServer(data_dir, KEY, scenario=scenario) as server:
        client = AuthoringClient(server.url, KEY)
        client.import_project("Movies", classification_file("Movies"))
        job_url = client.job_url(client.call("POST", "projects/Movies/:train", json=TRAIN_BODY))
        client.delete_project("Movies")
        job = client.wait(job_url)

    assert job["status"] == "failed"
    assert job["errors"][0]["code"] == "ProjectNotFound"


def test_training_config_versions_and_languages(client: AuthoringClient) -> None:
    params = {"projectKind": "CustomEntityRecognition"}
    versions = client.call("GET", "projects/global/training-config-versions", params=params)
    languages = client.call("GET", "projects/global/languages", params={"maxpagesize": 3}).json()
    wrong_kind = client.call(
        "GET", "projects/global/training-config-versions", params={"projectKind": "Other"}
    )

    assert versions.status_code == 200
    assert [set(item) for item in versions.json()["value"]] == [
        {"trainingConfigVersion", "modelExpirationDate"}
    ]
    assert [set(item) for item in languages["value"]] == [{"languageName", "languageCode"}] * 3
    assert "skip=3" in languages["nextLink"]
    assert wrong_kind.status_code == 400
