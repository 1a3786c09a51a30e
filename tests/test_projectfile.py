from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from archiver.errors import ValidationError
from archiver.projectfile import (
    FORMAT_2021,
    FORMAT_2022,
    check_project_name,
    detect_format,
    project_hash,
    project_kind,
    summarize,
    validate_project,
    with_project_name,
)
from tests.helpers import SAMPLES_2021, SAMPLES_2022, SHARED_MISSING, entity_project, single_label


def test_valid_single_label_project_passes_unchanged() -> None:
    project = single_label()
    before = copy.deepcopy(project)
    assert validate_project(project) is project
    assert project == before


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("stringIndexType",), "Utf8CodeUnit", "stringIndexType"),
        (("metadata", "multilingual"), "yes", "metadata.multilingual"),
        (("metadata", "language"), 7, "metadata.language"),
        (("assets", "documents", 0, "class"), "Billing", "assets: documents.0.class"),
        (("assets", "classes", 0), {"name": "Billing"}, "assets: classes.0"),
    ],
)
def test_schema_errors_name_the_offending_path(
    path: tuple[str | int, ...], value: object, message: str
) -> None:
    project = single_label()
    target: Any = project
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value

    with pytest.raises(ValidationError) as caught:
        validate_project(project)
    assert message in caught.value.message


def test_missing_required_field_is_reported() -> None:
    project = single_label()
    del project["metadata"]["projectName"]
    with pytest.raises(ValidationError, match="projectName"):
        validate_project(project)


def test_assets_kind_must_agree_with_metadata_kind() -> None:
    project = single_label()
    project["assets"]["projectKind"] = "CustomEntityRecognition"
    with pytest.raises(ValidationError, match="does not match"):
        validate_project(project)


def test_project_kind_is_compared_without_case_and_kept_as_written() -> None:
    project = single_label()
    project["assets"]["projectKind"] = "customSingleLabelClassification"
    validate_project(project)
    assert project["assets"]["projectKind"] == "customSingleLabelClassification"
    assert project_kind(project) == "CustomSingleLabelClassification"


def test_a_non_object_or_unknown_document_is_refused() -> None:
    with pytest.raises(ValidationError, match="JSON object"):
        validate_project([1, 2])
    with pytest.raises(ValidationError, match="not a project file"):
        validate_project({"hello": "world"})


def test_entity_labels_need_offsets() -> None:
    project = entity_project()
    del project["assets"]["documents"][0]["entities"][0]["labels"][0]["offset"]
    with pytest.raises(ValidationError, match="offset"):
        validate_project(project)


def test_hash_ignores_key_order_but_not_content() -> None:
    project = single_label()
    reordered = json.loads(json.dumps(project, sort_keys=True))
    assert project_hash(project) == project_hash(reordered)

    project["assets"]["documents"][0]["dataset"] = "Test"
    assert project_hash(project) != project_hash(reordered)


def test_summary_counts_classes_documents_and_labels() -> None:
    summary = summarize(entity_project())
    assert (summary.kind, summary.classes, summary.documents, summary.labels) == (
        "CustomEntityRecognition",
        2,
        1,
        2,
    )


@pytest.mark.parametrize("name", ["Movies", "a.b-c_9", "x" * 50])
def test_service_project_names_are_accepted(name: str) -> None:
    assert check_project_name(name) == name


@pytest.mark.parametrize("name", ["", "..", "a/b", "a b", "x" * 51, "..\\evil", "naïve"])
def test_hostile_project_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="invalid project name"):
        check_project_name(name)


def test_renaming_keeps_everything_else() -> None:
    project = single_label("Old")
    renamed = with_project_name(project, "New")
    assert renamed["metadata"]["projectName"] == "New"
    assert project["metadata"]["projectName"] == "Old"
    assert renamed["assets"] is project["assets"]


@pytest.mark.skipif(not SAMPLES_2022.is_dir(), reason=SHARED_MISSING)
def test_every_real_sample_file_validates() -> None:
    files = sorted(SAMPLES_2022.glob("*.json")) + sorted(SAMPLES_2021.glob("*.json"))
    assert len(files) == 6
    for path in sorted(SAMPLES_2022.glob("*.json")):
        project = json.loads(path.read_text("utf-8"))
        assert detect_format(project) == FORMAT_2022
        validate_project(project)
        assert path.name.split(".")[1] == project_kind(project)


@pytest.mark.skipif(not SAMPLES_2022.is_dir(), reason=SHARED_MISSING)
def test_seed_format_project_file_validates() -> None:
    docs = SAMPLES_2022.parents[1] / "docs-samples"
    for name in (
        "ctc-2021-11-01-preview-import-body.from-fail-over.md.json",
        "ner-2021-11-01-preview-import-body.from-quickstart-rest-api.md.json",
    ):
        project = json.loads((docs / name).read_text("utf-8"))
        assert detect_format(project) == FORMAT_2021
        validate_project(project)


def test_summary_of_an_unmodelled_kind_with_odd_shapes_does_not_fail() -> None:
    project = single_label()
    project["metadata"]["projectKind"] = "CustomTextSentiment"
    project["assets"] = {
        "projectKind": "CustomTextSentiment",
        "documents": [{"location": "a.txt", "classes": 5}, {"location": "b.txt", "entities": 7}],
    }
    summary = summarize(validate_project(project))
    assert (summary.kind, summary.documents, summary.labels) == ("CustomTextSentiment", 2, 0)
