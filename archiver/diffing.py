"""Differences between two project files, in the project's own terms.

Both sides are brought to one normal form, whatever their format (2021-11-01-preview
or 2022-05-01 and later): classes keyed by category, documents keyed by location, a
document's classes and entity labels as sorted tuples, metadata under the 2022 names.
Each section is then compared key by key. A field this module does not model is still
compared and reported, never dropped.

A key that occurs more than once (one location listed twice) is not collapsed: the
n-th copy on one side is compared with the n-th copy on the other, in file order, and
`ProjectDiff.duplicates` says how many copies each side holds.

Fields the service fills in by itself (VOLATILE_FIELDS) are left out unless asked for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from archiver.projectfile import (
    ENTITY_RECOGNITION,
    FORMAT_2021,
    SINGLE_LABEL,
    canonical_kind,
    detect_format,
    project_kind,
)

ADDED = "added"
CHANGED = "changed"
REMOVED = "removed"
ACTIONS = (ADDED, CHANGED, REMOVED)

SECTIONS = ("file", "metadata", "classes", "documents")

# Timestamps the service sets on its own; they say nothing about what a person changed.
VOLATILE_FIELDS = frozenset(
    {"createdDateTime", "lastModifiedDateTime", "lastTrainedDateTime", "lastDeployedDateTime"}
)

# A document's labels in the normal form: one class, a multiset of classes, entity
# labels and the regions that hold them.
CLASS = "class"
CLASSES = "classes"
LABELS = "labels"
REGIONS = "regions"

# 2021-11-01-preview metadata keys and their 2022-05-01 names.
_METADATA_2021 = {"name": "projectName", "modelType": "projectKind", "multiLingual": "multilingual"}
# Top-level keys that only say which format a file is written in.
_FORMAT_MARKERS = frozenset({"api-version", "projectFileVersion", "stringIndexType"})
_ENTITY_KINDS = frozenset({ENTITY_RECOGNITION, "CustomHealthcare"})
_CLASSIFICATION_KEYS = frozenset({"class", "classes", "classifiers"})
_ENTITY_KEYS = frozenset({"entities", "extractors"})
_REGION_KEYS = frozenset({"regionOffset", "regionLength", "labels"})
# Tells a field that is missing from one that is present with the value null.
_ABSENT: Any = object()


class EntityLabel(NamedTuple):
    """One entity label: a category over a span of text, inside a region."""

    category: str
    offset: int
    length: int
    region_offset: int
    region_length: int


class Region(NamedTuple):
    """A region of a document that entity labels were drawn in."""

    offset: int
    length: int


@dataclass(frozen=True)
class Change:
    """One entry of a diff.

    `action` is what happened to `field` of the item `key` (a category or a location,
    empty for file and metadata); with no field, to the item itself. A change of a
    multiset field (classes, labels, regions) lists what was `added` and `removed`.
    """

    section: str
    action: str
    key: str = ""
    field: tuple[str, ...] = ()
    old: Any = None
    new: Any = None
    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()
    copy: int = 1

    @property
    def item_action(self) -> str:
        """What happened to the class or document as a whole: a changed field changes it."""
        return self.action if not self.field else CHANGED


@dataclass(frozen=True)
class Duplicate:
    """A key that occurs more than once on at least one side."""

    section: str
    key: str
    old: int
    new: int


@dataclass(frozen=True)
class ProjectDiff:
    changes: tuple[Change, ...]
    duplicates: tuple[Duplicate, ...] = ()
    formats: tuple[str, str] = ("", "")

    @property
    def empty(self) -> bool:
        return not self.changes

    def counts(self, *, zeros: bool = False) -> dict[str, dict[str, int]]:
        """Added, changed and removed per section, and for labels; zeros only if asked.

        Classes and documents count items, each once however many of its fields
        changed; file and metadata count fields.
        """
        counts = {section: dict.fromkeys(ACTIONS, 0) for section in (*SECTIONS, LABELS)}
        items: dict[tuple[str, str, int], str] = {}
        for change in self.changes:
            if change.section in ("classes", "documents"):
                items.setdefault((change.section, change.key, change.copy), change.item_action)
            else:
                counts[change.section][change.action] += 1
        for (section, _, _), action in items.items():
            counts[section][action] += 1

        for action, number in label_counts(self.changes).items():
            counts[LABELS][action] = number
        if zeros:
            return counts
        sparse = {name: {a: n for a, n in row.items() if n} for name, row in counts.items()}
        return {name: row for name, row in sparse.items() if row}


def label_counts(changes: Iterable[Change]) -> dict[str, int]:
    """How many classes and entity labels of documents were added, changed or removed."""
    counts = dict.fromkeys(ACTIONS, 0)
    for change in changes:
        if change.section != "documents":
            continue
        if not change.field:
            side = change.new if change.action == ADDED else change.old
            counts[change.action] += _labels_held(side)
        elif change.field == (CLASS,) and _one_class(change.old, change.new):
            counts[change.action] += 1
        elif change.field in ((CLASSES,), (LABELS,)):
            counts[ADDED] += len(change.added)
            counts[REMOVED] += len(change.removed)
    return counts


def diff_projects(
    old: Mapping[str, Any], new: Mapping[str, Any], *, include_volatile: bool = False
) -> ProjectDiff:
    """Every difference between two project files, section by section."""
    before, after = _Side(old, include_volatile), _Side(new, include_volatile)
    if before.file_format != after.file_format:
        # Each format names itself differently; the formats are reported on their own.
        before.drop_format_markers()
        after.drop_format_markers()
    # Equal raw documents are equal in the normal form only if both are read alike.
    same_layout = (before.file_format, before.kind) == (after.file_format, after.kind)

    changes = _compare_fields("file", "", 1, before.file, after.file)
    changes += _compare_fields("metadata", "", 1, before.metadata, after.metadata)
    changes += _compare_keyed("classes", before.classes, after.classes, before, after)
    changes += _compare_documents(before, after, same_layout=same_layout)

    duplicates = _duplicates("classes", before.classes, after.classes)
    duplicates += _duplicates("documents", before.documents, after.documents)
    return ProjectDiff(
        tuple(sorted(changes, key=_order)),
        tuple(duplicates),
        (before.file_format, after.file_format),
    )


@dataclass(frozen=True)
class NormalProject:
    """A project file in the normal form the diff compares, keyed by (key, copy)."""

    file: dict[str, Any]
    metadata: dict[str, Any]
    classes: dict[tuple[str, int], dict[str, Any]]
    documents: dict[tuple[str, int], dict[str, Any]]


def normal_form(project: Mapping[str, Any], *, include_volatile: bool = False) -> NormalProject:
    """The whole project in the diff's normal form, e.g. to check a diff against."""
    side = _Side(project, include_volatile)
    return NormalProject(
        file=side.file,
        metadata=side.metadata,
        classes={
            (str(key), copy): side.normal_class(item)
            for key in side.classes.first
            for copy, item in enumerate(side.classes.copies(key), 1)
        },
        documents={
            (str(key), copy): side.normal_document(document)
            for key in side.documents.first
            for copy, document in enumerate(side.documents.copies(key), 1)
        },
    )


