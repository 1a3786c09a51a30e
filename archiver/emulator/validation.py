"""The checks an import job applies to a project file before it replaces a project.

Each check yields one problem as a sentence that starts with the JSON path it is about,
so that a failed import job tells its caller what to fix and where. Files of the
2021-11-01-preview format have their own entry point, `check_legacy_project_file`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

PROJECT_NAME_RULE = "1 to 50 letters, digits, '_', '.' or '-'"
LEGACY_PROJECT_NAME_RULE = "1 to 50 letters or digits"
MAX_REPORTED_PROBLEMS = 50

_PROJECT_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,50}")
_LEGACY_PROJECT_NAME = re.compile(r"[A-Za-z0-9]{1,50}")
_PROJECT_KINDS = (
    "CustomSingleLabelClassification",
    "CustomMultiLabelClassification",
    "CustomEntityRecognition",
    "CustomAbstractiveSummarization",
    "CustomHealthcare",
    "CustomTextSentiment",
)
_KIND_BY_LOWER_NAME = {kind.lower(): kind for kind in _PROJECT_KINDS}
_KIND_BY_MODEL_TYPE = {
    "singleclassification": "CustomSingleLabelClassification",
    "multiclassification": "CustomMultiLabelClassification",
    "extraction": "CustomEntityRecognition",
}
_MODEL_TYPES = ("singleClassification", "multiClassification", "Extraction")
_SENTIMENTS = ("positive", "negative", "neutral")

JsonObject = dict[str, Any]
Problems = list[str]


def is_valid_name(name: str) -> bool:
    """The rule for project, model and deployment names of 2022-05-01 and later."""
    return _PROJECT_NAME.fullmatch(name) is not None and name not in {".", ".."}


def is_valid_legacy_project_name(name: str) -> bool:
    """2021-11-01-preview allowed letters and digits only."""
    return _LEGACY_PROJECT_NAME.fullmatch(name) is not None


def kind_of_model_type(model_type: object) -> str | None:
    """The project kind a 2021 `modelType` stands for, given in any letter case."""
    if not isinstance(model_type, str):
        return None
    return _KIND_BY_MODEL_TYPE.get(model_type.lower())


def canonical_project_kind(value: object) -> str | None:
    """The service's spelling of a project kind given in any letter case, or None."""
    if not isinstance(value, str):
        return None

    return _KIND_BY_LOWER_NAME.get(value.lower())


def check_project_file(document: Mapping[str, Any], project_name: str) -> Problems:
    """Every problem that makes `document` unfit to become project `project_name`."""
    problems: Problems = []
    _check_header(document, problems)

    metadata = _field(document, "metadata", "", "object", problems, required=True)
    kind = None
    if metadata is not None:
        kind = _check_metadata(metadata, project_name, problems)

    assets = _field(document, "assets", "", "object", problems)
    if assets is not None and kind is not None:
        _check_assets(assets, kind, problems)

    return _limited(problems)


def check_legacy_project_file(document: Mapping[str, Any], project_name: str) -> Problems:
    """Every problem that makes a 2021-11-01-preview file unfit to become the project."""
    problems: Problems = []
    _field(document, "api-version", "", "string", problems)

    metadata = _field(document, "metadata", "", "object", problems, required=True)
    kind = None
    if metadata is not None:
        kind = _check_legacy_metadata(metadata, project_name, problems)

    assets = _field(document, "assets", "", "object", problems)
    if assets is not None and kind is not None:
        _check_legacy_assets(assets, kind, problems)

    return _limited(problems)


def check_project_metadata(metadata: Mapping[str, Any], project_name: str) -> Problems:
    """The problems of a project's metadata on its own, as PATCH creates or updates it."""
    problems: Problems = []
    _check_metadata(dict(metadata), project_name, problems)
    return _limited(problems)


def _limited(problems: Problems) -> Problems:
    if len(problems) <= MAX_REPORTED_PROBLEMS:
        return problems

    hidden = len(problems) - MAX_REPORTED_PROBLEMS
    return [*problems[:MAX_REPORTED_PROBLEMS], f"... and {hidden} more problems"]


def _check_header(document: Mapping[str, Any], problems: Problems) -> None:
    _field(document, "projectFileVersion", "", "string", problems, required=True)

    index_type = _field(document, "stringIndexType", "", "string", problems, required=True)
    if index_type is not None and index_type != "Utf16CodeUnit":
        problems.append(f"stringIndexType must be 'Utf16CodeUnit', got {index_type!r}")


def _check_metadata(metadata: JsonObject, project_name: str, problems: Problems) -> str | None:
    """Checks `metadata` and returns its project kind when that is known."""
    name = _field(metadata, "projectName", "metadata", "string", problems, required=True)
    if name is not None and name != project_name:
        problems.append(
            f"metadata.projectName {name!r} differs from the project name {project_name!r} "
            "in the request URL"
        )

    for key in ("language", "storageInputContainerName"):
        _field(metadata, key, "metadata", "string", problems, required=True)
    _field(metadata, "multilingual", "metadata", "boolean", problems)
    _field(metadata, "description", "metadata", "string", problems)
    _field(metadata, "settings", "metadata", "object", problems)

    return _check_kind(metadata, "metadata", problems)


