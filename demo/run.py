"""`make demo`: the main job end to end, against two bundled emulators.

A primary and a secondary region run on free loopback ports. The sample
projects are imported into the primary, backed up, one is relabelled and
backed up again, the two snapshots are compared, the primary goes down, and
the latest snapshot is restored into the secondary and checked against it.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from support import PROJECTS, Emulator, archiver, import_project_file, start_emulator, write_config

WORK = Path.cwd() / "demo-run"
SAMPLES = ("SupportTickets", "NewsTopics", "LeaseContracts")


class StepFailed(Exception):
    pass


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def show(result: subprocess.CompletedProcess[str], *, expect: int = 0) -> None:
    # Talk (stderr) first: it says what a command is about to do, its data follows.
    for line in (result.stderr + result.stdout).splitlines():
        print(f"    {line}")
    if result.returncode != expect:
        raise StepFailed(f"exit status {result.returncode}, expected {expect}")


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    keys = {"DEMO_PRIMARY_KEY": secrets.token_hex(16), "DEMO_SECONDARY_KEY": secrets.token_hex(16)}
    env = {**keys, "ARCHIVER_POLL_INTERVAL": "0.1"}
    emulators: list[Emulator] = []
    try:
        run_story(emulators, keys, env)
    except (StepFailed, RuntimeError) as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    finally:
        for emulator in emulators:
            emulator.stop()
    step(f"done: the store is in {WORK / 'backups'}")
    return 0


def run_story(emulators: list[Emulator], keys: dict[str, str], env: dict[str, str]) -> None:
    step("start two emulators: primary and secondary region")
    primary = start_emulator(WORK / "primary", keys["DEMO_PRIMARY_KEY"], job_delay=0.3)
    emulators.append(primary)
    secondary = start_emulator(WORK / "secondary", keys["DEMO_SECONDARY_KEY"], job_delay=0.3)
    emulators.append(secondary)
    config = WORK / "archiver.toml"
    write_config(
        config,
        WORK / "backups",
        {
            "primary": (primary, "DEMO_PRIMARY_KEY"),
            "secondary": (secondary, "DEMO_SECONDARY_KEY"),
        },
    )
    print(f"    primary {primary.url}, secondary {secondary.url}")

    step("import the sample projects into the primary")
    for name in SAMPLES:
        import_project_file(primary, PROJECTS / f"{name}.json")
    print(f"    {', '.join(SAMPLES)}")

    step("nightly backup: export every project of the primary")
    show(archiver("export", "--all", "--from", "primary", config=config, env=env))

    step("someone relabels SupportTickets; back it up again")
    import_project_file(primary, PROJECTS / "SupportTickets.changed.json")
    show(archiver("export", "SupportTickets", "--from", "primary", config=config, env=env))

    step("what changed between the two backups (exit status 1: differences)")
    diff = ("diff", "SupportTickets@~1", "SupportTickets@latest")
    show(archiver(*diff, config=config, env=env), expect=1)

    step("the primary region goes down")
    primary.stop()
    show(archiver("export", "NewsTopics", "--from", "primary", config=config, env=env), expect=6)

    step("restore the latest SupportTickets snapshot into the secondary")
    restore = ("restore", "primary/SupportTickets@latest", "--to", "secondary")
    show(archiver(*restore, config=config, env=env))

    step("export it back from the secondary and compare with the snapshot")
    show(archiver("export", "SupportTickets", "--from", "secondary", config=config, env=env))
    check = ("diff", "primary/SupportTickets@latest", "secondary/SupportTickets@latest")
    show(archiver(*check, config=config, env=env), expect=0)

    step("the store now holds")
    show(archiver("list", config=config, env=env))


if __name__ == "__main__":
    sys.exit(main())
