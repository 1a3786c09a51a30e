"""Differences between two project files, in the project's own terms.

Both sides are first brought to one shape, whatever their format: classes (or
entities) keyed by category, documents keyed by location, labels as sorted
tuples. Then each section is compared key by key. A field this module does
not model is still compared and reported, never dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from archiver.projectfile import FORMAT_2021, canonical_kind, detect_format, project_kind

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
DUPLICATE = "duplicate"

SECTIONS = ("file", "metadata", "classes", "documents")

# 2021-11-01-preview metadata keys and their 2022-05-01 names.
_METADATA_2021 = {"name": "projectName", "modelType": "projectKind", "multiLingual": "multilingual"}
_DOCUMENT_LABEL_KEYS = ("class", "classes", "entities", "classifiers", "extractors")
# Tells a field that is missing from one that is present with the value null.
_ABSENT = object()


@dataclass(frozen=True)
class Change:
    """One entry of a diff."""

    section: str
    action: str
    key: str
    field: str = ""
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class ProjectDiff:
    changes: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, dict[str, int]]:
        """How many changes of each action each section holds."""
        counts: dict[str, dict[str, int]] = {}
        for change in self.changes:
            section = counts.setdefault(change.section, {})
            section[change.action] = section.get(change.action, 0) + 1
        return counts


@dataclass
class _Shape:
    """A project file reduced to what the diff compares."""

    file: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)


def diff_projects(old: Mapping[str, Any], new: Mapping[str, Any]) -> ProjectDiff:
    """Every difference between two project files, section by section."""
    before, after = _shape(old), _shape(new)
    same_format = detect_format(old) == detect_format(new)

    changes: list[Change] = []
    if same_format:
        changes += _compare_fields("file", "", before.file, after.file)
    changes += _compare_fields("metadata", "", before.metadata, after.metadata)
    changes += _compare_keyed("classes", before.classes, after.classes)
    changes += _compare_keyed("documents", before.documents, after.documents)
    changes += [Change("documents", DUPLICATE, loc, old=True) for loc in before.duplicates]
    changes += [Change("documents", DUPLICATE, loc, new=True) for loc in after.duplicates]
    return ProjectDiff(tuple(changes))


def _shape(project: Mapping[str, Any]) -> _Shape:
    legacy = detect_format(project) == FORMAT_2021
    assets = project.get("assets") or {}
    shape = _Shape(
        file={k: v for k, v in project.items() if k not in {"metadata", "assets"}},
        metadata=_metadata(project, legacy=legacy),
    )

    class_key, name_key = ("classifiers", "name") if legacy else ("classes", "category")
    if project_kind(project) == "CustomEntityRecognition":
        class_key = "extractors" if legacy else "entities"
    for item in assets.get(class_key) or []:
        shape.classes[str(item[name_key])] = {k: v for k, v in item.items() if k != name_key}

    locations = Counter(str(doc["location"]) for doc in assets.get("documents") or [])
    shape.duplicates = sorted(loc for loc, count in locations.items() if count > 1)
    for document in assets.get("documents") or []:
        shape.documents[str(document["location"])] = _document(document)
    return shape


def _metadata(project: Mapping[str, Any], *, legacy: bool) -> dict[str, Any]:
    metadata = dict(project["metadata"])
    if legacy:
        metadata = {_METADATA_2021.get(key, key): value for key, value in metadata.items()}
    metadata["projectKind"] = project_kind(project)

    # The assets repeat the kind; it matters only where it disagrees.
    asset_kind = (project.get("assets") or {}).get("projectKind")
    if asset_kind is not None and canonical_kind(str(asset_kind)) != metadata["projectKind"]:
        metadata["assets.projectKind"] = asset_kind
    return metadata


def _document(document: Mapping[str, Any]) -> dict[str, Any]:
    shaped = {k: v for k, v in document.items() if k not in _DOCUMENT_LABEL_KEYS}
    del shaped["location"]
    shaped["labels"] = _labels(document)
    return shaped


def _labels(document: Mapping[str, Any]) -> tuple[Any, ...]:
    """A document's labels as a sorted tuple, the same for both formats."""
    if "class" in document:
        return (str(document["class"]["category"]),)
    if "classes" in document:
        return tuple(sorted(str(item["category"]) for item in document["classes"]))
    if "classifiers" in document:
        return tuple(sorted(str(item["classifierName"]) for item in document["classifiers"]))

    spans = []
    for region in document.get("entities") or document.get("extractors") or []:
        for label in region.get("labels") or []:
            category = label.get("category", label.get("extractorName"))
            spans.append(
                (
                    str(category),
                    int(label["offset"]),
                    int(label["length"]),
                    int(region.get("regionOffset", 0)),
                    int(region.get("regionLength", 0)),
                )
            )
    return tuple(sorted(spans))


def _compare_keyed(
    section: str, old: Mapping[str, dict[str, Any]], new: Mapping[str, dict[str, Any]]
) -> list[Change]:
    changes = [Change(section, REMOVED, key, old=old[key]) for key in old if key not in new]
    changes += [Change(section, ADDED, key, new=new[key]) for key in new if key not in old]
    for key in old.keys() & new.keys():
        changes += _compare_fields(section, key, old[key], new[key])
    return sorted(changes, key=lambda change: (change.action, change.key, change.field))


def _compare_fields(
    section: str, key: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Change]:
    changes = []
    for name in _ordered_union(old, new):
        before, after = old.get(name, _ABSENT), new.get(name, _ABSENT)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            changes += _compare_nested(section, key, name, before, after)
        else:
            changes.append(
                Change(section, CHANGED, key or name, name, _value(before), _value(after))
            )
    return changes


def _compare_nested(
    section: str, key: str, name: str, old: dict[str, Any], new: dict[str, Any]
) -> list[Change]:
    """One change per leaf that differs inside a nested field, such as `settings`."""
    changes = []
    for items in DeepDiff(old, new, view="tree").values():
        for item in items:
            path = ".".join(str(part) for part in item.path(output_format="list"))
            field = f"{name}.{path}"
            changes.append(
                Change(section, CHANGED, key or field, field, _leaf(item.t1), _leaf(item.t2))
            )
    return sorted(changes, key=lambda change: change.field)


def _leaf(value: Any) -> Any:
    return None if isinstance(value, NotPresent) else value


def _value(value: Any) -> Any:
    return None if value is _ABSENT else value


def _ordered_union(*mappings: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(name for mapping in mappings for name in mapping))