def _check_kind(container: JsonObject, path: str, problems: Problems) -> str | None:
    value = _field(container, "projectKind", path, "string", problems, required=True)
    if value is None:
        return None

    kind = canonical_project_kind(value)
    if kind is None:
        known = ", ".join(_PROJECT_KINDS)
        problems.append(f"{path}.projectKind {value!r} is not a known project kind ({known})")
    return kind


def _check_assets(assets: JsonObject, kind: str, problems: Problems) -> None:
    assets_kind = _check_kind(assets, "assets", problems)
    if assets_kind is not None and assets_kind != kind:
        problems.append(
            f"assets.projectKind {assets['projectKind']!r} differs from "
            f"metadata.projectKind (expected {kind!r} in any letter case)"
        )
        return

    declared = _declared_categories(assets, kind, problems)
    documents = _field(assets, "documents", "assets", "array", problems)
    if documents is not None:
        _check_documents(documents, _DOCUMENT_CHECKS[kind], declared, problems)


def _check_legacy_metadata(
    metadata: JsonObject, project_name: str, problems: Problems
) -> str | None:
    """Checks 2021 `metadata` and returns its project kind when that is known."""
    name = _field(metadata, "name", "metadata", "string", problems, required=True)
    if name is not None and name != project_name:
        problems.append(
            f"metadata.name {name!r} differs from the project name {project_name!r} "
            "in the request URL"
        )

    for key in ("language", "storageInputContainerName"):
        _field(metadata, key, "metadata", "string", problems, required=True)
    _field(metadata, "multiLingual", "metadata", "boolean", problems)
    _field(metadata, "description", "metadata", "string", problems)
    _field(metadata, "settings", "metadata", "object", problems)

    model_type = _field(metadata, "modelType", "metadata", "string", problems, required=True)
    kind = kind_of_model_type(model_type)
    if model_type is not None and kind is None:
        known = ", ".join(_MODEL_TYPES)
        problems.append(f"metadata.modelType {model_type!r} is not a known model type ({known})")
    return kind


def _check_legacy_assets(assets: JsonObject, kind: str, problems: Problems) -> None:
    extraction = kind == "CustomEntityRecognition"
    key = "extractors" if extraction else "classifiers"
    declared = _declared_names(assets, key, "name", problems)

    documents = _field(assets, "documents", "assets", "array", problems)
    if documents is None:
        return
    if extraction:
        _check_documents(documents, _check_extractor_labels, declared, problems)
    elif kind == "CustomSingleLabelClassification":
        _check_documents(documents, _check_single_classifier, declared, problems)
    else:
        _check_documents(documents, _check_classifiers, declared, problems)


def _check_classifiers(
    document: JsonObject, path: str, declared: set[str], problems: Problems
) -> None:
    labels = _field(document, "classifiers", path, "array", problems) or []
    for index, label in enumerate(labels):
        label_path = f"{path}.classifiers[{index}]"
        _check_declared(label, label_path, declared, "classifier", problems, key="classifierName")


def _check_single_classifier(
    document: JsonObject, path: str, declared: set[str], problems: Problems
) -> None:
    _check_classifiers(document, path, declared, problems)
    labels = document.get("classifiers")
    if isinstance(labels, list) and len(labels) > 1:
        problems.append(
            f"{path}.classifiers has {len(labels)} classifiers; a singleClassification "
            "document takes one"
        )


def _check_extractor_labels(
    document: JsonObject, path: str, declared: set[str], problems: Problems
) -> None:
    keys = ("extractors", "extractorName", "extractor")
    _check_regions(document, path, declared, problems, keys=keys)


def _declared_categories(assets: JsonObject, kind: str, problems: Problems) -> set[str]:
    """The classes or entity types that `assets` declares, as labels may name them."""
    key = _DECLARATION_KEYS.get(kind)
    if key is None:
        return set()
    return _declared_names(assets, key, "category", problems)


def _declared_names(assets: JsonObject, key: str, name_key: str, problems: Problems) -> set[str]:
    declarations = _field(assets, key, "assets", "array", problems) or []
    declared: set[str] = set()
    for index, declaration in enumerate(declarations):
        path = f"assets.{key}[{index}]"
        name = _category(declaration, path, problems, key=name_key)
        if name in declared:
            problems.append(f"{path}.{name_key} {name!r} is declared twice")
        if name is not None:
            declared.add(name)
    return declared


def _check_documents(
    documents: list[Any], check_labels: _LabelCheck, declared: set[str], problems: Problems
) -> None:
    locations: set[str] = set()
    for index, document in enumerate(documents):
        path = f"assets.documents[{index}]"
        if not isinstance(document, dict):
            problems.append(f"{path} must be an object, got {_json_type(document)}")
            continue

        location = _field(document, "location", path, "string", problems, required=True)
        if location in locations:
            problems.append(f"{path}.location {location!r} appears in more than one document")
        if location is not None:
            locations.add(location)

        _field(document, "language", path, "string", problems)
        _field(document, "dataset", path, "string", problems)
        check_labels(document, path, declared, problems)


