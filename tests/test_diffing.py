from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from archiver.diffing import (
    ADDED,
    CHANGED,
    REMOVED,
    Change,
    Duplicate,
    EntityLabel,
    Region,
    diff_projects,
)
from archiver.projectfile import FORMAT_2021, FORMAT_2022
from tests.helpers import SAMPLES_2022, SHARED_MISSING, entity_project, load_demo, single_label
from tests.test_diff_properties import multi_label, to_2021


def _keys(changes: tuple[Change, ...], action: str, section: str = "documents") -> list[str]:
    return [c.key for c in changes if c.item_action == action and c.section == section]


def _only(old: dict[str, Any], new: dict[str, Any]) -> Change:
    (change,) = diff_projects(old, new).changes
    return change


def test_a_project_equals_itself() -> None:
    assert diff_projects(single_label(), single_label()).empty


def test_document_order_label_order_and_kind_case_do_not_count() -> None:
    old = entity_project()
    old["assets"]["documents"].append({"location": "lease-2.txt", "language": "en-us"})
    new = copy.deepcopy(old)
    new["assets"]["documents"].reverse()
    new["assets"]["documents"][1]["entities"][0]["labels"].reverse()
    new["assets"]["projectKind"] = "customEntityRecognition"
    assert diff_projects(old, new).empty


def test_demo_relabelling_is_reported_change_by_change() -> None:
    result = diff_projects(load_demo("SupportTickets"), load_demo("SupportTickets.changed"))
    changes = result.changes

    assert _keys(changes, ADDED, "classes") == ["Security"]
    assert _keys(changes, ADDED) == ["ticket-0037.txt", "ticket-0038.txt"]
    assert _keys(changes, REMOVED) == ["ticket-0012.txt", "ticket-0030.txt"]
    relabelled = {c.key: (c.old, c.new) for c in changes if c.field == ("class",)}
    assert relabelled == {
        "ticket-0009.txt": ("AccountAccess", "Security"),
        "ticket-0016.txt": ("Shipping", "Billing"),
        "ticket-0024.txt": ("AccountAccess", "Security"),
    }
    moved = [(c.key, c.old, c.new) for c in changes if c.field == ("dataset",)]
    assert moved == [("ticket-0020.txt", "Train", "Test")]
    assert [c.field for c in changes if c.section == "metadata"] == [("description",)]


def test_counts_name_items_once_and_count_labels() -> None:
    result = diff_projects(load_demo("SupportTickets"), load_demo("SupportTickets.changed"))
    counts = result.counts(zeros=True)
    assert counts["file"] == {ADDED: 0, CHANGED: 0, REMOVED: 0}
    assert counts["metadata"] == {ADDED: 0, CHANGED: 1, REMOVED: 0}
    assert counts["classes"] == {ADDED: 1, CHANGED: 0, REMOVED: 0}
    assert counts["documents"] == {ADDED: 2, CHANGED: 4, REMOVED: 2}
    assert counts["labels"] == {ADDED: 2, CHANGED: 3, REMOVED: 2}


def test_a_document_with_several_changed_fields_counts_once() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    document = new["assets"]["documents"][0]
    document.update(dataset="Test", language="fr", **{"class": {"category": "Billing"}})
    result = diff_projects(old, new)
    fields = [c.field for c in result.changes]
    assert fields == [("class",), ("dataset",), ("language",)]
    assert result.counts()["documents"][CHANGED] == 1


def test_multi_label_classes_added_and_removed_per_document() -> None:
    old = multi_label([("m1.txt", ["Comedy", "Drama"])])
    new = multi_label([("m1.txt", ["Drama", "Horror", "Sci-Fi"])])
    (change,) = [c for c in diff_projects(old, new).changes if c.section == "documents"]
    assert (change.key, change.field) == ("m1.txt", ("classes",))
    assert (change.added, change.removed) == (("Horror", "Sci-Fi"), ("Comedy",))


def test_entity_label_shift_is_one_label_removed_and_one_added() -> None:
    old = entity_project()
    new = copy.deepcopy(old)
    new["assets"]["documents"][0]["entities"][0]["labels"][0]["offset"] = 11
    change = _only(old, new)
    assert (change.key, change.field, change.action) == ("lease-1.txt", ("labels",), CHANGED)
    assert change.removed == (EntityLabel("Tenant", 10, 12, 0, 900),)
    assert change.added == (EntityLabel("Tenant", 11, 12, 0, 900),)


def test_a_new_region_is_reported_with_its_labels() -> None:
    old = entity_project()
    new = copy.deepcopy(old)
    label = {"category": "Rent", "offset": 950, "length": 4}
    region = {"regionOffset": 900, "regionLength": 100, "labels": [label]}
    new["assets"]["documents"][0]["entities"].append(region)
    changes = {c.field: c for c in diff_projects(old, new).changes}
    assert changes[("labels",)].added == (EntityLabel("Rent", 950, 4, 900, 100),)
    assert changes[("regions",)].added == (Region(900, 100),)


def test_unknown_fields_are_still_reported() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    new["assets"]["documents"][0]["reviewer"] = "team-a"
    new["assets"]["classes"][0]["description"] = "invoices"
    new["assets"]["reviewQueue"] = ["doc-1.txt"]
    new["metadata"]["settings"] = {"confidenceThreshold": 0.7}
    new["futureField"] = 1
    found = {(c.section, c.key, c.field, c.action) for c in diff_projects(old, new).changes}
    assert found == {
        ("documents", "doc-0.txt", ("reviewer",), ADDED),
        ("classes", "Billing", ("description",), ADDED),
        ("file", "", ("assets", "reviewQueue"), ADDED),
        ("metadata", "", ("settings", "confidenceThreshold"), ADDED),
        ("file", "", ("futureField",), ADDED),
    }


