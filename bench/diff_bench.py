"""How fast `archiver diff` is on large projects, against two generic diff libraries.

For each kind and size it generates a project file, changes 1 % of its documents the
way people do (relabelled, moved between Train and Test, language corrected, removed,
added) and diffs the two files with:

- archiver: `archiver.diffing.diff_projects`, best of three runs;
- deepdiff: `DeepDiff(old, new, ignore_order=True)` on the raw files, one run;
- dictdiffer: `dictdiffer.diff(old, new)` on the raw files, one run (it compares
  lists position by position, so one removed document shifts every later one).

Each pair is generated once and kept in a temporary folder as two JSON files. Each
measurement runs in its own process, which loads them, so that a slow library can be
stopped at the cap and no run inherits another's memory. Peak memory
is the most the diff held allocated at once (tracemalloc), from a separate run; it is
left out ('-') where tracing would take more than TRACE_BUDGET seconds.

Last, it prints how archiver's time grows from 10k to 100k documents, next to that of
a reference that only indexes both files' documents by location: the least any keyed
comparison does, which shows how this machine's memory makes such work grow.

    python bench/diff_bench.py [--sizes 1000,10000,100000] [--cap SECONDS]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SINGLE = "CustomSingleLabelClassification"
ENTITIES = "CustomEntityRecognition"
KINDS = {"single-label": SINGLE, "entities": ENTITIES}
LIBRARIES = ("archiver", "deepdiff", "dictdiffer")
# Not a diff: the floor of any keyed comparison, to tell how this machine scales.
REFERENCE = "index-only"
SIZES = (1_000, 10_000, 100_000)
CHANGED_SHARE = 0.01
SEED = 20261201
# Seconds a run under tracemalloc may be expected to take; slower ones report no memory.
TRACE_BUDGET = 10.0

_LANGUAGES = ("en-us",) * 18 + ("en-gb", "fr")
_TOPICS = [f"Topic{number:02d}" for number in range(30)]
_ENTITY_TYPES = [f"Entity{number:02d}" for number in range(15)]


@dataclass(frozen=True)
class Measurement:
    library: str
    kind: str
    documents: int
    seconds: float | None
    peak_mib: float | None
    changes: int | None

    @property
    def capped(self) -> bool:
        return self.seconds is None


def generate(kind: str, documents: int, rng: random.Random) -> dict[str, Any]:
    """A valid 2022-format project file with `documents` labelled documents."""
    entity = kind == ENTITIES
    categories = _ENTITY_TYPES if entity else _TOPICS
    return {
        "projectFileVersion": "2022-05-01",
        "stringIndexType": "Utf16CodeUnit",
        "metadata": {
            "projectKind": kind,
            "storageInputContainerName": "bench",
            "projectName": "Bench",
            "language": "en-us",
            "multilingual": False,
            "description": "generated for the diff benchmark",
            "settings": {"confidenceThreshold": 0.5},
        },
        "assets": {
            "projectKind": kind,
            ("entities" if entity else "classes"): [{"category": c} for c in categories],
            "documents": [_document(kind, index, rng) for index in range(documents)],
        },
    }


def _document(kind: str, index: int, rng: random.Random) -> dict[str, Any]:
    document: dict[str, Any] = {
        "location": f"docs/{index:07d}.txt",
        "language": rng.choice(_LANGUAGES),
        "dataset": "Train" if rng.random() < 0.8 else "Test",
    }
    if kind == SINGLE:
        # A few classes hold most documents, as in real projects.
        document["class"] = {"category": _TOPICS[min(int(rng.expovariate(0.25)), 29)]}
        return document

    length = rng.randint(500, 6000)
    starts = sorted(rng.sample(range(0, length - 60, 60), rng.randint(2, 8)))
    labels = [_entity_label(start, rng) for start in starts]
    document["entities"] = [{"regionOffset": 0, "regionLength": length, "labels": labels}]
    return document


def _entity_label(start: int, rng: random.Random) -> dict[str, Any]:
    return {"category": rng.choice(_ENTITY_TYPES), "offset": start, "length": rng.randint(3, 50)}


def change_documents(project: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A copy of `project` with 1 % of its documents changed, removed or added."""
    changed: dict[str, Any] = json.loads(json.dumps(project))
    documents = changed["assets"]["documents"]
    kind = changed["metadata"]["projectKind"]
    picked = rng.sample(range(len(documents)), max(1, int(len(documents) * CHANGED_SHARE)))

    removed = set()
    for index in picked:
        roll = rng.random()
        if roll < 0.05:
            removed.add(index)
        elif roll < 0.10:
            documents.append(_document(kind, len(documents) + 10_000_000, rng))
        elif roll < 0.25:
            documents[index]["dataset"] = (
                "Test" if documents[index]["dataset"] == "Train" else "Train"
            )
        elif roll < 0.30:
            documents[index]["language"] = "de"
        else:
            _relabel(documents[index], rng)
    changed["assets"]["documents"] = [d for i, d in enumerate(documents) if i not in removed]
    return changed