def _check_single_label(
    document: JsonObject, path: str, declared: set[str], problems: Problems
) -> None:
    label = _field(document, "class", path, "object", problems)
    if label is not None:
        _check_declared(label, f"{path}.class", declared, "class", problems)


def _check_multi_label(
    document: JsonObject, path: str, declared: set[str], problems: Problems
) -> None:
    labels = _field(document, "classes", path, "array", problems) or []
    for index, label in enumerate(labels):
        _check_declared(label, f"{path}.classes[{index}]", declared, "class", problems)


def _check_entity_labels(
    document: JsonObject, path: str, declared: set[str], problems: Problems
) -> None:
    _check_regions(document, path, declared, problems, keys=("entities", "category", "entity"))


def _check_regions(
    document: JsonObject,
    path: str,
    declared: set[str],
    problems: Problems,
    *,
    keys: tuple[str, str, str],
) -> None:
    """Labelled regions; `keys` names the list of regions, each label's name field, and
    what a label names."""
    regions_key, name_key, noun = keys
    regions = _field(document, regions_key, path, "array", problems) or []
    for index, region in enumerate(regions):
        region_path = f"{path}.{regions_key}[{index}]"
        if not isinstance(region, dict):
            problems.append(f"{region_path} must be an object, got {_json_type(region)}")
            continue

        _check_span(region, region_path, problems, keys=("regionOffset", "regionLength"))
        labels = _field(region, "labels", region_path, "array", problems) or []
        for label_index, label in enumerate(labels):
            label_path = f"{region_path}.labels[{label_index}]"
            if _check_declared(label, label_path, declared, noun, problems, key=name_key):
                _check_span(label, label_path, problems, keys=("offset", "length"))


def _check_summary(document: JsonObject, path: str, declared: set[str], problems: Problems) -> None:
    _field(document, "summaryLocation", path, "string", problems, required=True)


def _check_sentiment_spans(
    document: JsonObject, path: str, declared: set[str], problems: Problems
) -> None:
    spans = _field(document, "sentimentSpans", path, "array", problems) or []
    for index, span in enumerate(spans):
        span_path = f"{path}.sentimentSpans[{index}]"
        category = _category(span, span_path, problems)
        if category is not None and category not in _SENTIMENTS:
            problems.append(f"{span_path}.category {category!r} is not one of {_SENTIMENTS}")
        if isinstance(span, dict):
            _check_span(span, span_path, problems, keys=("offset", "length"))


def _check_declared(
    label: object,
    path: str,
    declared: set[str],
    noun: str,
    problems: Problems,
    *,
    key: str = "category",
) -> bool:
    """Whether `label` is an object; reports a name that `assets` does not declare."""
    name = _category(label, path, problems, key=key)
    if name is not None and name not in declared:
        problems.append(f"{path}.{key} {name!r} is not a declared {noun}")
    return isinstance(label, dict)


def _category(item: object, path: str, problems: Problems, *, key: str = "category") -> str | None:
    if not isinstance(item, dict):
        problems.append(f"{path} must be an object, got {_json_type(item)}")
        return None

    name: str | None = _field(item, key, path, "string", problems, required=True)
    return name


def _check_span(item: JsonObject, path: str, problems: Problems, *, keys: tuple[str, str]) -> None:
    for key in keys:
        value = _field(item, key, path, "integer", problems)
        if value is not None and value < 0:
            problems.append(f"{path}.{key} must not be negative, got {value}")


def _field(
    container: Mapping[str, Any],
    key: str,
    path: str,
    expected: str,
    problems: Problems,
    *,
    required: bool = False,
) -> Any:
    """The value at `key` if it has the expected JSON type; None (after a report) if not.

    An optional field given as null counts as absent.
    """
    where = f"{path}.{key}" if path else key
    value = container.get(key)
    if value is None:
        if required:
            problems.append(f"{where} is required")
        return None

    if not _JSON_TYPE_CHECKS[expected](value):
        problems.append(
            f"{where} must be {_ARTICLES[expected]} {expected}, got {_json_type(value)}"
        )
        return None
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


_LabelCheck = Callable[[JsonObject, str, set[str], Problems], None]

_JSON_TYPE_CHECKS: dict[str, Callable[[object], bool]] = {
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
}
_ARTICLES = {"string": "a", "boolean": "a", "object": "an", "array": "an", "integer": "an"}

_DECLARATION_KEYS = {
    "CustomSingleLabelClassification": "classes",
    "CustomMultiLabelClassification": "classes",
    "CustomEntityRecognition": "entities",
    "CustomHealthcare": "entities",
}
_DOCUMENT_CHECKS: dict[str, _LabelCheck] = {
    "CustomSingleLabelClassification": _check_single_label,
    "CustomMultiLabelClassification": _check_multi_label,
    "CustomEntityRecognition": _check_entity_labels,
    "CustomHealthcare": _check_entity_labels,
    "CustomAbstractiveSummarization": _check_summary,
    "CustomTextSentiment": _check_sentiment_spans,
}
