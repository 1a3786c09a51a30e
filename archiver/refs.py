"""Refs: the ways to name a snapshot.

    path/to/20261204T020000Z-000.json.zst   a snapshot file
    Movies@latest                          the newest snapshot of Movies
    Movies                                 the same as Movies@latest
    Movies@~2                              two before the newest
    Movies@2026-12-01T00:00Z               the newest at or before that instant
    Movies@2026-12-01                      ... at or before the end of that day, UTC
    eastus/Movies@latest                   Movies of resource eastus, where several hold one

A corrupt snapshot is never chosen: it is passed over with a warning. Neither is a
safety snapshot (tag `pre-restore`): restoring it again would undo a restore, so it is
named by its path.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from archiver.config import expand_path
from archiver.errors import CorruptSnapshotError, NotFoundError, UsageError
from archiver.snapshot import SAFETY_TAG, SUFFIX, Snapshot
from archiver.store import Entry, Store

log = logging.getLogger(__name__)

_REF = re.compile(
    r"(?:(?P<resource>[A-Za-z0-9_.-]+)/)?(?P<project>[A-Za-z0-9_.-]+)(?:@(?P<at>.+))?"
)
_BACK = re.compile(r"~(\d{1,6})")


@dataclass(frozen=True)
class Ref:
    """A parsed ref that names snapshots in the store (not a path)."""

    project: str
    resource: str | None = None
    back: int = 0
    before: datetime | None = None

    def __str__(self) -> str:
        prefix = f"{self.resource}/" if self.resource else ""
        if self.before is not None:
            return f"{prefix}{self.project}@{self.before.isoformat()}"
        return f"{prefix}{self.project}@" + (f"~{self.back}" if self.back else "latest")


def looks_like_path(text: str) -> bool:
    """A ref with a path separator or the snapshot suffix is a path; a bare word never is."""
    if text.endswith(SUFFIX) or text.startswith(("./", "../", "/", "~")):
        return True
    return "/" in text and _REF.fullmatch(text) is None


def parse_ref(text: str) -> Ref:
    match = _REF.fullmatch(text)
    if match is None:
        raise UsageError(
            f"invalid ref {text!r}: expected PROJECT@latest, PROJECT@~N, PROJECT@TIME "
            "or a snapshot path"
        )
    at = match["at"] or "latest"
    ref = Ref(project=match["project"], resource=match["resource"])

    if at == "latest":
        return ref
    back = _BACK.fullmatch(at)
    if back is not None:
        return Ref(ref.project, ref.resource, back=int(back[1]))
    return Ref(ref.project, ref.resource, before=parse_instant(at))


def parse_project(text: str) -> tuple[str | None, str]:
    """`PROJECT` or `RESOURCE/PROJECT`, as (resource or None, project)."""
    ref = parse_ref(text)
    if "@" in text:
        raise UsageError(f"{text!r} names snapshots; give PROJECT or RESOURCE/PROJECT here")
    return ref.resource, ref.project


def parse_instant(text: str) -> datetime:
    """An instant with `Z` or an offset; a bare date means the end of that day in UTC."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time.max, tzinfo=UTC)

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"invalid time {text!r}: use ISO 8601, e.g. 2026-12-01T00:00Z") from None
    if moment.tzinfo is None:
        raise UsageError(f"time {text!r} needs 'Z' or an offset such as +01:00")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise UsageError(f"time {text!r} is out of range") from None


def resolve(store: Store, text: str) -> Snapshot:
    """The snapshot that `text` names, read and checked."""
    if looks_like_path(text):
        return store.read(expand_path(Path(text)))

    ref = parse_ref(text)
    return _pick(store, ref, matching_entries(store, ref))


def named_entries(store: Store, text: str) -> list[Entry]:
    """The snapshot files a ref names, unread: a project's every one when it has no `@`.

    Unlike `resolve`, a corrupt file is named like any other: the caller wants to check it.
    """
    ref = parse_ref(text)
    matches = matching_entries(store, ref)
    if "@" not in text:
        return list(reversed(matches))
    if ref.back >= len(matches):
        raise NotFoundError(f"no snapshot matches {text} in {store.root}")
    return [matches[ref.back]]


def matching_entries(store: Store, ref: Ref) -> list[Entry]:
    """The snapshots a ref could name, newest first, before any is read."""
    candidates = _candidates(store, ref)
    if ref.before is not None:
        before = ref.before
        candidates = [entry for entry in candidates if entry.created <= before]
    return list(reversed(candidates))


def _candidates(store: Store, ref: Ref) -> list[Entry]:
    entries = store.entries(resource=ref.resource, project=ref.project)
    if not entries:
        where = f" of resource {ref.resource!r}" if ref.resource else ""
        raise NotFoundError(f"no snapshots of project {ref.project!r}{where} in {store.root}")

    resources = sorted({entry.resource for entry in entries})
    if len(resources) > 1:
        choices = ", ".join(f"{name}/{ref.project}" for name in resources)
        raise UsageError(f"ref {ref.project!r} is ambiguous; name the resource: {choices}")
    return entries


def _pick(store: Store, ref: Ref, newest_first: list[Entry]) -> Snapshot:
    wanted = ref.back
    for entry in newest_first:
        try:
            snapshot = store.read(entry.path)
        except CorruptSnapshotError as exc:
            log.warning("passing over %s", exc.message)
            continue
        if SAFETY_TAG in snapshot.tags:
            # Restoring it again would undo the restore it was taken for.
            log.info("passing over safety snapshot %s (name it by path to use it)", entry.path)
            continue
        if wanted == 0:
            return snapshot
        wanted -= 1
    raise NotFoundError(f"no intact snapshot matches {ref} in {store.root}")
