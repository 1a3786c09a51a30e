"""A project's history: its snapshots in time order, each compared with the one before.

A corrupt snapshot stays in the history, marked, but is left out of the chain of
comparisons: the next intact snapshot is compared with the last intact one before it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archiver.diffing import diff_projects
from archiver.errors import CorruptSnapshotError, NotFoundError
from archiver.projectfile import ProjectSummary, summarize
from archiver.snapshot import Snapshot
from archiver.store import Entry, Store, entry_at, read_snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HistoryRow:
    """One snapshot of a project and what changed since the intact one before it."""

    entry: Entry
    snapshot: Snapshot | None = None
    summary: ProjectSummary | None = None
    error: CorruptSnapshotError | None = None
    previous: Entry | None = None
    counts: dict[str, dict[str, int]] | None = None

    @property
    def corrupt(self) -> bool:
        return self.error is not None


def project_history(entries: Iterable[Entry]) -> Iterator[HistoryRow]:
    """Rows for snapshots of one project, given oldest first; reads one file at a time."""
    previous: Snapshot | None = None
    previous_entry: Entry | None = None
    for entry in entries:
        try:
            snapshot = read_snapshot(entry.path)
        except CorruptSnapshotError as exc:
            yield HistoryRow(entry, error=exc)
            continue
        except NotFoundError:
            log.info("%s vanished while reading the history (pruned by another run?)", entry.path)
            continue

        counts = None
        if previous is not None:
            counts = diff_projects(previous.project, snapshot.project).counts(zeros=True)
        yield HistoryRow(
            entry, snapshot, summarize(snapshot.project), previous=previous_entry, counts=counts
        )
        previous, previous_entry = snapshot, entry


def previous_snapshot(path: Path) -> Snapshot:
    """The newest intact snapshot of the same project taken before the one at `path`.

    `path` lies in a store, as `<store>/<resource>/<project>/<file>`.
    """
    path = path.absolute()
    entry = entry_at(path)
    if len(path.parents) < 3:
        raise NotFoundError(f"{path} is not in a store: no earlier snapshot to compare it with")
    store = Store(path.parents[2])

    siblings = store.entries(resource=entry.resource, project=entry.project)
    earlier = [e for e in siblings if (e.created, e.sequence) < (entry.created, entry.sequence)]
    for candidate in reversed(earlier):
        try:
            return store.read(candidate.path)
        except CorruptSnapshotError as exc:
            log.warning("passing over %s", exc.message)
    raise NotFoundError(
        f"no intact snapshot of {entry.resource}/{entry.project} before {path.name} to compare with"
    )
