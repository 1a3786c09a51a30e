"""Small valid project files of each kind, built in code for the emulator's tests."""

from __future__ import annotations

from typing import Any


def classification_file(name: str, *, kind: str = "CustomSingleLabelClassification") -> Any:
    """A small valid project file of a classification kind."""
    multi = "multi" in kind.lower()
    documents: list[dict[str, Any]] = [
        {"location": f"doc{index}.txt", "language": "en-us"} for index in range(1, 4)
    ]
    for document, category in zip(documents, ["Drama", "Comedy", "Drama"], strict=True):
        if multi:
            document["classes"] = [{"category": category}]
        else:
            document["class"] = {"category": category}

    return {
        "projectFileVersion": "2022-05-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": {
            "projectKind": kind,
            "storageInputContainerName": "container",
            "settings": {},
            "projectName": name,
            "multilingual": False,
            "description": f"project {name}",
            "language": "en",
        },
        "assets": {
            "projectKind": kind,
            "classes": [{"category": "Drama"}, {"category": "Comedy"}],
            "documents": documents,
        },
    }


def entity_file(name: str) -> Any:
    """A small valid custom NER project file."""
    project_file = classification_file(name, kind="CustomEntityRecognition")
    assets = project_file["assets"]
    del assets["classes"]
    assets["entities"] = [{"category": "Date"}, {"category": "LenderName"}]
    for document in assets["documents"]:
        del document["class"]
        document["entities"] = [
            {
                "regionOffset": 0,
                "regionLength": 500,
                "labels": [
                    {"category": "Date", "offset": 5, "length": 9},
                    {"category": "LenderName", "offset": 40, "length": 14},
                ],
            }
        ]
    return project_file


def wrapped_tags_file(name: str, model_type: str, tags: Any) -> Any:
    """A 2021-11-01-preview project file: the 2021 metadata around a tags file's assets."""
    return {
        "api-version": "2021-11-01-preview",
        "metadata": {
            "name": name,
            "multiLingual": False,
            "description": f"project {name}",
            "modelType": model_type,
            "language": "en-us",
            "storageInputContainerName": "container",
            "settings": {},
        },
        "assets": tags,
    }


def legacy_classification_file(name: str, *, model_type: str = "multiClassification") -> Any:
    """A small valid 2021-11-01-preview classification project file."""
    labels = [["Drama"], ["Comedy"], ["Drama", "Comedy"]]
    if model_type.lower() == "singleclassification":
        labels = [["Drama"], ["Comedy"], ["Drama"]]
    documents = [
        {
            "location": f"doc{index}.txt",
            "language": "en-us",
            "classifiers": [{"classifierName": category} for category in categories],
        }
        for index, categories in enumerate(labels, start=1)
    ]
    tags = {"classifiers": [{"name": "Drama"}, {"name": "Comedy"}], "documents": documents}
    return wrapped_tags_file(name, model_type, tags)


def legacy_entity_file(name: str) -> Any:
    """A small valid 2021-11-01-preview custom NER project file."""
    labels = [("Date", 5, 9), ("LenderName", 40, 14)]
    documents = [
        {
            "location": f"doc{index}.txt",
            "language": "en-us",
            "extractors": [
                {
                    "regionOffset": 0,
                    "regionLength": 500,
                    "labels": [
                        {"extractorName": entity, "offset": offset, "length": length}
                        for entity, offset, length in labels
                    ],
                }
            ],
        }
        for index in range(1, 3)
    ]
    tags = {"extractors": [{"name": "Date"}, {"name": "LenderName"}], "documents": documents}
    return wrapped_tags_file(name, "Extraction", tags)
