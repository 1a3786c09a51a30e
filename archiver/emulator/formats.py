"""The two project file formats, and how a project looks to each api-version family.

A project keeps the file it was imported with. Asked for through the other family,
its metadata and its export are converted: 2021-11-01-preview names the kind
`metadata.modelType` and labels `classifiers` / `extractors`; 2022-05-01 and later
name it `projectKind` and label `classes` / `entities`. Only the three kinds of 2021
(single-label, multi-label, entity recognition) can travel back to the 2021 format.
"""

from __future__ import annotations

from typing import Any

from archiver.emulator.protocol import LEGACY_VERSION, Family
from archiver.emulator.store import StoredProject
from archiver.emulator.validation import canonical_project_kind, kind_of_model_type

SINGLE_LABEL = "CustomSingleLabelClassification"
MULTI_LABEL = "CustomMultiLabelClassification"
ENTITY_RECOGNITION = "CustomEntityRecognition"
CONVERTED_FILE_VERSION = "2022-05-01"

_MODEL_TYPE_BY_KIND = {
    SINGLE_LABEL: "singleClassification",
    MULTI_LABEL: "multiClassification",
    ENTITY_RECOGNITION: "Extraction",
}

JsonObject = dict[str, Any]


class ConversionError(ValueError):
    """The project cannot be written in the format the request's api-version uses."""


def is_legacy_file(document: JsonObject) -> bool:
    """Whether a stored (validated) project file is in the 2021-11-01-preview format."""
    return "projectFileVersion" not in document


def project_kind(document: JsonObject) -> str | None:
    """The project's kind in the service's PascalCase spelling, whatever the format."""
    metadata = document.get("metadata") or {}
    if is_legacy_file(document):
        return kind_of_model_type(metadata.get("modelType"))
    return canonical_project_kind(metadata.get("projectKind")) or metadata.get("projectKind")


def metadata_view(project: StoredProject, family: Family) -> JsonObject:
    """The project's metadata as GET and list answer it in `family`."""
    facts = current_metadata(project.document)
    if family.legacy:
        return project.times() | _legacy_metadata_fields(project.name, facts)
    return project.times() | _current_metadata_fields(project.name, facts)


def exported_file(document: JsonObject, family: Family) -> JsonObject:
    """The project file an export through `family` returns; unchanged in its own format."""
    if is_legacy_file(document) == family.legacy:
        return document
    if family.legacy:
        return _to_legacy_file(document)
    return _to_current_file(document)


def current_metadata(document: JsonObject) -> JsonObject:
    """The metadata under 2022 names, converted from the 2021 format where needed."""
    metadata: JsonObject = document.get("metadata") or {}
    if not is_legacy_file(document):
        return metadata
    return _to_current_metadata(metadata)


def with_metadata(document: JsonObject, metadata: JsonObject) -> JsonObject:
    """The project file with metadata given under 2022 names, kept in the file's format."""
    if not is_legacy_file(document):
        return {**document, "metadata": metadata}

    kind = canonical_project_kind(metadata.get("projectKind"))
    if kind not in _MODEL_TYPE_BY_KIND:
        raise ConversionError(f"a {kind} project has no {LEGACY_VERSION} project file format")
    return {**document, "metadata": _to_legacy_metadata(metadata, kind)}


def _current_metadata_fields(name: str, metadata: JsonObject) -> JsonObject:
    kind = metadata.get("projectKind")
    fields: JsonObject = {
        "projectKind": canonical_project_kind(kind) or kind,
        "storageInputContainerName": metadata.get("storageInputContainerName"),
        "projectName": name,
        "multilingual": metadata.get("multilingual") or False,
        "description": metadata.get("description"),
        "language": metadata.get("language"),
    }
    if metadata.get("description") is None:
        del fields["description"]
    # The service's examples leave out settings that hold nothing.
    if metadata.get("settings"):
        fields["settings"] = metadata["settings"]
    return fields


def _legacy_metadata_fields(name: str, metadata: JsonObject) -> JsonObject:
    kind = canonical_project_kind(metadata.get("projectKind")) or metadata.get("projectKind")
    fields: JsonObject = {
        "modelType": _MODEL_TYPE_BY_KIND.get(str(kind), kind),
        "storageInputContainerName": metadata.get("storageInputContainerName"),
        "name": name,
        "multiLingual": metadata.get("multilingual") or False,
        "description": metadata.get("description"),
        "language": metadata.get("language"),
        "settings": metadata.get("settings") or {},
    }
    if metadata.get("description") is None:
        del fields["description"]
    return fields


