"""Conversion of 2021-11-01-preview project files to the 2022-05-01 format.

A project backed up before the service's 2022 release must restore into a
resource that speaks only 2022-05-01 or later. The conversion is lossless or
refused: every field of the old format has one place in the new one, and a
field it does not know stops it with an error naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archiver.errors import ValidationError
from archiver.projectfile import (
    ENTITY_RECOGNITION,
    FORMAT_2021,
    FORMAT_2022,
    KNOWN_KINDS,
    SINGLE_LABEL,
    Project,
    detect_format,
    project_kind,
)

_METADATA = {
    "name": "projectName",
    "modelType": "projectKind",
    "multiLingual": "multilingual",
    "description": "description",
    "language": "language",
    "storageInputContainerName": "storageInputContainerName",
    "settings": "settings",
}
_DOCUMENT_KEYS = {"location", "language", "dataset"}
_REGION_KEYS = {"regionOffset", "regionLength", "labels"}
_LABEL_KEYS = {"extractorName", "offset", "length"}


def convert_to_2022(project: Mapping[str, Any]) -> Project:
    """The 2022-05-01 form of a 2021-11-01-preview project file."""
    if detect_format(project) != FORMAT_2021:
        raise ValidationError("only a 2021-11-01-preview project file can be converted")
    _refuse_unknown(project, {"api-version", "metadata", "assets"}, "")

    kind = project_kind(project)
    if kind not in KNOWN_KINDS:
        raise ValidationError(
            f"cannot convert metadata.modelType {project['metadata']['modelType']!r}: "
            "known are singleClassification, multiClassification and Extraction"
        )
    return {
        "projectFileVersion": FORMAT_2022,
        "stringIndexType": "Utf16CodeUnit",
        "metadata": _metadata(project["metadata"], kind),
        "assets": _assets(project.get("assets") or {}, kind),
    }


def _metadata(metadata: Mapping[str, Any], kind: str) -> dict[str, Any]:
    _refuse_unknown(metadata, set(_METADATA), "metadata.")
    converted = {_METADATA[key]: value for key, value in metadata.items()}
    converted["projectKind"] = kind
    return converted


def _assets(assets: Mapping[str, Any], kind: str) -> dict[str, Any]:
    entity = kind == ENTITY_RECOGNITION
    source, target = ("extractors", "entities") if entity else ("classifiers", "classes")
    _refuse_unknown(assets, {source, "documents"}, "assets.")

    categories = []
    for index, item in enumerate(assets.get(source) or []):
        _refuse_unknown(item, {"name"}, f"assets.{source}[{index}].")
        categories.append({"category": item["name"]})

    documents = assets.get("documents") or []
    documents = [_document(doc, kind, index) for index, doc in enumerate(documents)]
    return {"projectKind": kind, target: categories, "documents": documents}


def _document(document: Mapping[str, Any], kind: str, index: int) -> dict[str, Any]:
    where = f"assets.documents[{index}]."
    # Labels of the other kind have no place in the converted file: refuse, never drop.
    labels = "extractors" if kind == ENTITY_RECOGNITION else "classifiers"
    _refuse_unknown(document, _DOCUMENT_KEYS | {labels}, where)
    converted = {
        key: document[key] for key in ("location", "language", "dataset") if key in document
    }

    if kind == ENTITY_RECOGNITION:
        regions = document.get("extractors") or []
        converted["entities"] = [
            _region(region, f"{where}extractors[{n}].") for n, region in enumerate(regions)
        ]
        return converted

    names = [item["classifierName"] for item in document.get("classifiers") or []]
    if kind != SINGLE_LABEL:
        converted["classes"] = [{"category": name} for name in names]
    elif len(names) > 1:
        raise ValidationError(
            f"cannot convert {where}classifiers: a single-label document has {len(names)} classes"
        )
    elif names:
        converted["class"] = {"category": names[0]}
    return converted


def _region(region: Mapping[str, Any], where: str) -> dict[str, Any]:
    _refuse_unknown(region, _REGION_KEYS, where)
    labels = []
    for index, label in enumerate(region.get("labels") or []):
        _refuse_unknown(label, _LABEL_KEYS, f"{where}labels[{index}].")
        labels.append(
            {
                "category": label["extractorName"],
                "offset": label["offset"],
                "length": label["length"],
            }
        )
    converted = {key: region[key] for key in ("regionOffset", "regionLength") if key in region}
    return {**converted, "labels": labels}


def _refuse_unknown(mapping: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise ValidationError(
            f"cannot convert {where}{unknown[0]}: the 2022-05-01 format has no place for it"
        )