def test_labels_of_an_unmodelled_shape_are_compared_as_they_are() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    new["assets"]["documents"][0]["class"]["confidence"] = 0.9
    change = _only(old, new)
    assert (change.field, change.old) == (("class",), "Outage")
    assert change.new == {"category": "Outage", "confidence": 0.9}


def test_nested_settings_change_names_the_leaf() -> None:
    old = single_label()
    old["metadata"]["settings"] = {"confidenceThreshold": 0.5, "other": {"a": [1, 2]}}
    new = copy.deepcopy(old)
    new["metadata"]["settings"]["confidenceThreshold"] = 0.7
    new["metadata"]["settings"]["other"]["a"][1] = 3
    changes = diff_projects(old, new).changes
    assert [(c.field, c.old, c.new) for c in changes] == [
        (("settings", "confidenceThreshold"), 0.5, 0.7),
        (("settings", "other", "a"), [1, 2], [1, 3]),
    ]


def test_null_and_missing_fields_differ() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    new["metadata"]["description"] = None
    del old["metadata"]["description"]
    change = _only(old, new)
    assert (change.field, change.action, change.new) == (("description",), ADDED, None)


def test_duplicate_locations_are_compared_copy_by_copy() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    second = copy.deepcopy(new["assets"]["documents"][0])
    second["class"]["category"] = "Billing"
    new["assets"]["documents"].append(second)

    result = diff_projects(old, new)
    assert result.duplicates == (Duplicate("documents", "doc-0.txt", 1, 2),)
    (change,) = result.changes
    assert (change.key, change.copy, change.action) == ("doc-0.txt", 2, ADDED)
    assert change.new["class"] == "Billing"


def test_duplicates_that_are_equal_on_both_sides_are_no_difference() -> None:
    project = single_label()
    project["assets"]["documents"].append(copy.deepcopy(project["assets"]["documents"][0]))
    result = diff_projects(project, copy.deepcopy(project))
    assert result.empty
    assert result.duplicates == (Duplicate("documents", "doc-0.txt", 2, 2),)


def test_a_changed_second_copy_is_reported_as_that_copy() -> None:
    project = single_label()
    project["assets"]["documents"].append(copy.deepcopy(project["assets"]["documents"][0]))
    changed = copy.deepcopy(project)
    changed["assets"]["documents"][-1]["dataset"] = "Test"
    change = _only(project, changed)
    assert (change.key, change.copy, change.field) == ("doc-0.txt", 2, ("dataset",))


@pytest.mark.parametrize("build", [single_label, entity_project, lambda: multi_label()])
def test_a_2021_file_equals_its_2022_equivalent(build: Any) -> None:
    project = build()
    result = diff_projects(to_2021(project), project)
    assert result.empty, result.changes
    assert result.formats == (FORMAT_2021, FORMAT_2022)


def test_a_change_across_a_service_upgrade_is_reported_in_the_project_s_terms() -> None:
    old = to_2021(entity_project())
    new = entity_project()
    new["assets"]["documents"][0]["entities"][0]["labels"].pop()
    new["metadata"]["multilingual"] = True
    found = {(c.field, c.removed) for c in diff_projects(old, new).changes}
    assert found == {
        (("labels",), (EntityLabel("Rent", 200, 8, 0, 900),)),
        (("multilingual",), ()),
    }


def test_service_timestamps_are_left_out_unless_asked_for() -> None:
    old = single_label()
    old["metadata"]["lastModifiedDateTime"] = "2026-12-01T00:00:00Z"
    new = copy.deepcopy(old)
    new["metadata"]["lastModifiedDateTime"] = "2026-12-02T00:00:00Z"
    new["assets"]["documents"][0]["createdDateTime"] = "2026-12-02T00:00:00Z"

    assert diff_projects(old, new).empty
    changes = diff_projects(old, new, include_volatile=True).changes
    assert {c.field for c in changes} == {("lastModifiedDateTime",), ("createdDateTime",)}


def test_assets_kind_that_disagrees_with_the_metadata_is_reported() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    new["assets"]["projectKind"] = "CustomMultiLabelClassification"
    change = _only(old, new)
    assert (change.section, change.field) == ("file", ("assets", "projectKind"))


def test_labels_of_added_and_removed_documents_count_as_labels() -> None:
    old = entity_project()
    new = copy.deepcopy(old)
    new["assets"]["documents"][0]["location"] = "lease-9.txt"
    assert diff_projects(old, new).counts()["labels"] == {ADDED: 2, REMOVED: 2}


def test_counts_leave_out_zeros_unless_asked_for() -> None:
    result = diff_projects(load_demo("SupportTickets"), load_demo("SupportTickets.changed"))
    assert result.counts() == {
        "metadata": {CHANGED: 1},
        "classes": {ADDED: 1},
        "documents": {ADDED: 2, CHANGED: 4, REMOVED: 2},
        "labels": {ADDED: 2, CHANGED: 3, REMOVED: 2},
    }


@pytest.mark.skipif(not SAMPLES_2022.is_dir(), reason=SHARED_MISSING)
@pytest.mark.parametrize(
    "name",
    [
        "movieLabels.CustomMultiLabelClassification.json",
        "loanAgreementsLabels.CustomEntityRecognition.json",
    ],
)
def test_real_sample_differs_from_itself_in_nothing(name: str) -> None:
    project = json.loads((SAMPLES_2022 / name).read_text("utf-8"))
    assert diff_projects(project, copy.deepcopy(project)).empty
    assert diff_projects(to_2021(project), project).empty