class _Side:
    """One project file, indexed for comparison; items are normalised only when needed."""

    def __init__(self, project: Mapping[str, Any], include_volatile: bool) -> None:
        self.file_format = detect_format(project)
        self.kind = project_kind(project)
        self.legacy = self.file_format == FORMAT_2021
        self.single = self.kind == SINGLE_LABEL
        self.volatile = frozenset() if include_volatile else VOLATILE_FIELDS
        self.name_key = "name" if self.legacy else "category"
        self.label_key = "extractorName" if self.legacy else "category"

        assets = project.get("assets") or {}
        class_key = self._class_key()
        self.file = self._file(project, assets, class_key)
        self.metadata = self._metadata(project)
        self.classes = _Index(assets.get(class_key) or [], self.name_key)
        self.documents = _Index(assets.get("documents") or [], "location")

    def drop_format_markers(self) -> None:
        for name in _FORMAT_MARKERS:
            self.file.pop(name, None)

    def normal_class(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: value
            for name, value in item.items()
            if name != self.name_key and name not in self.volatile
        }

    def normal_document(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A document without its location, its labels in sorted tuples.

        Labels of a shape the diff does not model stay as they are, under their own
        name, and are compared as plain values.
        """
        fields: dict[str, Any] = {}
        labels: dict[str, Any] = {}
        for name, value in document.items():
            if name == "location" or name in self.volatile:
                continue
            normal = None
            if name in _CLASSIFICATION_KEYS:
                normal = self._classification(name, value)
            elif name in _ENTITY_KEYS:
                normal = self._entities(value)
            if normal is None:
                fields[name] = value
            else:
                labels.update(normal)
        return {**labels, **fields}

    def _class_key(self) -> str:
        if self.legacy:
            return "extractors" if self.kind == ENTITY_RECOGNITION else "classifiers"
        return "entities" if self.kind in _ENTITY_KINDS else "classes"

    def _file(self, project: Mapping[str, Any], assets: Any, class_key: str) -> dict[str, Any]:
        """Top-level fields besides metadata and assets, and fields of assets not modelled."""
        file = {
            name: value
            for name, value in project.items()
            if name not in ("metadata", "assets") and name not in self.volatile
        }
        known = {"projectKind", class_key, "documents"}
        extra = {name: value for name, value in assets.items() if name not in known}

        # The assets repeat the kind; it matters only where it disagrees.
        asset_kind = assets.get("projectKind")
        if asset_kind is not None and canonical_kind(str(asset_kind)) != self.kind:
            extra["projectKind"] = asset_kind
        # Always there, so that a field of the assets is reported as that field.
        file["assets"] = extra
        return file

    def _metadata(self, project: Mapping[str, Any]) -> dict[str, Any]:
        metadata = dict(project.get("metadata") or {})
        if self.legacy:
            metadata = {_METADATA_2021.get(key, key): value for key, value in metadata.items()}
        metadata["projectKind"] = self.kind
        return {name: value for name, value in metadata.items() if name not in self.volatile}

    def _classification(self, name: str, value: Any) -> dict[str, Any] | None:
        items = [value] if name == "class" else value
        categories = _categories(items, "classifierName" if name == "classifiers" else "category")
        if categories is None:
            return None
        # A 2021 single-label document holds its one class in a list.
        if name == "class" or (name == "classifiers" and self.single and len(categories) == 1):
            return {CLASS: categories[0]}
        return {CLASSES: categories} if categories else {}

    def _entities(self, regions: Any) -> dict[str, Any] | None:
        found = _entity_labels(regions, self.label_key)
        if found is None:
            return None
        labels, spans = found
        normal: dict[str, Any] = {}
        if labels:
            normal[LABELS] = labels
        if spans:
            normal[REGIONS] = spans
        return normal


class _Index:
    """Items by key: the first copy of each, and the further copies of a key that repeats.

    Nothing is allocated per item, which keeps the garbage collector from walking a
    large project again and again while it is indexed.
    """

    def __init__(self, items: list[Any], key: str) -> None:
        self.more: dict[Any, list[Any]] = {}
        try:
            self.first: dict[Any, Any] = {item.get(key): item for item in items}
        except AttributeError:
            self.first = {}
        if len(self.first) == len(items):
            return

        # Some key repeats (or an item is not an object): index again, copy by copy.
        self.first = {}
        for item in items:
            name = item.get(key) if isinstance(item, dict) else None
            if name in self.first:
                self.more.setdefault(name, []).append(item)
            else:
                self.first[name] = item

    def copies(self, key: Any) -> list[Any]:
        """Every copy of `key`, in file order."""
        if key not in self.first:
            return []
        return [self.first[key], *self.more.get(key, ())]


def _categories(items: Any, name_key: str) -> tuple[str, ...] | None:
    """Category names of classification labels, or None when they hold more than a name."""
    if not isinstance(items, list):
        return None
    names = []
    for item in items:
        if not isinstance(item, dict) or len(item) != 1:
            return None
        name = item.get(name_key)
        if not isinstance(name, str):
            return None
        names.append(name)
    return tuple(sorted(names))


def _entity_labels(
    regions: Any, category_key: str
) -> tuple[tuple[EntityLabel, ...], tuple[Region, ...]] | None:
    """Entity labels and regions of a document, or None when they hold anything else."""
    if not isinstance(regions, list):
        return None
    labels: list[EntityLabel] = []
    spans: list[Region] = []
    for region in regions:
        if not isinstance(region, dict) or not region.keys() <= _REGION_KEYS:
            return None
        offset, length = _integer(region.get("regionOffset")), _integer(region.get("regionLength"))
        if offset is None or length is None:
            return None
        spans.append(Region(offset, length))

        region_labels = region.get("labels", [])
        if not isinstance(region_labels, list):
            return None
        for label in region_labels:
            found = _entity_label(label, category_key, offset, length)
            if found is None:
                return None
            labels.append(found)
    return tuple(sorted(labels)), tuple(sorted(spans))


def _entity_label(label: Any, category_key: str, offset: int, length: int) -> EntityLabel | None:
    if not isinstance(label, dict) or len(label) != 3:
        return None
    category = label.get(category_key)
    start, size = _integer(label.get("offset")), _integer(label.get("length"))
    if not isinstance(category, str) or start is None or size is None:
        return None
    return EntityLabel(category, start, size, offset, length)


def _integer(value: Any) -> int | None:
    """`value` if it is a JSON integer (not a boolean), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _compare_documents(before: _Side, after: _Side, *, same_layout: bool) -> list[Change]:
    old, new = before.documents, after.documents
    changes = _added_and_removed("documents", old, new, before, after)
    locations: Iterable[Any] = old.first
    if same_layout and not old.more and not new.more:
        # Most documents are unchanged: one comparison of the raw dicts settles them.
        find = new.first.get
        locations = [key for key, document in old.first.items() if find(key, _ABSENT) != document]

    for location in locations:
        if location not in new.first:
            continue
        old_copies, new_copies = old.copies(location), new.copies(location)
        changes += _compare_copies(
            "documents", location, old_copies, new_copies, before, after, same_layout=same_layout
        )
    return changes


def _compare_keyed(
    section: str, old: _Index, new: _Index, before: _Side, after: _Side
) -> list[Change]:
    changes = _added_and_removed(section, old, new, before, after)
    for key in old.first.keys() & new.first.keys():
        changes += _compare_copies(section, key, old.copies(key), new.copies(key), before, after)
    return changes


def _added_and_removed(
    section: str, old: _Index, new: _Index, before: _Side, after: _Side
) -> list[Change]:
    changes = []
    for key in old.first.keys() - new.first.keys():
        changes += _whole(section, REMOVED, key, old.copies(key), 1, before)
    for key in new.first.keys() - old.first.keys():
        changes += _whole(section, ADDED, key, new.copies(key), 1, after)
    return changes


def _compare_copies(
    section: str,
    key: Any,
    old: list[Any],
    new: list[Any],
    before: _Side,
    after: _Side,
    *,
    same_layout: bool = False,
) -> list[Change]:
    """Copies of one key compared in file order; copies beyond the other side's are whole."""
    normal_old, normal_new = _normaliser(section, before), _normaliser(section, after)
    changes = []
    for copy, (old_item, new_item) in enumerate(zip(old, new, strict=False), 1):
        if same_layout and old_item == new_item:
            continue
        a, b = normal_old(old_item), normal_new(new_item)
        changes += _compare_fields(section, str(key), copy, a, b, labelled=section == "documents")

    shared = min(len(old), len(new))
    changes += _whole(section, REMOVED, key, old[shared:], shared + 1, before)
    changes += _whole(section, ADDED, key, new[shared:], shared + 1, after)
    return changes


def _whole(
    section: str, action: str, key: Any, items: list[Any], first_copy: int, side: _Side
) -> list[Change]:
    normal = _normaliser(section, side)
    changes = []
    for copy, item in enumerate(items, first_copy):
        value = normal(item)
        if action == ADDED:
            changes.append(Change(section, ADDED, str(key), new=value, copy=copy))
        else:
            changes.append(Change(section, REMOVED, str(key), old=value, copy=copy))
    return changes


def _normaliser(section: str, side: _Side) -> Any:
    return side.normal_document if section == "documents" else side.normal_class


def _compare_fields(
    section: str,
    key: str,
    copy: int,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    prefix: tuple[str, ...] = (),
    labelled: bool = False,
) -> list[Change]:
    """One change per field that differs; nested objects are compared field by field."""
    changes = []
    for name in _ordered_union(old, new):
        before, after = old.get(name, _ABSENT), new.get(name, _ABSENT)
        if before is after or before == after:
            continue
        field = (*prefix, name)
        if labelled and _multiset(before) and _multiset(after):
            changes.append(_multiset_change(section, key, copy, field, before, after))
        elif before is _ABSENT:
            changes.append(Change(section, ADDED, key, field, new=after, copy=copy))
        elif after is _ABSENT:
            changes.append(Change(section, REMOVED, key, field, old=before, copy=copy))
        elif isinstance(before, dict) and isinstance(after, dict):
            changes += _compare_fields(section, key, copy, before, after, prefix=field)
        else:
            changes.append(Change(section, CHANGED, key, field, before, after, copy=copy))
    return changes


def _multiset(value: Any) -> bool:
    # Only the normal form holds tuples: parsed JSON has lists.
    return value is _ABSENT or isinstance(value, tuple)


def _multiset_change(
    section: str, key: str, copy: int, field: tuple[str, ...], old: Any, new: Any
) -> Change:
    before = Counter(() if old is _ABSENT else old)
    after = Counter(() if new is _ABSENT else new)
    added = tuple(sorted((after - before).elements()))
    removed = tuple(sorted((before - after).elements()))
    return Change(section, CHANGED, key, field, added=added, removed=removed, copy=copy)


def _duplicates(section: str, old: _Index, new: _Index) -> list[Duplicate]:
    found = [
        Duplicate(section, str(key), len(old.copies(key)), len(new.copies(key)))
        for key in _ordered_union(old.more, new.more)
    ]
    return sorted(found, key=lambda duplicate: duplicate.key)


def _order(change: Change) -> tuple[int, int, str, int, tuple[str, ...]]:
    section = SECTIONS.index(change.section)
    return (section, ACTIONS.index(change.item_action), change.key, change.copy, change.field)


def _labels_held(document: Any) -> int:
    if not isinstance(document, dict):
        return 0
    if isinstance(document.get(CLASS), str):
        return 1
    return sum(
        len(document[name]) for name in (CLASSES, LABELS) if isinstance(document.get(name), tuple)
    )


def _one_class(old: Any, new: Any) -> bool:
    return all(value is None or isinstance(value, str) for value in (old, new))


def _ordered_union(*mappings: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(name for mapping in mappings for name in mapping))
