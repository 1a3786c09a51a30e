"""2021-11-01-preview: its paths, its project file format, and life beside 2022 projects."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from archiver.emulator import EmulatorServer

from .client import KEY, KEY_HEADER, LEGACY_VERSION, AuthoringClient
from .conftest import REFERENCE, SAMPLES_2021, SEED, shared_path
from .project_files import (
    entity_file,
    legacy_classification_file,
    legacy_entity_file,
    wrapped_tags_file,
)

TAGS_FILES = [
    ("loanAgreementsLabels.extractors.json", "Extraction"),
    ("movieLabels.classifiers.json", "multiClassification"),
    ("webOfScience_labelsFile.classifiers.json", "singleClassification"),
]


@pytest.fixture
def secondary(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(tmp_path / "secondary-data", KEY) as server:
        yield server


def code_blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", markdown, flags=re.DOTALL)


def poll(url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        job: dict[str, Any] = requests.get(url, headers={KEY_HEADER: KEY}, timeout=10).json()
        if job["status"] not in {"notStarted", "running"} or time.monotonic() > deadline:
            return job
        time.sleep(0.02)


def test_the_seed_documents_urls_work_word_for_word(
    emulator: EmulatorServer, secondary: EmulatorServer
) -> None:
    seed = shared_path(SEED).read_text(encoding="utf-8")
    export_url, location_form, status_url, result_url, import_url = [
        block.strip() for block in code_blocks(seed, "rest")
    ]
    export_body, status_example, project_file = [
        json.loads(block) for block in code_blocks(seed, "json")
    ]
    name = project_file["metadata"]["name"]
    headers = {KEY_HEADER: KEY}

    def filled(template: str, job_id: str = "") -> str:
        for placeholder in ("{projectName}", "{YOUR-PROJECT-NAME}"):
            template = template.replace(placeholder, name)
        template = template.replace("{YOUR-PRIMARY-ENDPOINT}", emulator.url)
        template = template.replace("{YOUR-SECONDARY-ENDPOINT}", secondary.url)
        return template.replace("{JOB-ID}", job_id)

    # The primary resource holds the project the document's import body describes.
    primary_import = filled(import_url).replace(secondary.url, emulator.url)
    seeded = requests.post(primary_import, json=project_file, headers=headers, timeout=10)
    assert poll(seeded.headers["location"])["status"] == "succeeded"

    exported = requests.post(filled(export_url), json=export_body, headers=headers, timeout=10)
    assert exported.status_code == 202
    assert "operation-location" not in exported.headers
    job_id = exported.headers["location"].split("/jobs/")[1].split("?")[0]
    assert exported.headers["location"] == filled(location_form, job_id)

    status = poll(filled(status_url, job_id))
    assert status["status"] == "succeeded"
    assert set(status) == set(status_example)
    assert status["resultUrl"] == filled(result_url, job_id)

    result = requests.get(filled(result_url, job_id), headers=headers, timeout=10)
    assert result.status_code == 200
    assert result.json() == project_file

    imported = requests.post(filled(import_url), json=result.json(), headers=headers, timeout=10)
    assert imported.status_code == 202
    assert poll(imported.headers["location"])["status"] == "succeeded"
    copy = AuthoringClient(secondary.url, KEY, api_version=LEGACY_VERSION)
    assert copy.export_project(name) == project_file


@pytest.mark.parametrize(("file_name", "model_type"), TAGS_FILES)
def test_a_2021_sample_tags_file_comes_back_from_export_unchanged(
    legacy_client: AuthoringClient, file_name: str, model_type: str
) -> None:
    tags = json.loads(shared_path(SAMPLES_2021 / file_name).read_text(encoding="utf-8"))
    project_file = wrapped_tags_file("Sample", model_type, tags)

    job = legacy_client.import_project("Sample", project_file)
    metadata = legacy_client.call("GET", "projects/Sample").json()

    assert job["status"] == "succeeded", job
    assert metadata["modelType"] == model_type
    assert legacy_client.export_project("Sample") == project_file


def test_the_2021_documentation_samples_import(legacy_client: AuthoringClient) -> None:
    samples = sorted(shared_path(REFERENCE / "docs-samples").glob("*2021-11-01-preview*.json"))

    for path in samples:
        project_file = json.loads(path.read_text(encoding="utf-8"))
        name = project_file["metadata"]["name"]
        assert legacy_client.import_project(name, project_file)["status"] == "succeeded", path
        assert legacy_client.export_project(name) == project_file
    assert len(samples) == 2


def test_project_metadata_in_2021_terms(legacy_client: AuthoringClient) -> None:
    legacy_client.import_project("Movies", legacy_classification_file("Movies"))

    listed = legacy_client.call("GET", "projects").json()
    metadata = legacy_client.call("GET", "projects/Movies").json()

    assert listed == {"value": [metadata], "nextLink": None}
    assert set(metadata) == {
        "createdDateTime",
        "lastModifiedDateTime",
        "modelType",
        "storageInputContainerName",
        "name",
        "multiLingual",
        "description",
        "language",
        "settings",
    }
    assert metadata["modelType"] == "multiClassification"
    assert metadata["name"] == "Movies"


def test_a_2022_project_shows_in_2021_terms(
    client: AuthoringClient, legacy_client: AuthoringClient
) -> None:
    client.import_project("Loans", entity_file("Loans"))

    metadata = legacy_client.call("GET", "projects/Loans").json()
    exported = legacy_client.export_project("Loans")

    assert metadata["modelType"] == "Extraction"
    assert metadata["multiLingual"] is False
    assert exported["metadata"]["modelType"] == "Extraction"
    labels = exported["assets"]["documents"][0]["extractors"][0]["labels"]
    assert labels[0] == {"extractorName": "Date", "offset": 5, "length": 9}


@pytest.mark.parametrize("model_type", ["multiClassification", "singleClassification"])
def test_a_2021_project_exports_through_2022_in_the_2022_format_and_back(
    client: AuthoringClient, legacy_client: AuthoringClient, model_type: str
) -> None:
    original = legacy_classification_file("Movies", model_type=model_type)
    legacy_client.import_project("Movies", original)

    converted = client.export_project("Movies")
    client.delete_project("Movies")
    reimported = client.import_project("Movies", converted)

    assert converted["projectFileVersion"] == "2022-05-01"
    assert converted["stringIndexType"] == "Utf16CodeUnit"
    assert converted["metadata"]["projectName"] == "Movies"
    assert converted["assets"]["classes"] == [{"category": "Drama"}, {"category": "Comedy"}]
    assert reimported["status"] == "succeeded"
    assert legacy_client.export_project("Movies") == original


def test_a_2021_entity_project_converts_both_ways(
    client: AuthoringClient, legacy_client: AuthoringClient
) -> None:
    original = legacy_entity_file("Loans")
    legacy_client.import_project("Loans", original)

    converted = client.export_project("Loans")
    client.delete_project("Loans")
    client.import_project("Loans", converted)

    region = converted["assets"]["documents"][0]["entities"][0]
    assert region["labels"][1] == {"category": "LenderName", "offset": 40, "length": 14}
    assert client.call("GET", "projects/Loans").json()["projectKind"] == "CustomEntityRecognition"
    assert legacy_client.export_project("Loans") == original


def test_a_kind_2021_did_not_know_cannot_be_exported_through_it(
    client: AuthoringClient, legacy_client: AuthoringClient
) -> None:
    path = REFERENCE / "docs-samples"
    sample = "sentiment-2023-04-15-preview-import-body.from-custom-sentiment-import-include.json"
    project_file = json.loads(shared_path(path / sample).read_text(encoding="utf-8"))
    client.import_project("TestSentiment", project_file)

    response = legacy_client.call("POST", "projects/TestSentiment/:export")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequest"
    assert "CustomTextSentiment" in response.json()["error"]["message"]
    assert legacy_client.call("GET", "projects/TestSentiment").status_code == 200


def test_each_family_checks_its_own_format(
    client: AuthoringClient, legacy_client: AuthoringClient
) -> None:
    legacy_job = client.import_project("Movies", legacy_classification_file("Movies"))
    current_job = legacy_client.import_project("Loans", entity_file("Loans"))

    assert legacy_job["status"] == "failed"
    assert "projectFileVersion is required" in legacy_job["errors"][0]["message"]
    assert current_job["status"] == "failed"
    assert "metadata.name is required" in current_job["errors"][0]["message"]


def put(value: object, *keys: str | int) -> Any:
    def mutate(project_file: Any) -> None:
        container = project_file
        for key in keys[:-1]:
            container = container[key]
        container[keys[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (put("Other", "metadata", "name"), "metadata.name 'Other' differs from the project name"),
        (
            put("Classification", "metadata", "modelType"),
            "metadata.modelType 'Classification' is not a known model type",
        ),
        (put("yes", "metadata", "multiLingual"), "metadata.multiLingual must be a boolean"),
        (put(7, "metadata", "language"), "metadata.language must be a string, got number"),
        (
            put([{"classifierName": "Horror"}], "assets", "documents", 0, "classifiers"),
            "assets.documents[0].classifiers[0].classifierName 'Horror' is not a declared "
            "classifier",
        ),
        (
            put("doc1.txt", "assets", "documents", 1, "location"),
            "assets.documents[1].location 'doc1.txt' appears in more than one document",
        ),
        (
            put([{"name": "Drama"}, {"name": "Drama"}], "assets", "classifiers"),
            "assets.classifiers[1].name 'Drama' is declared twice",
        ),
    ],
)
def test_a_faulty_2021_file_fails_the_import_job(
    legacy_client: AuthoringClient, mutate: Any, expected: str
) -> None:
    project_file = legacy_classification_file("Movies")
    mutate(project_file)

    job = legacy_client.import_project("Movies", project_file)

    assert job["status"] == "failed"
    messages = [error["message"] for error in job["errors"]]
    assert any(expected in message for message in messages), messages


def test_a_single_classification_document_takes_one_classifier(
    legacy_client: AuthoringClient,
) -> None:
    project_file = legacy_classification_file("Movies", model_type="singleClassification")
    project_file["assets"]["documents"][0]["classifiers"].append({"classifierName": "Comedy"})

    job = legacy_client.import_project("Movies", project_file)

    assert job["status"] == "failed"
    assert job["errors"][0]["message"] == (
        "assets.documents[0].classifiers has 2 classifiers; a singleClassification "
        "document takes one"
    )


def test_extractor_labels_must_name_declared_extractors(legacy_client: AuthoringClient) -> None:
    project_file = legacy_entity_file("Loans")
    region = project_file["assets"]["documents"][1]["extractors"][0]
    region["labels"] = [{"extractorName": "Amount", "offset": -1, "length": 3}]

    job = legacy_client.import_project("Loans", project_file)

    assert [error["message"] for error in job["errors"]] == [
        "assets.documents[1].extractors[0].labels[0].extractorName 'Amount' is not a declared "
        "extractor",
        "assets.documents[1].extractors[0].labels[0].offset must not be negative, got -1",
    ]


@pytest.mark.parametrize("name", ["My-Project", "my_project", "v1.2"])
def test_2021_project_names_are_letters_and_digits(
    legacy_client: AuthoringClient, name: str
) -> None:
    response = legacy_client.call(
        "POST", f"projects/{name}/:import", json=legacy_classification_file(name)
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgument"
    assert "letters or digits" in response.json()["error"]["message"]
    assert "x-ms-error-code" not in response.headers


def test_a_2021_export_needs_no_string_index_type(legacy_client: AuthoringClient) -> None:
    legacy_client.import_project("Movies", legacy_classification_file("Movies"))

    response = legacy_client.call("POST", "projects/Movies/:export", headers={"format": "JSON"})

    assert response.status_code == 202
    assert legacy_client.wait(response.headers["location"])["status"] == "succeeded"


def test_2021_training_and_deployment_hand_out_location_headers(
    legacy_client: AuthoringClient,
) -> None:
    legacy_client.import_project("Movies", legacy_classification_file("Movies"))
    body = {"modelLabel": "model1", "runValidation": True}

    trained = legacy_client.call("POST", "projects/Movies/:train", json=body)
    training = legacy_client.wait(legacy_client.job_url(trained))
    deployed = legacy_client.deploy("Movies", "prod")
    metadata = legacy_client.call("GET", "projects/Movies").json()

    assert "/language/analyze-text/projects/Movies/train/jobs/" in trained.headers["location"]
    assert training["status"] == "succeeded"
    assert training["result"]["modelLabel"] == "model1"
    assert deployed["status"] == "succeeded"
    assert "lastDeployedDateTime" in metadata


def test_the_2021_result_lives_only_under_internal(legacy_client: AuthoringClient) -> None:
    legacy_client.import_project("Movies", legacy_classification_file("Movies"))
    job = legacy_client.wait(legacy_client.start_export("Movies"))

    public = job["resultUrl"].replace("/internal/projects/", "/projects/")

    assert "/language/analyze-text/internal/projects/Movies/export/jobs/" in job["resultUrl"]
    assert legacy_client.call_url("GET", public).status_code == 404
    assert legacy_client.call_url("GET", job["resultUrl"]).status_code == 200
