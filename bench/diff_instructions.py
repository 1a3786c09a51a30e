"""Instructions the diff executes at 10k and 100k documents, counted by callgrind.

Wall time from 10k to 100k documents grows faster than tenfold on most machines,
because 100k documents no longer fit in the processor's caches. An instruction
count does not depend on caches: it shows whether the algorithm itself is linear.
Each size runs twice under callgrind, once loading the pair and once loading and
diffing it; the difference is the diff's own count. Skipped without valgrind.
"""

from __future__ import annotations

import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diff_bench import KINDS, pair

SIZES = (10_000, 100_000)
_RUNNER = """
import pickle, sys
from archiver.diffing import diff_projects
old, new = pickle.load(open(sys.argv[1], "rb"))
if sys.argv[2] == "diff":
    diff_projects(old, new)
"""


def count_instructions(place: Path, mode: str) -> int:
    """Instructions one run of the runner executes, as callgrind counts them."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-c",
        _RUNNER,
        str(place),
        mode,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    match = re.search(r"Collected : (\d+)", result.stderr)
    if match is None:
        raise RuntimeError("callgrind printed no instruction count")
    return int(match[1])


def main() -> int:
    if shutil.which("valgrind") is None:
        print("instruction counts: skipped (valgrind is not installed)")
        return 0

    with tempfile.TemporaryDirectory() as scratch:
        for name, kind in KINDS.items():
            counts = []
            for documents in SIZES:
                place = Path(scratch) / f"{name}-{documents}.pickle"
                place.write_bytes(pickle.dumps(pair(kind, documents)))
                counts.append(count_instructions(place, "diff") - count_instructions(place, "load"))
            ratio = counts[1] / counts[0]
            print(
                f"instructions, {name}: {counts[0] / 1e6:.0f} M at 10k, "
                f"{counts[1] / 1e6:.0f} M at 100k documents: {ratio:.1f} times (10 is linear)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