def _relabel(document: dict[str, Any], rng: random.Random) -> None:
    if "class" in document:
        document["class"] = {"category": rng.choice(_TOPICS)}
        return
    labels = document["entities"][0]["labels"]
    roll = rng.random()
    if roll < 0.4:
        labels[0]["offset"] += 1
    elif roll < 0.7:
        labels.append(_entity_label(labels[-1]["offset"] + 55, rng))
    elif len(labels) > 1:
        labels.pop(rng.randrange(len(labels)))
    else:
        labels[0]["category"] = rng.choice(_ENTITY_TYPES)


def pair(kind: str, documents: int) -> tuple[dict[str, Any], dict[str, Any]]:
    rng = random.Random(f"{SEED}-{kind}-{documents}")
    old = generate(kind, documents, rng)
    return old, change_documents(old, rng)


def write_pair(kind: str, documents: int, folder: Path) -> Path:
    """Generate a pair once and keep it as two JSON files that every run loads."""
    old, new = pair(KINDS[kind], documents)
    place = folder / f"{kind}-{documents}"
    place.mkdir()
    for name, project in (("old", old), ("new", new)):
        (place / f"{name}.json").write_text(json.dumps(project), encoding="utf-8")
    return place


def _archiver(old: dict[str, Any], new: dict[str, Any]) -> int:
    from archiver.diffing import diff_projects

    return len(diff_projects(old, new).changes)


def _deepdiff(old: dict[str, Any], new: dict[str, Any]) -> int:
    from deepdiff import DeepDiff

    result = DeepDiff(old, new, ignore_order=True, view="tree")
    return sum(len(items) for items in result.values())


def _dictdiffer(old: dict[str, Any], new: dict[str, Any]) -> int:
    import dictdiffer  # type: ignore[import-untyped]

    return len(list(dictdiffer.diff(old, new)))


def _index_only(old: dict[str, Any], new: dict[str, Any]) -> int:
    """The least any keyed comparison does: index both sides' documents by location."""
    indexes = [{d["location"]: d for d in p["assets"]["documents"]} for p in (old, new)]
    return len(indexes[0].keys() ^ indexes[1].keys())


_DIFFS: dict[str, Callable[[dict[str, Any], dict[str, Any]], int]] = {
    "archiver": _archiver,
    "deepdiff": _deepdiff,
    "dictdiffer": _dictdiffer,
    REFERENCE: _index_only,
}
_MODULES = {"archiver": "archiver.diffing", "deepdiff": "deepdiff", "dictdiffer": "dictdiffer"}


def measure(library: str, place: Path, *, memory: bool) -> dict[str, Any]:
    """Run one library on the pair kept in `place`, in this process; return its figures.

    Time is the best of three runs for archiver and the reference and of one run for
    the others; with `memory`, one run under tracemalloc gives the diff's peak.
    """
    old = json.loads((place / "old.json").read_text(encoding="utf-8"))
    new = json.loads((place / "new.json").read_text(encoding="utf-8"))
    diff = _DIFFS[library]
    if library in _MODULES:
        importlib.import_module(_MODULES[library])
    gc.collect()
    sys.stdout.write("ready\n")
    sys.stdout.flush()

    if memory:
        tracemalloc.start()
        changes = diff(old, new)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"peak_mib": peak / 2**20, "changes": changes}

    best = float("inf")
    for _ in range(1 if library in ("deepdiff", "dictdiffer") else 3):
        started = time.perf_counter()
        changes = diff(old, new)
        best = min(best, time.perf_counter() - started)
    return {"seconds": best, "changes": changes}


