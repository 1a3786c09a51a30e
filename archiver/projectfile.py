"""Project files: the JSON an export job returns and an import job takes.

Two formats exist. `2021-11-01-preview` keys the project kind as
`metadata.modelType` and names labels `classifiers` / `extractors`; `2022-05-01`
and every later api-version use `projectFileVersion`, `metadata.projectKind`
and `classes` / `entities`. Project kinds are compared without regard to case
(the service's own sample mixes cases) and never rewritten.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema

from archiver.errors import ValidationError
from archiver.resources import Validator, compile_schema, load_schema

FORMAT_2021 = "2021-11-01-preview"
FORMAT_2022 = "2022-05-01"

SINGLE_LABEL = "CustomSingleLabelClassification"
MULTI_LABEL = "CustomMultiLabelClassification"
ENTITY_RECOGNITION = "CustomEntityRecognition"
KNOWN_KINDS = (SINGLE_LABEL, MULTI_LABEL, ENTITY_RECOGNITION)

# modelType values of the 2021 format, lower-cased, and the kind each became.
_MODEL_TYPES_2021 = {
    "singleclassification": SINGLE_LABEL,
    "multiclassification": MULTI_LABEL,
    "extraction": ENTITY_RECOGNITION,
}

# The service's rule for project names; it also keeps names safe as path parts.
_PROJECT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,50}")

Project = dict[str, Any]


@dataclass(frozen=True)
class ProjectSummary:
    """What a person wants to know about a project file at a glance."""

    name: str
    kind: str
    file_format: str
    classes: int
    documents: int
    labels: int


def check_project_name(name: str) -> str:
    """Return `name` if the service would accept it, else raise ValidationError."""
    if not _PROJECT_NAME.fullmatch(name) or name in {".", ".."}:
        raise ValidationError(
            f"invalid project name {name!r}: use 1 to 50 letters, digits, '_', '.' or '-'"
        )
    return name


def detect_format(project: Mapping[str, Any]) -> str:
    """Tell which project file format `project` is written in."""
    if "projectFileVersion" in project:
        return FORMAT_2022
    metadata = project.get("metadata")
    if isinstance(metadata, Mapping) and "modelType" in metadata:
        return FORMAT_2021
    raise ValidationError(
        "not a project file: it has neither 'projectFileVersion' nor 'metadata.modelType'"
    )


def canonical_kind(kind: str) -> str:
    """Map a projectKind of any case to its canonical spelling, if known."""
    for known in KNOWN_KINDS:
        if known.lower() == kind.lower():
            return known
    return kind


def project_kind(project: Mapping[str, Any]) -> str:
    """The project's kind, in canonical spelling, for either format."""
    metadata = project["metadata"]
    if detect_format(project) == FORMAT_2021:
        model_type = str(metadata["modelType"])
        return _MODEL_TYPES_2021.get(model_type.lower(), model_type)
    return canonical_kind(str(metadata["projectKind"]))


def project_name(project: Mapping[str, Any]) -> str:
    metadata = project["metadata"]
    key = "name" if detect_format(project) == FORMAT_2021 else "projectName"
    return str(metadata[key])


def with_project_name(project: Project, name: str) -> Project:
    """A copy of `project` whose metadata names it `name`."""
    key = "name" if detect_format(project) == FORMAT_2021 else "projectName"
    return {**project, "metadata": {**project["metadata"], key: name}}


def validate_project(project: object) -> Project:
    """Check `project` against the schema of its format; return it unchanged.

    Raises ValidationError naming the first offending JSON path.
    """
    if not isinstance(project, dict):
        raise ValidationError("a project file must be a JSON object")

    file_format = detect_format(project)
    schema_name = f"project-{file_format}.schema.json"
    _raise_first_error(_validator(schema_name), project, "project file")

    if file_format == FORMAT_2022:
        _validate_assets(schema_name, project)
    return project


def _validate_assets(schema_name: str, project: Project) -> None:
    assets = project.get("assets")
    if assets is None:
        return

    kind = canonical_kind(str(project["metadata"]["projectKind"]))
    asset_kind = canonical_kind(str(assets["projectKind"]))
    if asset_kind != kind:
        raise ValidationError(
            f"project file: assets.projectKind {assets['projectKind']!r} "
            f"does not match metadata.projectKind {project['metadata']['projectKind']!r}"
        )

    # Kinds this tool does not model yet are kept as they are, checked only above.
    if kind in KNOWN_KINDS:
        _raise_first_error(_validator(schema_name, kind), assets, "project file: assets")


def _raise_first_error(validator: Validator, instance: Any, what: str) -> None:
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
        raise ValidationError(f"{what}: {where}: {error.message}")


@cache
def _validator(schema_name: str, definition: str | None = None) -> Validator:
    """A validator for a schema file, or for one of its `$defs` when named."""
    schema = load_schema(schema_name)
    if definition is not None:
        schema = {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    return compile_schema(schema)


def canonical_bytes(project: Mapping[str, Any]) -> bytes:
    """The canonical JSON of a project: sorted keys, no spaces, every non-ASCII character escaped.

    Escaping keeps the form defined for any text JSON can carry, lone surrogates included.
    """
    text = json.dumps(project, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii")


def project_hash(project: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON, as lower-case hex."""
    return hashlib.sha256(canonical_bytes(project)).hexdigest()


def summarize(project: Mapping[str, Any]) -> ProjectSummary:
    file_format = detect_format(project)
    assets = project.get("assets") or {}
    documents = assets.get("documents") or []
    if file_format == FORMAT_2021:
        classes = assets.get("classifiers") or assets.get("extractors") or []
    else:
        classes = assets.get("classes") or assets.get("entities") or []

    return ProjectSummary(
        name=project_name(project),
        kind=project_kind(project),
        file_format=file_format,
        classes=len(classes),
        documents=len(documents),
        labels=sum(_count_labels(document) for document in documents),
    )


def _count_labels(document: Mapping[str, Any]) -> int:
    # Kinds this tool does not model may shape these fields otherwise: count what is a list.
    if "class" in document:
        return 1
    for key in ("classes", "classifiers"):
        if isinstance(document.get(key), list):
            return len(document[key])
    regions = document.get("entities") or document.get("extractors") or []
    if not isinstance(regions, list):
        return 0
    return sum(
        len(region["labels"])
        for region in regions
        if isinstance(region, dict) and isinstance(region.get("labels"), list)
    )
