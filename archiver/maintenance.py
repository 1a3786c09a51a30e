"""Store upkeep: verify every file, tag and pin snapshots, prune by a retention policy."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo

from archiver.errors import (
    CorruptSnapshotError,
    NotFoundError,
    StorageError,
    StoreBusyError,
    UsageError,
)
from archiver.locks import project_lock
from archiver.projectfile import ProjectSummary, summarize
from archiver.retention import Candidate, Policy, apply_policy
from archiver.snapshot import Snapshot
from archiver.store import Entry, Store, read_snapshot

log = logging.getLogger(__name__)

_TAG = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_TAG_RULE = "letters, digits, '_', '.', ':' or '-', at most 64"


@dataclass(frozen=True)
class Checked:
    """The outcome of verifying one snapshot file."""

    entry: Entry
    error: CorruptSnapshotError | StorageError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PruneRow:
    entry: Entry
    keep: bool
    reasons: tuple[str, ...]
    removed: bool = False
    # Set when another run held the project's lock: nothing of it was judged or removed.
    busy: StoreBusyError | None = None


@dataclass(frozen=True)
class Listed:
    """One row of the store's inventory: a readable snapshot, or why it is not."""

    entry: Entry
    snapshot: Snapshot | None = None
    summary: ProjectSummary | None = None
    error: CorruptSnapshotError | None = None


def inventory(entries: Iterable[Entry]) -> list[Listed]:
    """Read each snapshot for a listing; corrupt files are rows too, vanished ones are not."""
    rows = []
    for entry in entries:
        try:
            snapshot = read_snapshot(entry.path)
        except CorruptSnapshotError as exc:
            rows.append(Listed(entry, error=exc))
        except NotFoundError:
            log.info("%s vanished while listing (pruned by another run?)", entry.path)
        else:
            rows.append(Listed(entry, snapshot, summarize(snapshot.project)))
    return rows


def verify(entries: Iterable[Entry]) -> list[Checked]:
    """Read and fully check each snapshot: zstd frame, envelope, hash, project schema.

    A file that cannot be read is as bad as a corrupt one; one pruned meanwhile is skipped.
    """
    results = []
    for entry in entries:
        try:
            read_snapshot(entry.path)
        except (CorruptSnapshotError, StorageError) as exc:
            results.append(Checked(entry, exc))
        except NotFoundError:
            log.info("%s vanished while verifying (pruned by another run?)", entry.path)
        else:
            results.append(Checked(entry))
    return results


def retag(
    store: Store, snapshot: Snapshot, *, add: Sequence[str] = (), remove: Sequence[str] = ()
) -> Snapshot:
    """Add and remove tags of a snapshot in the store; return the rewritten snapshot."""
    for tag in add:
        check_tag(tag)

    def change(current: Snapshot) -> Snapshot:
        tags = dict.fromkeys([*current.tags, *add])
        return replace(current, tags=tuple(tag for tag in tags if tag not in remove))

    return _rewrite(store, snapshot, change, command="tag")


def set_pinned(store: Store, snapshot: Snapshot, *, pinned: bool) -> Snapshot:
    return _rewrite(store, snapshot, lambda current: replace(current, pinned=pinned), command="pin")


def check_tag(tag: str) -> str:
    if not _TAG.fullmatch(tag):
        raise UsageError(f"invalid tag {tag!r}: use {_TAG_RULE}")
    if tag == "pinned":
        # `list` shows a pin as this word; a tag of that name would look like one.
        raise UsageError("'pinned' is reserved: use `archiver pin` to pin a snapshot")
    return tag


def prune(
    store: Store,
    policy: Policy,
    zone: tzinfo,
    *,
    resource: str | None = None,
    project: str | None = None,
    dry_run: bool = False,
    wait_lock: float = 0.0,
) -> list[PruneRow]:
    """Apply `policy` to each project separately; remove what it does not keep."""
    if policy.empty:
        raise UsageError("refusing an empty policy: give at least one --keep-* option")
    groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in store.entries(resource=resource, project=project):
        groups[(entry.resource, entry.project)].append(entry)

    rows: list[PruneRow] = []
    for (group_resource, group_project), entries in sorted(groups.items()):
        if dry_run:
            rows += _decide(store, entries, policy, zone)
            continue
        try:
            with store.lock(group_resource, group_project, command="prune", wait=wait_lock):
                current = store.entries(resource=group_resource, project=group_project)
                rows += _remove(store, _decide(store, current, policy, zone))
        except StoreBusyError as busy:
            # One busy project must not stop the others, nor hide what was removed.
            rows += [
                PruneRow(entry, True, ("skipped: project busy",), busy=busy) for entry in entries
            ]
    return rows


def _decide(store: Store, entries: list[Entry], policy: Policy, zone: tzinfo) -> list[PruneRow]:
    readable: dict[str, Entry] = {}
    candidates: list[Candidate] = []
    rows: list[PruneRow] = []
    for entry in entries:
        try:
            snapshot = store.read(entry.path)
        except CorruptSnapshotError:
            # A file that cannot be read is never removed by a policy: a person decides.
            rows.append(PruneRow(entry, True, ("corrupt: left for a person to inspect",)))
            continue
        readable[str(entry.path)] = entry
        created, tags, pinned = snapshot.created, snapshot.tags, snapshot.pinned
        candidates.append(Candidate(str(entry.path), created, tags, pinned))

    for decision in apply_policy(candidates, policy, zone):
        entry = readable[decision.candidate.key]
        rows.append(PruneRow(entry, decision.keep, decision.reasons))
    return sorted(rows, key=lambda row: row.entry, reverse=True)


def _remove(store: Store, rows: list[PruneRow]) -> list[PruneRow]:
    done = []
    for row in rows:
        if not row.keep:
            store.remove(row.entry)
            row = replace(row, removed=True)
        done.append(row)
    return done


def _rewrite(
    store: Store, snapshot: Snapshot, change: Callable[[Snapshot], Snapshot], *, command: str
) -> Snapshot:
    """Apply `change` to the file as it is under the lock, not as it was read before."""
    if snapshot.path is None:
        raise UsageError("only a snapshot file in a store can be changed")
    with project_lock(snapshot.path.parent, command=command):
        changed = change(store.read(snapshot.path))
        store.rewrite(changed)
    return changed