def run_capped(
    library: str, place: Path, cap: float, *, memory: bool = False
) -> dict[str, Any] | None:
    """`measure` in a child process, stopped once it has diffed for `cap` seconds."""
    command = [sys.executable, __file__, "--measure", library, str(place)]
    command += ["--memory"] if memory else []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        # The child says when its data are loaded: the cap counts from there.
        child.stdout.readline()
        try:
            result, _ = child.communicate(timeout=cap)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            return None

    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {child.returncode}")
    figures: dict[str, Any] = json.loads(result)
    return figures


def run(library: str, kind: str, documents: int, place: Path, cap: float) -> Measurement:
    """Time one library; measure its memory too where tracing it stays within the cap."""
    timed = run_capped(library, place, cap)
    if timed is None:
        return Measurement(library, kind, documents, None, None, None)

    # Tracing slows a generic diff down six- to ninefold; keep the whole run within minutes.
    traced = None
    if library != REFERENCE and timed["seconds"] * 8 < TRACE_BUDGET:
        traced = run_capped(library, place, cap, memory=True)
    peak = traced["peak_mib"] if traced else None
    return Measurement(library, kind, documents, timed["seconds"], peak, timed["changes"])


def row_text(row: Measurement, ours: Measurement, cap: float) -> str:
    time_text = f">{cap:.0f}" if row.seconds is None else f"{row.seconds:.4f}"
    peak = "-" if row.peak_mib is None else f"{row.peak_mib:.1f}"
    changes = "-" if row.changes is None else str(row.changes)
    return (
        f"{row.kind:<13}{row.documents:>10,}  {row.library:<11}{time_text:>9}{peak:>10}"
        f"{changes:>9}  {_speedup(ours, row, cap)}"
    ).rstrip()


HEADER = (
    f"{'kind':<13}{'documents':>10}  {'library':<11}{'time s':>9}{'peak MiB':>10}"
    f"{'changes':>9}  archiver faster by"
)


def _speedup(ours: Measurement, other: Measurement, cap: float) -> str:
    if other is ours or ours.seconds is None:
        return ""
    if other.seconds is None:
        return f"at least {cap / ours.seconds:,.0f}x (capped)"
    return f"{other.seconds / ours.seconds:,.0f}x"


def growth(rows: list[Measurement]) -> list[str]:
    """Time at 100k documents over time at 10k, ours and the reference's: 10 is linear."""
    times = {(r.library, r.kind, r.documents): r.seconds for r in rows}
    lines = []
    for kind in KINDS:
        for library in ("archiver", REFERENCE):
            small, large = times.get((library, kind, 10_000)), times.get((library, kind, 100_000))
            if small and large:
                ratio = large / small
                lines.append(f"{library} {kind}: 100k/10k time ratio {ratio:.1f} (10 = linear)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(str(size) for size in SIZES))
    parser.add_argument("--cap", type=float, default=60.0, help="seconds per baseline run")
    parser.add_argument("--measure", nargs=2, metavar=("LIBRARY", "FOLDER"))
    parser.add_argument("--memory", action="store_true", help="with --measure: trace memory")
    args = parser.parse_args()

    if args.measure:
        library, place = args.measure
        figures = measure(library, Path(place), memory=args.memory)
        sys.stdout.write(json.dumps(figures) + "\n")
        return 0

    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="diff-bench-") as folder:
        rows = compare_all(sizes, Path(folder), args.cap)
    for line in growth(rows):
        _say(line)
    return 0


def compare_all(sizes: list[int], folder: Path, cap: float) -> list[Measurement]:
    _say(f"1 % of documents changed; archiver best of 3, others one run capped at {cap:.0f} s")
    _say(HEADER)
    rows = []
    for kind in KINDS:
        for documents in sizes:
            place = write_pair(kind, documents, folder)
            ours = run("archiver", kind, documents, place, cap)
            for library in LIBRARIES:
                row = ours if library == "archiver" else run(library, kind, documents, place, cap)
                rows.append(row)
                _say(row_text(row, ours, cap))
            rows.append(run(REFERENCE, kind, documents, place, cap))
    return rows


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
