"""Properties of the diff, over generated projects of every kind.

Alphabets are small on purpose, so that keys collide: the same location or category on
both sides, the same location twice in one file.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.diffing import ADDED, REMOVED, Change, NormalProject, diff_projects, normal_form
from archiver.projectfile import ENTITY_RECOGNITION, MULTI_LABEL, SINGLE_LABEL, canonical_kind

KINDS = (SINGLE_LABEL, MULTI_LABEL, ENTITY_RECOGNITION)
_MODEL_TYPES_2021 = {
    SINGLE_LABEL: "singleClassification",
    MULTI_LABEL: "multiClassification",
    ENTITY_RECOGNITION: "Extraction",
}

categories = st.sampled_from(["A", "B", "C"])
locations = st.sampled_from(["a.txt", "b.txt", "c.txt", "d.txt"])
languages = st.sampled_from(["en-us", "fr"])
scalars = st.none() | st.booleans() | st.integers(-2, 2) | st.text("xy", max_size=2)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from("pq"), inner),
    max_leaves=4,
)


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any]) -> Any:
    return draw(strategy) if draw(st.booleans()) else None


@st.composite
def entity_regions(draw: st.DrawFn) -> list[dict[str, Any]]:
    regions = []
    for _ in range(draw(st.integers(0, 2))):
        labels = [
            {"category": draw(categories), "offset": draw(st.integers(0, 3)), "length": 2}
            for _ in range(draw(st.integers(0, 3)))
        ]
        offset = draw(st.sampled_from([0, 10]))
        region: dict[str, Any] = {"regionOffset": offset, "regionLength": 50}
        # A region may hold an empty list of labels, or none at all.
        empty_list = draw(st.booleans())
        if labels or empty_list:
            region["labels"] = labels
        regions.append(region)
    return regions


@st.composite
def documents(draw: st.DrawFn, kind: str, *, odd: bool) -> dict[str, Any]:
    document: dict[str, Any] = {"location": draw(locations)}
    for name, strategy in (
        ("language", languages),
        ("dataset", st.sampled_from(["Train", "Test"])),
    ):
        value = _maybe(draw, strategy)
        if value is not None:
            document[name] = value

    if kind == SINGLE_LABEL and draw(st.booleans()):
        document["class"] = {"category": draw(categories)}
    elif kind == MULTI_LABEL and draw(st.booleans()):
        document["classes"] = [{"category": c} for c in draw(st.lists(categories, max_size=3))]
    elif kind == ENTITY_RECOGNITION and draw(st.booleans()):
        document["entities"] = draw(entity_regions())

    if odd and draw(st.integers(0, 4)) == 0:
        document["note"] = draw(values)
    if odd and "class" in document and draw(st.integers(0, 4)) == 0:
        document["class"]["confidence"] = draw(values)
    if odd and draw(st.integers(0, 4)) == 0:
        document["lastModifiedDateTime"] = draw(st.sampled_from(["t1", "t2"]))
    return document


@st.composite
def projects(draw: st.DrawFn, kind: str | None = None, *, odd: bool = True) -> dict[str, Any]:
    """A 2022-format project file; `odd` adds fields and label shapes the diff does not model."""
    kind = kind or draw(st.sampled_from(KINDS))
    metadata: dict[str, Any] = {
        "projectKind": kind,
        "storageInputContainerName": "c",
        "projectName": "P",
        "language": draw(languages),
    }
    if draw(st.booleans()):
        metadata["description"] = draw(st.none() | st.text("xy", max_size=2))
    if draw(st.booleans()):
        metadata["settings"] = draw(st.dictionaries(st.sampled_from("pq"), values, max_size=2))

    class_key = "entities" if kind == ENTITY_RECOGNITION else "classes"
    classes: list[dict[str, Any]] = [
        {"category": c} for c in draw(st.lists(categories, max_size=4))
    ]
    described = draw(st.booleans())
    if odd and classes and described:
        classes[0]["description"] = draw(values)
    assets = {
        "projectKind": kind,
        class_key: classes,
        "documents": draw(st.lists(documents(kind, odd=odd), max_size=6)),
    }
    project: dict[str, Any] = {
        "projectFileVersion": "2022-05-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": metadata,
        "assets": assets,
    }
    if odd and draw(st.booleans()):
        project["futureField"] = draw(values)
    return project


def pairs_of_one_kind() -> st.SearchStrategy[tuple[dict[str, Any], dict[str, Any]]]:
    return st.sampled_from(KINDS).flatmap(lambda kind: st.tuples(projects(kind), projects(kind)))


def apply_changes(project: NormalProject, changes: tuple[Change, ...]) -> NormalProject:
    """`project` with every change applied: the diff is complete if this gives the other side."""
    result = copy.deepcopy(project)
    for change in changes:
        if change.section in ("file", "metadata"):
            _apply_to_field(getattr(result, change.section), change)
            continue
        items = getattr(result, change.section)
        item = (change.key, change.copy)
        if change.field:
            _apply_to_field(items[item], change)
        elif change.action == ADDED:
            items[item] = change.new
        else:
            del items[item]
    return result


def _apply_to_field(target: dict[str, Any], change: Change) -> None:
    *path, name = change.field
    for step in path:
        target = target[step]

    if change.added or change.removed:
        held = Counter(target.get(name, ()))
        held.subtract(change.removed)
        held.update(change.added)
        assert min(held.values(), default=0) >= 0, "removed a label that was not there"
        labels = tuple(sorted(held.elements()))
        if labels:
            target[name] = labels
        else:
            target.pop(name, None)
    elif change.action == REMOVED:
        del target[name]
    else:
        target[name] = change.new


def multi_label(labelled: list[tuple[str, list[str]]] | None = None) -> dict[str, Any]:
    """A small multi-label project file with the given documents and their classes."""
    labelled = labelled or [("m1.txt", ["Comedy", "Drama"]), ("m2.txt", [])]
    used = sorted({name for _, names in labelled for name in names})
    return {
        "projectFileVersion": "2022-05-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": {
            "projectKind": MULTI_LABEL,
            "storageInputContainerName": "movies",
            "projectName": "Movies",
            "language": "en-us",
        },
        "assets": {
            "projectKind": MULTI_LABEL,
            "classes": [{"category": name} for name in used],
            "documents": [
                {
                    "location": location,
                    "language": "en-us",
                    "classes": [{"category": name} for name in names],
                }
                for location, names in labelled
            ],
        },
    }


def to_2021(project: dict[str, Any]) -> dict[str, Any]:
    """The 2021-11-01-preview file that holds what a 2022-format `project` holds."""
    kind = canonical_kind(project["metadata"]["projectKind"])
    renames = {"projectName": "name", "multilingual": "multiLingual"}
    metadata = {
        renames.get(name, name): value
        for name, value in project["metadata"].items()
        if name != "projectKind"
    }
    metadata["modelType"] = _MODEL_TYPES_2021[kind]

    assets = project["assets"]
    class_key = "extractors" if kind == ENTITY_RECOGNITION else "classifiers"
    classes = assets.get("entities" if kind == ENTITY_RECOGNITION else "classes", [])
    skipped = {"projectFileVersion", "stringIndexType", "metadata", "assets"}
    return {
        "api-version": "2021-11-01-preview",
        **{name: value for name, value in project.items() if name not in skipped},
        "metadata": metadata,
        "assets": {
            class_key: [{"name": item["category"]} for item in classes],
            "documents": [_document_2021(document) for document in assets["documents"]],
        },
    }


def _document_2021(document: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for name, value in document.items():
        if name == "class":
            converted["classifiers"] = [{"classifierName": value["category"]}]
        elif name == "classes":
            converted["classifiers"] = [{"classifierName": item["category"]} for item in value]
        elif name == "entities":
            converted["extractors"] = [_region_2021(region) for region in value]
        else:
            converted[name] = value
    return converted


def _region_2021(region: dict[str, Any]) -> dict[str, Any]:
    converted = {name: value for name, value in region.items() if name != "labels"}
    if "labels" in region:
        converted["labels"] = [
            {
                "extractorName": label["category"],
                "offset": label["offset"],
                "length": label["length"],
            }
            for label in region["labels"]
        ]
    return converted


@settings(max_examples=150, deadline=None)
@given(projects())
def test_a_project_differs_from_its_copy_in_nothing(project: dict[str, Any]) -> None:
    assert diff_projects(project, copy.deepcopy(project)).empty


@settings(max_examples=150, deadline=None)
@given(pairs_of_one_kind())
def test_applying_the_changes_to_the_old_project_gives_the_new(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    old, new = pair
    result = diff_projects(old, new)
    assert apply_changes(normal_form(old), result.changes) == normal_form(new)
    assert result.empty == (normal_form(old) == normal_form(new))


@settings(max_examples=50, deadline=None)
@given(projects(), projects())
def test_the_diff_is_complete_even_when_the_kind_changes(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    changes = diff_projects(old, new).changes
    assert apply_changes(normal_form(old), changes) == normal_form(new)


@settings(max_examples=100, deadline=None)
@given(projects(odd=False), st.randoms(use_true_random=False))
def test_a_reordered_2021_copy_equals_the_2022_file(
    project: dict[str, Any], shuffle: random.Random
) -> None:
    legacy = to_2021(project)
    shuffle.shuffle(legacy["assets"]["documents"])
    located = Counter(document["location"] for document in legacy["assets"]["documents"])
    if max(located.values(), default=1) > 1:
        # Copies of one location are compared in file order, so their order counts.
        legacy["assets"]["documents"] = to_2021(project)["assets"]["documents"]
    assert diff_projects(legacy, project).empty


@settings(max_examples=100, deadline=None)
@given(projects())
def test_the_normal_form_keeps_every_copy_of_every_document_in_file_order(
    project: dict[str, Any],
) -> None:
    normal = normal_form(project).documents
    copies: Counter[str] = Counter()
    for document in project["assets"]["documents"]:
        copies[document["location"]] += 1
        held = normal[(document["location"], copies[document["location"]])]
        assert [held.get("language"), held.get("dataset")] == [
            document.get("language"),
            document.get("dataset"),
        ]
    assert len(normal) == len(project["assets"]["documents"])
