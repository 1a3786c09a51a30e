"""`archiver verify`: prove that every snapshot file in the store is intact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from archiver.cli import context, output
from archiver.cli.options import (
    ConfigOption,
    DebugOption,
    JsonOption,
    LogFileOption,
    QuietOption,
    StoreOption,
    VerboseOption,
    exit_statuses,
)
from archiver.config import expand_path
from archiver.errors import (
    ConfigError,
    CorruptSnapshotError,
    NotFoundError,
    UsageError,
)
from archiver.maintenance import Checked, verify
from archiver.refs import looks_like_path, named_entries
from archiver.store import Entry, entry_at

HELP = (
    "Check snapshots: zstd frame and checksum, envelope schema, project hash, project schema.\n\n"
    "With no REF, every snapshot in the store; PROJECT or RESOURCE/PROJECT, every snapshot of "
    "that project; a path or PROJECT@..., that one snapshot. Prints one line per bad file and "
    "a summary."
)
EPILOG = exit_statuses(
    0,
    UsageError.exit_code,
    ConfigError.exit_code,
    NotFoundError.exit_code,
    CorruptSnapshotError.exit_code,
)


def verify_snapshots(
    refs: Annotated[
        list[str] | None, typer.Argument(metavar="[REF]...", help="What to check.")
    ] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
    json_mode: JsonOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    log_file: LogFileOption = None,
) -> int:
    out = output.setup(
        "verify",
        json_mode=json_mode,
        verbose=verbose,
        quiet=quiet,
        debug=debug,
        log_file=log_file,
    )
    entries = [entry for ref in refs or [""] for entry in _select(ref, store, config)]

    results = verify(entries)
    bad = [result for result in results if not result.ok]
    for result in bad:
        out.line(f"CORRUPT {_as_json(result)['error']}")
    summary = (
        f"verified {len(results)} snapshots: {len(results) - len(bad)} intact, {len(bad)} corrupt"
    )
    out.talk(summary)
    out.document({"checked": len(results), "corrupt": [_as_json(r) for r in bad]}, ok=not bad)
    return CorruptSnapshotError.exit_code if bad else 0


def _select(ref: str, store_path: Path | None, config: Path | None) -> list[Entry]:
    """The snapshot files a REF names, without reading them."""
    if ref and looks_like_path(ref):
        path = expand_path(Path(ref))
        if not path.is_file():
            raise NotFoundError(f"no snapshot at {path}")
        return [entry_at(path)]

    store = context.open_store(store_path, context.load(config))
    return named_entries(store, ref) if ref else store.entries()


def _as_json(result: Checked) -> dict[str, str]:
    return {
        "path": str(result.entry.path),
        "error": result.error.message if result.error else "",
    }


def register(app: typer.Typer) -> None:
    app.command("verify", help=HELP, epilog=EPILOG)(verify_snapshots)
