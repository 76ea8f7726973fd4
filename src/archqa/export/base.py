"""The exporter interface and its registry: one class per output format, registered by name."""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    """Every registered exporter by name, the built-in ones included (``archqa.export`` registers those)."""
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


_TEMP_SUFFIX = ".tmp"


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _remove_stale_temps(path: Path, directory: Path) -> None:
    """Remove temporary files an earlier write of ``path`` left behind when it was killed (kill -9 runs no
    clean-up). Each name carries its writer's process id; only files of processes that are gone are removed."""
    prefix = _temp_prefix(path)
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix) and n.endswith(_TEMP_SUFFIX)]
    except OSError:
        return
    for name in names:
        pid_part = name[len(prefix) :].split(".", 1)[0]
        if not pid_part.isdigit() or int(pid_part) == os.getpid():
            continue
        try:
            os.kill(int(pid_part), 0)
            continue  # its writer is still running
        except ProcessLookupError:
            pass
        except OSError:
            continue  # another user's process, alive
        try:
            (directory / name).unlink()
        except OSError:
            pass


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """While a file is written, SIGTERM (and SIGHUP) raise SystemExit on the main thread, so the ``finally``
    that removes the temporary file runs when the writer is killed politely."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is None:
            continue
        try:
            if signal.getsignal(sig) is signal.SIG_DFL:
                previous[sig] = signal.signal(sig, stop)
        except (OSError, ValueError):
            pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then move it over ``path``.

    A failed or interrupted write never leaves a half-written file, and the old ``path`` stays as it
    was; OSError becomes ExportError. ``path`` itself is replaced: a symlink there is replaced by the new
    file, its target is never written through. An existing file keeps its permission bits (0600 stays
    0600); a new one gets 0666 less the umask. The temporary file is removed on error, Ctrl-C and SIGTERM,
    and one left by a writer killed with -9 is removed by the next write of the same path.
    """
    directory = path.parent if str(path.parent) else Path(".")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise ExportError(f"{path}: cannot write the output file: {exc.strerror} (choose another --out)") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ExportError(f"{path}: is a directory; give a file name for --out, e.g. {path / 'set.md'}")
    mode = stat.S_IMODE(st.st_mode) if st is not None and stat.S_ISREG(st.st_mode) else 0o666 & ~_umask()
    _remove_stale_temps(path, directory)
    with _terminate_as_exit():
        try:
            fd, name = tempfile.mkstemp(
                prefix=f"{_temp_prefix(path)}{os.getpid()}.", suffix=_TEMP_SUFFIX, dir=directory
            )
        except OSError as exc:
            raise ExportError(
                f"{path}: cannot create the output file: {exc.strerror} (check that {directory} exists and is"
                " writable, or choose another --out)"
            ) from None
        os.close(fd)
        tmp = Path(name)
        try:
            write(tmp)
            os.chmod(tmp, mode)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise ExportError(f"{path}: cannot write the output file: {exc.strerror} (choose another --out)") from None
        finally:
            tmp.unlink(missing_ok=True)
