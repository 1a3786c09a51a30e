"""The exception hierarchy: each class carries its exit status and a short code.

The CLI turns any of these into one line on stderr (or one JSON document with
`--json`) and exits with the class's status; nothing else decides exit codes.
"""

from __future__ import annotations

from typing import ClassVar


class ArchiverError(Exception):
    """Base of every error the tool reports to a user."""

    exit_code: ClassVar[int] = 70
    code: ClassVar[str] = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(ArchiverError):
    exit_code = 2
    code = "usage"


class ConfigError(ArchiverError):
    exit_code = 3
    code = "config"


class NotFoundError(ArchiverError):
    exit_code = 4
    code = "not-found"


class ValidationError(ArchiverError):
    exit_code = 5
    code = "validation"


class RemoteError(ArchiverError):
    """The service answered with an error, or could not be reached."""

    exit_code = 6
    code = "remote"

    def __init__(self, message: str, *, status: int | None = None, service_code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.service_code = service_code


class JobFailedError(RemoteError):
    """An export or import job ended in anything but `succeeded`."""

    code = "job-failed"


class ThrottledError(RemoteError):
    exit_code = 7
    code = "throttled"


class StoreBusyError(ArchiverError):
    exit_code = 8
    code = "busy"


class StorageError(ArchiverError):
    exit_code = 9
    code = "storage"


class CorruptSnapshotError(ArchiverError):
    exit_code = 10
    code = "corrupt-snapshot"


class VerifyFailedError(ArchiverError):
    exit_code = 11
    code = "verify-failed"


class ConflictError(ArchiverError):
    exit_code = 12
    code = "conflict"


class PartialFailureError(ArchiverError):
    """Some items of a batch failed; the others succeeded."""

    exit_code = 13
    code = "partial-failure"


class Interrupted(ArchiverError):
    exit_code = 130
    code = "interrupted"


class InternalError(ArchiverError):
    """A fault of archiver itself: a bug to report, never the user's doing."""


EXIT_DIFFERENCES = 1
EXIT_INTERRUPTED = Interrupted.exit_code

# Every status the CLI can exit with, for the README and each command's help.
EXIT_STATUSES: tuple[tuple[int, str], ...] = (
    (0, "success"),
    (EXIT_DIFFERENCES, "differences found (diff only)"),
    (UsageError.exit_code, "usage error"),
    (ConfigError.exit_code, "configuration error (unknown resource, missing key)"),
    (NotFoundError.exit_code, "nothing matches (ref, project)"),
    (ValidationError.exit_code, "project file fails validation"),
    (RemoteError.exit_code, "service error, failed job or unreachable endpoint"),
    (ThrottledError.exit_code, "throttled by the service"),
    (StoreBusyError.exit_code, "store busy (locked by another run)"),
    (StorageError.exit_code, "storage error (disk full, permission denied)"),
    (CorruptSnapshotError.exit_code, "corrupt snapshot"),
    (VerifyFailedError.exit_code, "verification failed"),
    (ConflictError.exit_code, "conflict (target project exists)"),
    (PartialFailureError.exit_code, "partial failure (some projects failed)"),
    (InternalError.exit_code, "internal error (a bug: please report it)"),
    (EXIT_INTERRUPTED, "interrupted"),
)
