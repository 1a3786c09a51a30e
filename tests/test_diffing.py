from __future__ import annotations

import copy
import json

import pytest

from archiver.diffing import ADDED, CHANGED, DUPLICATE, REMOVED, Change, diff_projects
from tests.helpers import SAMPLES_2022, SHARED_MISSING, entity_project, load_demo, single_label


def _keys(changes: tuple[Change, ...], action: str, section: str = "documents") -> list[str]:
    return [c.key for c in changes if c.action == action and c.section == section]


def test_a_project_equals_itself() -> None:
    assert diff_projects(single_label(), single_label()).empty


def test_document_order_and_kind_case_do_not_count() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    new["assets"]["documents"].reverse()
    new["assets"]["projectKind"] = "customSingleLabelClassification"
    assert diff_projects(old, new).empty


def test_demo_relabelling_is_reported_change_by_change() -> None:
    result = diff_projects(load_demo("SupportTickets"), load_demo("SupportTickets.changed"))
    changes = result.changes

    assert _keys(changes, ADDED, "classes") == ["Security"]
    assert _keys(changes, ADDED) == ["ticket-0037.txt", "ticket-0038.txt"]
    assert _keys(changes, REMOVED) == ["ticket-0012.txt", "ticket-0030.txt"]
    relabelled = {c.key: (c.old, c.new) for c in changes if c.field == "labels"}
    assert relabelled == {
        "ticket-0009.txt": (("AccountAccess",), ("Security",)),
        "ticket-0016.txt": (("Shipping",), ("Billing",)),
        "ticket-0024.txt": (("AccountAccess",), ("Security",)),
    }
    moved = [c for c in changes if c.field == "dataset"]
    assert [(c.key, c.old, c.new) for c in moved] == [("ticket-0020.txt", "Train", "Test")]
    assert [c.key for c in changes if c.section == "metadata"] == ["description"]
    assert result.counts() == {
        "metadata": {CHANGED: 1},
        "classes": {ADDED: 1},
        "documents": {ADDED: 2, REMOVED: 2, CHANGED: 4},
    }


def test_entity_label_shift_is_a_label_change() -> None:
    old = entity_project()
    new = copy.deepcopy(old)
    new["assets"]["documents"][0]["entities"][0]["labels"][0]["offset"] = 11
    (change,) = diff_projects(old, new).changes
    assert (change.key, change.field) == ("lease-1.txt", "labels")
    assert ("Tenant", 10, 12, 0, 900) in change.old
    assert ("Tenant", 11, 12, 0, 900) in change.new


def test_unknown_fields_are_still_reported() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    new["assets"]["documents"][0]["reviewer"] = "team-a"
    new["metadata"]["settings"] = {"confidenceThreshold": 0.7}
    new["futureField"] = 1
    fields = {(c.section, c.field) for c in diff_projects(old, new).changes}
    assert fields == {
        ("documents", "reviewer"),
        ("metadata", "settings.confidenceThreshold"),
        ("file", "futureField"),
    }


def test_nested_settings_change_names_the_leaf() -> None:
    old = single_label()
    old["metadata"]["settings"] = {"confidenceThreshold": 0.5, "other": {"a": [1, 2]}}
    new = copy.deepcopy(old)
    new["metadata"]["settings"]["confidenceThreshold"] = 0.7
    new["metadata"]["settings"]["other"]["a"][1] = 3
    changes = diff_projects(old, new).changes
    assert [(c.key, c.old, c.new) for c in changes] == [
        ("settings.confidenceThreshold", 0.5, 0.7),
        ("settings.other.a.1", 2, 3),
    ]


def test_null_and_missing_fields_differ() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    new["metadata"]["description"] = None
    del old["metadata"]["description"]
    (change,) = diff_projects(old, new).changes
    assert (change.key, change.old, change.new) == ("description", None, None)


def test_duplicate_locations_are_reported_not_collapsed() -> None:
    old = single_label()
    new = copy.deepcopy(old)
    new["assets"]["documents"].append(copy.deepcopy(new["assets"]["documents"][0]))
    duplicates = [c for c in diff_projects(old, new).changes if c.action == DUPLICATE]
    assert [(c.key, c.new) for c in duplicates] == [("doc-0.txt", True)]


@pytest.mark.skipif(not SAMPLES_2022.is_dir(), reason=SHARED_MISSING)
def test_real_sample_differs_from_itself_in_nothing() -> None:
    path = SAMPLES_2022 / "movieLabels.CustomMultiLabelClassification.json"
    project = json.loads(path.read_text("utf-8"))
    assert diff_projects(project, copy.deepcopy(project)).empty
