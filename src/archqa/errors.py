"""The exceptions archqa raises. Every message says what, where and how to fix it."""

from __future__ import annotations


class ArchqaError(Exception):
    """Base class of every error archqa raises on purpose."""

    exit_code = 1


class InputError(ArchqaError):
    """A file cannot be read as a document: encoding, binary, empty, truncated."""

    exit_code = 2

    def __init__(self, path: str, line: int | None, message: str, fix: str = "") -> None:
        self.path = path
        self.line = line
        self.message = message
        self.fix = fix
        where = f"{path}:{line}" if line else path
        text = f"{where}: {message}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)


class BlueprintError(ArchqaError):
    """A blueprint or generate option is malformed or cannot be met by the bank."""

    exit_code = 2


class ConfigError(ArchqaError):
    """A command-line option or configuration value is invalid."""

    exit_code = 2


class ExportError(ArchqaError):
    """An export cannot be written: the output file cannot be created or replaced."""

    exit_code = 2


class StoreError(ArchqaError):
    """The store (SQLite) cannot be read or written: read-only, disk full, damaged, locked."""

    exit_code = 2


class BackendError(ArchqaError):
    """A model backend cannot be used or failed: missing SDK, unreachable server, rejected request."""

    exit_code = 2

    def __init__(self, message: str, *, fatal: bool = True, attempts: int = 0) -> None:
        self.fatal = fatal
        self.attempts = attempts
        """HTTP requests made before giving up (0 when none was sent)."""
        super().__init__(message)


class GraderError(ArchqaError):
    """A practice grader cannot be used: unknown name, its optional extra missing, or its model unreadable."""

    exit_code = 2
