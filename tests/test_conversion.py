"""2021-11-01-preview project files convert to 2022-05-01 without losing anything."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archiver.conversion import convert_to_2022
from archiver.diffing import ADDED, REMOVED, diff_projects
from archiver.errors import ValidationError
from archiver.projectfile import validate_project
from tests.helpers import SAMPLES_2021, SAMPLES_2022, SHARED_MISSING

MODEL_TYPES = {
    "CustomSingleLabelClassification": "singleClassification",
    "CustomMultiLabelClassification": "multiClassification",
    "CustomEntityRecognition": "Extraction",
}
PAIRS = [
    ("loanAgreementsLabels.extractors.json", "loanAgreementsLabels.CustomEntityRecognition.json"),
    ("movieLabels.classifiers.json", "movieLabels.CustomMultiLabelClassification.json"),
    (
        "webOfScience_labelsFile.classifiers.json",
        "webOfScience_labelsFile.CustomSingleLabelClassification.json",
    ),
]
# Between the two releases of the sample data, three movie files were renamed to ASCII.
RENAMED_MOVIES = {
    REMOVED: ["Das_schreckliche_Mädchen.txt", "Lucía,_Lucía.txt", "Mortelle_randonnée.txt"],
    ADDED: ["Das_schreckliche_Madchen.txt", "Lucia_Lucia.txt", "Mortelle_randonnee.txt"],
}


def _load(path: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _with_2021_metadata(assets: dict[str, Any], like: dict[str, Any]) -> dict[str, Any]:
    """A whole 2021 project file: the sample's assets plus the metadata of its 2022 twin."""
    metadata = like["metadata"]
    return {
        "api-version": "2021-11-01-preview",
        "metadata": {
            "name": metadata["projectName"],
            "modelType": MODEL_TYPES[metadata["projectKind"]],
            "multiLingual": metadata["multilingual"],
            "description": metadata["description"],
            "language": metadata["language"],
            "storageInputContainerName": metadata["storageInputContainerName"],
            "settings": metadata["settings"],
        },
        "assets": assets,
    }


@pytest.mark.skipif(not SAMPLES_2021.is_dir(), reason=SHARED_MISSING)
@pytest.mark.parametrize(("old_name", "new_name"), PAIRS, ids=lambda name: name.split(".")[0])
def test_real_samples_convert_without_loss(old_name: str, new_name: str) -> None:
    new = _load(SAMPLES_2022 / new_name)
    old = _with_2021_metadata(_load(SAMPLES_2021 / old_name), new)

    converted = validate_project(convert_to_2022(old))
    changes = diff_projects(converted, new).changes

    assert [c for c in changes if c.section != "documents"] == []
    moved = {
        action: sorted(c.key for c in changes if c.action == action) for action in (ADDED, REMOVED)
    }
    if old_name.startswith("movieLabels"):
        assert len(changes) == 6
        assert moved == RENAMED_MOVIES
        # The renamed documents keep their labels: only the location changed.
        labels = {c.key: c.new or c.old for c in changes}
        for before, after in zip(RENAMED_MOVIES[REMOVED], RENAMED_MOVIES[ADDED], strict=True):
            assert labels[before] == labels[after]
    else:
        assert changes == ()


def test_single_label_document_with_two_classes_cannot_convert() -> None:
    old = {
        "metadata": {"name": "P", "modelType": "singleClassification", "language": "en"},
        "assets": {
            "classifiers": [{"name": "A"}, {"name": "B"}],
            "documents": [
                {
                    "location": "d.txt",
                    "classifiers": [{"classifierName": "A"}, {"classifierName": "B"}],
                }
            ],
        },
    }
    with pytest.raises(ValidationError, match=r"documents\[0\]\.classifiers: a single-label"):
        convert_to_2022(old)


def test_unknown_field_stops_the_conversion() -> None:
    old = {
        "metadata": {"name": "P", "modelType": "Extraction", "language": "en", "owner": "x"},
        "assets": {"extractors": [], "documents": []},
    }
    with pytest.raises(ValidationError, match=r"cannot convert metadata\.owner"):
        convert_to_2022(old)


def test_a_2022_file_is_not_converted() -> None:
    with pytest.raises(ValidationError, match="only a 2021-11-01-preview"):
        convert_to_2022({"projectFileVersion": "2022-05-01", "metadata": {}})


def test_labels_of_the_other_kind_are_refused_not_dropped() -> None:
    old = {
        "metadata": {"name": "P", "modelType": "Extraction", "language": "en"},
        "assets": {
            "extractors": [{"name": "E"}],
            "documents": [{"location": "d.txt", "classifiers": [{"classifierName": "A"}]}],
        },
    }
    with pytest.raises(ValidationError, match=r"documents\[0\]\.classifiers"):
        convert_to_2022(old)


def test_unknown_model_type_is_refused() -> None:
    old = {"metadata": {"name": "P", "modelType": "sentiment", "language": "en"}, "assets": {}}
    with pytest.raises(ValidationError, match=r"cannot convert metadata\.modelType 'sentiment'"):
        convert_to_2022(old)


def test_a_file_without_documents_converts() -> None:
    old = {
        "metadata": {"name": "P", "modelType": "Extraction", "language": "en"},
        "assets": {"extractors": [{"name": "E"}]},
    }
    converted = validate_project(convert_to_2022(old))
    assert converted["assets"] == {
        "projectKind": "CustomEntityRecognition",
        "entities": [{"category": "E"}],
        "documents": [],
    }