def _to_current_metadata(legacy: JsonObject) -> JsonObject:
    renamed = {
        "projectKind": kind_of_model_type(legacy.get("modelType")),
        "storageInputContainerName": legacy.get("storageInputContainerName"),
        "settings": legacy.get("settings"),
        "projectName": legacy.get("name"),
        "multilingual": legacy.get("multiLingual"),
        "description": legacy.get("description"),
        "language": legacy.get("language"),
    }
    return {key: value for key, value in renamed.items() if value is not None}


def _to_legacy_metadata(current: JsonObject, kind: str) -> JsonObject:
    renamed = {
        "name": current.get("projectName"),
        "multiLingual": current.get("multilingual"),
        "description": current.get("description"),
        "modelType": _MODEL_TYPE_BY_KIND[kind],
        "language": current.get("language"),
        "storageInputContainerName": current.get("storageInputContainerName"),
        "settings": current.get("settings"),
    }
    return {key: value for key, value in renamed.items() if value is not None}


def _to_current_file(legacy: JsonObject) -> JsonObject:
    metadata = _to_current_metadata(legacy.get("metadata") or {})
    kind = str(metadata["projectKind"])
    converted: JsonObject = {
        "projectFileVersion": CONVERTED_FILE_VERSION,
        "stringIndexType": "Utf16CodeUnit",
        "metadata": metadata,
    }

    assets = legacy.get("assets")
    if isinstance(assets, dict):
        converted["assets"] = _to_current_assets(assets, kind)
    return converted


def _to_current_assets(assets: JsonObject, kind: str) -> JsonObject:
    if kind == ENTITY_RECOGNITION:
        declared = {"entities": _categories(assets.get("extractors"), "name")}
    else:
        declared = {"classes": _categories(assets.get("classifiers"), "name")}

    documents = [_to_current_document(item, kind) for item in assets.get("documents") or []]
    return {"projectKind": kind, **declared, "documents": documents}


def _to_current_document(legacy: JsonObject, kind: str) -> JsonObject:
    document = _common_document_fields(legacy)
    if kind == ENTITY_RECOGNITION:
        document["entities"] = [
            _renamed_region(region, "extractorName", "category")
            for region in legacy.get("extractors") or []
        ]
        return document

    classes = _categories(legacy.get("classifiers"), "classifierName")
    if kind == MULTI_LABEL:
        document["classes"] = classes
    elif classes:
        document["class"] = classes[0]
    return document


def _to_legacy_file(current: JsonObject) -> JsonObject:
    kind = project_kind(current)
    if kind not in _MODEL_TYPE_BY_KIND:
        raise ConversionError(f"a {kind} project has no {LEGACY_VERSION} project file format")

    converted: JsonObject = {
        "api-version": LEGACY_VERSION,
        "metadata": _to_legacy_metadata(current.get("metadata") or {}, kind),
    }
    assets = current.get("assets")
    if isinstance(assets, dict):
        converted["assets"] = _to_legacy_assets(assets, kind)
    return converted


def _to_legacy_assets(assets: JsonObject, kind: str) -> JsonObject:
    if kind == ENTITY_RECOGNITION:
        declared = {"extractors": _names(assets.get("entities"))}
    else:
        declared = {"classifiers": _names(assets.get("classes"))}

    documents = [_to_legacy_document(item, kind) for item in assets.get("documents") or []]
    return {**declared, "documents": documents}


def _to_legacy_document(current: JsonObject, kind: str) -> JsonObject:
    document = _common_document_fields(current)
    if kind == ENTITY_RECOGNITION:
        document["extractors"] = [
            _renamed_region(region, "category", "extractorName")
            for region in current.get("entities") or []
        ]
        return document

    labels = current.get("classes") if kind == MULTI_LABEL else [current.get("class")]
    document["classifiers"] = [
        {"classifierName": label["category"]} for label in labels or [] if isinstance(label, dict)
    ]
    return document


def _common_document_fields(document: JsonObject) -> JsonObject:
    return {key: document[key] for key in ("location", "language", "dataset") if key in document}


def _renamed_region(region: JsonObject, old: str, new: str) -> JsonObject:
    labels = [
        {new if key == old else key: value for key, value in label.items()}
        for label in region.get("labels") or []
    ]
    return {**region, "labels": labels}


def _categories(items: object, key: str) -> list[JsonObject]:
    if not isinstance(items, list):
        return []
    return [{"category": item[key]} for item in items if isinstance(item, dict) and key in item]


def _names(items: object) -> list[JsonObject]:
    return [{"name": item["category"]} for item in _categories(items, "category")]
