"""`make sample`: rewrite backups.sample/ with the tool itself.

One emulated resource, `eastus`, holds the three sample projects; they are
exported, SupportTickets is relabelled and exported again, so the store has
two snapshots of it that differ.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from support import PROJECTS, archiver, import_project_file, start_emulator, write_config

STORE = Path(__file__).resolve().parents[1] / "backups.sample"


def main() -> int:
    key = secrets.token_hex(16)
    env = {"SAMPLE_KEY": key, "ARCHIVER_POLL_INTERVAL": "0.05"}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        emulator = start_emulator(work / "data", key)
        try:
            shutil.rmtree(STORE, ignore_errors=True)
            config = work / "archiver.toml"
            write_config(config, STORE, {"eastus": (emulator, "SAMPLE_KEY")})
            for name in ("SupportTickets", "NewsTopics", "LeaseContracts"):
                import_project_file(emulator, PROJECTS / f"{name}.json")
            steps = [
                ("export", "--all", "--from", "eastus", "--tag", "nightly"),
                ("export", "SupportTickets", "--from", "eastus", "--note", "after relabelling"),
            ]
            for number, args in enumerate(steps):
                if number == 1:
                    import_project_file(emulator, PROJECTS / "SupportTickets.changed.json")
                result = archiver(*args, config=config, env=env)
                if result.returncode != 0:
                    print(result.stderr, file=sys.stderr)
                    return 1
        finally:
            emulator.stop()
    print(f"wrote {STORE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
