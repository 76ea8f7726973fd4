"""The exporter interface and its registry: one class per output format, registered by name."""

from __future__ import annotations

import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from archqa.errors import ConfigError, ExportError
from archqa.model import QuestionSet


@dataclass(frozen=True)
class ExportOptions:
    """Options an exporter may use; each format ignores the ones it has no use for."""

    deck_name: str | None = None
    """Anki: the parent deck (default: the set's title); each topic becomes a sub-deck of it."""
    timestamp: float | None = None
    """Anki: the modification time written on notes (default: now), for reproducible packages."""


class Exporter(ABC):
    """Writes a QuestionSet to a file in one format. Implement ``write`` and register the class."""

    suffixes: ClassVar[tuple[str, ...]] = ()
    """File suffixes of the format, e.g. ``(".apkg",)``; the first is the usual one."""
    description: ClassVar[str] = ""
    """One line for help text."""

    @abstractmethod
    def write(self, qset: QuestionSet, path: Path, options: ExportOptions) -> None:
        """Write ``qset`` to ``path``."""


class TextExporter(Exporter):
    """An exporter whose output is one UTF-8 text document: implement ``render``."""

    @abstractmethod
    def render(self, qset: QuestionSet, options: ExportOptions) -> str:
        """The whole document as text."""

    def write(self, qset: QuestionSet, path: Path, options: ExportOptions) -> None:
        text = self.render(qset, options)
        atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


_EXPORTERS: dict[str, type[Exporter]] = {}


def register_exporter(name: str, exporter: type[Exporter]) -> type[Exporter]:
    """Make ``exporter`` available as ``--format name``; a later registration of the same name replaces it."""
    _EXPORTERS[name] = exporter
    return exporter


def exporters() -> dict[str, type[Exporter]]:
    """Every registered exporter by name, the built-in ones included."""
    from archqa.export import builtin  # noqa: F401  (registers the built-in exporters)

    return dict(_EXPORTERS)


def get_exporter(name: str) -> Exporter:
    """An instance of the exporter registered as ``name``; ConfigError names the known formats."""
    known = exporters()
    if name not in known:
        raise ConfigError(f"--format {name!r}: unknown export format; choose one of {', '.join(sorted(known))}")
    return known[name]()


def format_for(path: Path) -> str:
    """The format whose suffix ``path`` has, e.g. ``deck.apkg`` -> ``anki``; ConfigError when none has it."""
    suffix = path.suffix.lower()
    for name, cls in exporters().items():
        if suffix in cls.suffixes:
            return name
    known = ", ".join(f"{s} ({n})" for n, c in sorted(exporters().items()) for s in c.suffixes)
    raise ConfigError(f"--out {path}: cannot tell the format from the suffix {suffix!r}; pass --format or use {known}")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then move it over ``path``.

    A failed export never leaves a half-written file; OSError becomes ExportError.
    """
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ExportError(
            f"{path}: cannot create the output file: {exc.strerror} (check that {directory} exists and is writable)"
        ) from None
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write the output file: {exc.strerror} (choose another --out)") from None
    finally:
        tmp.unlink(missing_ok=True)
