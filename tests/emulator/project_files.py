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
