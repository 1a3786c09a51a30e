"""What an import refuses at once (400) and what makes its job fail."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from .client import AuthoringClient
from .project_files import classification_file, entity_file

Mutation = Callable[[Any], None]


def drop(*keys: str | int) -> Mutation:
    def mutate(project_file: Any) -> None:
        container = project_file
        for key in keys[:-1]:
            container = container[key]
        del container[keys[-1]]

    return mutate


def put(value: object, *keys: str | int) -> Mutation:
    def mutate(project_file: Any) -> None:
        container = project_file
        for key in keys[:-1]:
            container = container[key]
        container[keys[-1]] = value

    return mutate


CLASSIFICATION_PROBLEMS: list[tuple[str, Mutation, str]] = [
    ("no version", drop("projectFileVersion"), "projectFileVersion is required"),
    ("no index type", drop("stringIndexType"), "stringIndexType is required"),
    (
        "utf8 index",
        put("Utf8CodeUnit", "stringIndexType"),
        "stringIndexType must be 'Utf16CodeUnit', got 'Utf8CodeUnit'",
    ),
    ("no metadata", drop("metadata"), "metadata is required"),
    (
        "unknown kind",
        put("CustomSomething", "metadata", "projectKind"),
        "metadata.projectKind 'CustomSomething' is not a known project kind",
    ),
    (
        "kinds differ",
        put("CustomMultiLabelClassification", "assets", "projectKind"),
        "assets.projectKind 'CustomMultiLabelClassification' differs from metadata.projectKind",
    ),
    (
        "undeclared class",
        put({"category": "Foo"}, "assets", "documents", 1, "class"),
        "assets.documents[1].class.category 'Foo' is not a declared class",
    ),
    (
        "duplicate location",
        put("doc1.txt", "assets", "documents", 2, "location"),
        "assets.documents[2].location 'doc1.txt' appears in more than one document",
    ),
    (
        "duplicate class",
        put([{"category": "Drama"}, {"category": "Drama"}], "assets", "classes"),
        "assets.classes[1].category 'Drama' is declared twice",
    ),
    ("numeric language", put(5, "metadata", "language"), "metadata.language must be a string"),
    (
        "text multilingual",
        put("yes", "metadata", "multilingual"),
        "metadata.multilingual must be a boolean, got string",
    ),
    (
        "other name",
        put("Other", "metadata", "projectName"),
        "metadata.projectName 'Other' differs from the project name 'Movies'",
    ),
    (
        "document language",
        put(["en"], "assets", "documents", 0, "language"),
        "assets.documents[0].language must be a string, got array",
    ),
    (
        "no location",
        drop("assets", "documents", 0, "location"),
        "documents[0].location is required",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in CLASSIFICATION_PROBLEMS],
)
def test_a_faulty_project_file_fails_the_import_job(
    client: AuthoringClient, mutate: Mutation, expected: str
) -> None:
    project_file = classification_file("Movies")
    mutate(project_file)

    job = client.import_project("Movies", project_file)

    assert job["status"] == "failed"
    messages = [error["message"] for error in job["errors"]]
    assert any(expected in message for message in messages), messages
    assert all(error["code"] == "InvalidArgument" for error in job["errors"])
    assert client.call("GET", "projects/Movies").status_code == 404


def test_a_multi_label_document_may_only_name_declared_classes(client: AuthoringClient) -> None:
    project_file = classification_file("Movies", kind="CustomMultiLabelClassification")
    project_file["assets"]["documents"][0]["classes"].append({"category": "Horror"})

    job = client.import_project("Movies", project_file)

    assert job["status"] == "failed"
    assert job["errors"][0]["message"] == (
        "assets.documents[0].classes[1].category 'Horror' is not a declared class"
    )


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            put("Nope", "assets", "documents", 2, "entities", 0, "labels", 1, "category"),
            "assets.documents[2].entities[0].labels[1].category 'Nope' is not a declared entity",
        ),
        (
            put(-3, "assets", "documents", 0, "entities", 0, "labels", 0, "offset"),
            "assets.documents[0].entities[0].labels[0].offset must not be negative, got -3",
        ),
        (
            put("9", "assets", "documents", 0, "entities", 0, "regionLength"),
            "assets.documents[0].entities[0].regionLength must be an integer, got string",
        ),
    ],
)
def test_entity_labels_are_checked(
    client: AuthoringClient, mutate: Mutation, expected: str
) -> None:
    project_file = entity_file("Loans")
    mutate(project_file)

    job = client.import_project("Loans", project_file)

    assert job["status"] == "failed"
    assert [error["message"] for error in job["errors"]] == [expected]


def test_a_failed_import_leaves_the_existing_project_alone(client: AuthoringClient) -> None:
    original = classification_file("Movies")
    client.import_project("Movies", original)

    faulty = classification_file("Movies")
    faulty["stringIndexType"] = "Utf8CodeUnit"
    job = client.import_project("Movies", faulty)

    assert job["status"] == "failed"
    assert client.export_project("Movies") == original


def test_project_kinds_match_in_any_letter_case_and_keep_their_spelling(
    client: AuthoringClient,
) -> None:
    project_file = classification_file("Movies")
    project_file["metadata"]["projectKind"] = "customsinglelabelclassification"
    project_file["assets"]["projectKind"] = "CUSTOMSINGLELABELCLASSIFICATION"

    job = client.import_project("Movies", project_file)

    assert job["status"] == "succeeded"
    metadata = client.call("GET", "projects/Movies").json()
    assert metadata["projectKind"] == "CustomSingleLabelClassification"
    assert client.export_project("Movies") == project_file


def test_many_problems_are_reported_up_to_a_limit(client: AuthoringClient) -> None:
    project_file = classification_file("Movies")
    documents = [{"location": "same.txt", "class": {"category": "X"}} for _ in range(40)]
    project_file["assets"]["documents"] = documents

    job = client.import_project("Movies", project_file)

    assert job["status"] == "failed"
    assert len(job["errors"]) == 51
    assert job["errors"][-1]["message"] == "... and 29 more problems"


@pytest.mark.parametrize("name", ["has space", "x" * 51, "semi;colon", "a%2Fb", "%C3%A9t%C3%A9"])
def test_an_invalid_project_name_is_refused_at_once(client: AuthoringClient, name: str) -> None:
    response = client.call("POST", f"projects/{name}/:import", json=classification_file(name))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidArgument"
    assert "operation-location" not in response.headers


def test_the_longest_valid_project_name_is_accepted(client: AuthoringClient) -> None:
    name = "A-b_c.9" + "z" * 43

    job = client.import_project(name, classification_file(name))

    assert len(name) == 50
    assert job["status"] == "succeeded"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "InvalidRequest"),
        (b"", "InvalidRequest"),
        (b'{"projectFileVersion": NaN}', "InvalidRequest"),
        (b"[1, 2]", "InvalidArgument"),
        (b'"a string"', "InvalidArgument"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_at_once(
    client: AuthoringClient, body: bytes, code: str
) -> None:
    headers = {"Content-Type": "application/json"}

    response = client.call("POST", "projects/Movies/:import", data=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_only_the_json_import_format_is_emulated(client: AuthoringClient) -> None:
    client.api_version = "2024-11-15-preview"
    body = classification_file("Movies")

    aml = client.call("POST", "projects/Movies/:import", json=body, headers={"format": "aml"})
    json_format = client.call(
        "POST", "projects/Movies/:import", json=body, headers={"format": "json"}
    )

    assert aml.status_code == 400
    assert json_format.status_code == 202


def test_the_newest_preview_takes_the_project_file_as_a_json_string(
    client: AuthoringClient,
) -> None:
    client.api_version = "2025-05-15-preview"
    project_file = entity_file("Loans")

    job = client.import_project("Loans", json.dumps(project_file))

    assert job["status"] == "succeeded"
    assert client.export_project("Loans") == project_file
