"""Import Markdown Q&A files into the store: find the files, read each one (``archqa.importer.read``, in worker
processes for large imports) and write each file's questions in one transaction, in path order."""

from __future__ import annotations

import glob
import hashlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from archqa.errors import ArchqaError, InputError
from archqa.importer.read import Parsed, read_file_questions
from archqa.importer.read import parse_file as _parse_file
from archqa.limits import read_document_bytes
from archqa.store.store import Store
from archqa.team.accounts import is_team

__all__ = ["FileResult", "ImportReport", "expand_paths", "import_paths", "read_file_questions"]

SUFFIXES = {".md", ".markdown", ".mdx", ".txt"}
MAX_BYTES = 20_000_000


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    status: str
    dialect: str = ""
    questions: int = 0
    flagged: int = 0
    repaired_lines: int = 0
    unrepaired_lines: list[int] = field(default_factory=list)
    error: str = ""
    skipped_regions: int = 0
    """Runs of blocks no reader explained (an introduction, a section with no question)."""
    suspicious: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, title, why) of imported questions whose titles read like sections of an answer."""
    lost: list[tuple[int, str]] = field(default_factory=list)
    """(line, text) of lines that look like questions but were not imported."""
    warnings: list[tuple[int, str]] = field(default_factory=list)
    """(line, message): code fences left open, a file that only looked like the house format."""

    @property
    def loses_questions(self) -> bool:
        """Whether questions may have been lost: lines that look like questions were not read, or a fence
        was left open."""
        return bool(self.lost or self.warnings)


@dataclass
class ImportReport:
    """Every file's result and the duplicate links after the import."""

    files: list[FileResult] = field(default_factory=list)
    exact_duplicates: int = 0
    near_duplicates: int = 0

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def expand_paths(paths: Iterable[str]) -> tuple[list[Path], list[FileResult]]:
    """Files, directories (recursive) and globs -> the Markdown files, plus results for paths that do not exist."""
    out: list[Path] = []
    missing: list[FileResult] = []
    for raw in paths:
        p = Path(raw)
        if any(ch in raw for ch in "*?[") and not p.exists():
            hits = sorted(Path(h) for h in glob.glob(raw, recursive=True))
            if not hits:
                missing.append(FileResult(raw, "failed", error=f"{raw}: the pattern matches no file"))
            out.extend(h for h in hits if h.is_file())
        elif p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES))
        elif p.is_file():
            out.append(p)
        elif p.exists():  # a FIFO, a device or a socket: reading it could wait forever or never end
            missing.append(FileResult(raw, "failed", error=f"{raw}: is not a regular file (a FIFO or a device)"))
        else:
            missing.append(FileResult(raw, "failed", error=f"{raw}: no such file or directory"))
    seen: set[Path] = set()
    unique = []
    for f in out:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, missing


def _exit_with_parent(parent: int) -> None:
    """Worker start-up: a thread that ends this worker as soon as the importing process is gone (killed with
    -9 it cannot shut its pool down, and the workers would otherwise live on)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, name="archqa-parent-watch", daemon=True).start()


PARALLEL_BYTES = 2_000_000
"""Below this much Markdown a worker pool costs more than it saves."""


def _read_source(f: Path, store: Store, max_bytes: int) -> FileResult | tuple[str, bytes, str]:
    """A file's resolved path, bytes and SHA-256; or its result when it cannot be read or has not changed."""
    path = str(f.resolve())
    try:
        size = f.stat().st_size
        if size > max_bytes:
            raise InputError(
                str(f),
                None,
                f"the file is {size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit",
                "split it, or raise the limit with --max-size",
            )
        data = read_document_bytes(f, max_bytes)
    except ArchqaError as exc:
        return FileResult(str(f), "failed", error=str(exc))
    except OSError as exc:
        return FileResult(str(f), "failed", error=f"{f}: cannot be read: {exc.strerror}")
    sha = hashlib.sha256(data).hexdigest()
    if store.source_sha(path) == sha:
        return FileResult(str(f), "unchanged")
    return path, data, sha


def _finish_next(
    in_flight: deque[tuple[Path, Future[Parsed] | FileResult]], finish: Callable[[Path, Parsed | FileResult], None]
) -> None:
    f, job = in_flight.popleft()
    finish(f, job if isinstance(job, FileResult) else job.result())


def import_paths(
    paths: Iterable[str],
    store: Store,
    *,
    dialect: str | None = None,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[Path], None] | None = None,
    workers: int | None = None,
    user_id: int = 0,
) -> ImportReport:
    """Import files into the store, one transaction per file; a bad file never stops the others.

    Files are read in path order and, for imports of more than 2 MB, parsed by a
    pool of worker processes (one per core) while this process writes each
    finished file to the store in its own transaction, in path order. At most a
    few files per worker are in flight, so memory stays bounded however much is
    imported. On a team store (one with accounts) new and changed questions wait for review, imported by
    ``user_id``.
    """
    status = "review" if is_team(store) else "published"
    files, missing = expand_paths(paths)
    report = ImportReport(files=list(missing))
    total = 0
    for f in files:
        try:
            total += f.stat().st_size
        except OSError:
            pass
    n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    pool = (
        ProcessPoolExecutor(n_workers, initializer=_exit_with_parent, initargs=(os.getpid(),))
        if n_workers > 1 and len(files) > 1 and total > PARALLEL_BYTES
        else None
    )
    # Files in path order, each with its parse still running, or with its result when it needed none.
    in_flight: deque[tuple[Path, Future[Parsed] | FileResult]] = deque()

    def finish(f: Path, parsed: Parsed | FileResult) -> None:
        if progress is not None:
            progress(f)
        if isinstance(parsed, FileResult):
            report.files.append(parsed)
            return
        if parsed.error:
            report.files.append(FileResult(parsed.shown, "failed", error=parsed.error))
            return
        store.write_source(
            parsed.path,
            parsed.sha,
            parsed.size,
            parsed.dialect,
            parsed.rows,
            parsed.repaired,
            parsed.unrepaired,
            parsed.refs,
            status,
            user_id,
        )
        report.files.append(
            FileResult(
                parsed.shown,
                "imported",
                parsed.dialect,
                len(parsed.rows),
                parsed.flagged,
                parsed.repaired,
                parsed.unrepaired,
                skipped_regions=parsed.skipped,
                suspicious=parsed.suspicious,
                lost=parsed.lost,
                warnings=parsed.warnings,
            )
        )

    with store.bulk():
        try:
            for f in files:
                got = _read_source(f, store, max_bytes)
                if pool is None:
                    finish(f, got if isinstance(got, FileResult) else _parse_file(str(f), *got, dialect))
                    continue
                in_flight.append(
                    (f, got if isinstance(got, FileResult) else pool.submit(_parse_file, str(f), *got, dialect))
                )
                while len(in_flight) > 3 * n_workers:
                    _finish_next(in_flight, finish)
            while in_flight:
                _finish_next(in_flight, finish)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        report.exact_duplicates, report.near_duplicates = store.relink_duplicates()
    return report
