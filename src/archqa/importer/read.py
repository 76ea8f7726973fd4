"""Read one file: decode -> parse -> choose readers -> fields -> enrich, ready for the store.

Each stage is a function in its own module; this module runs them in order and nothing it calls calls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archqa.errors import ArchqaError, InputError
from archqa.formats.house import read_text_document
from archqa.importer.choose import Reading, choose, combine
from archqa.importer.decode import decode_file
from archqa.importer.enrich import enrich, file_clusters
from archqa.importer.fields import (
    house_is_plausible,
    house_questions,
    house_references,
    read_question,
    suspicious_title,
)
from archqa.importer.parse import parse
from archqa.limits import file_seconds, time_budget
from archqa.store.store import PreparedRow, Store, StoredQuestion


@dataclass
class FileReading:
    """One file read: its dialect(s), its questions ready for the store, its references, and how it was read."""

    dialect: str
    questions: list[StoredQuestion]
    refs: str
    reading: Reading
    suspicious: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, title, why) of questions whose title does not read like a question."""


def read_file(text: str, path: str, dialect: str | None = None) -> FileReading:
    """decode (done) -> parse -> choose readers -> fields -> enrich, for one decoded file."""
    src, fence_warnings = parse(text, path)
    reading = choose(src, dialect)
    reading.warnings.extend(fence_warnings)
    refs = "{}"
    if reading.dialect == "house":
        doc = read_text_document(src.text, path, (src.lines, src.blocks))
        if dialect == "house" or house_is_plausible(doc):
            found = house_questions(doc, path)
            refs = house_references(doc)
        else:
            # it only looks like the house format (labels without answers): read it as any other file
            warnings = reading.warnings
            reading = combine(src)
            reading.warnings = [
                *warnings,
                (1, f"looks like the house format, but most answers were empty; read as {reading.dialect} instead"),
            ]
            found = []
    else:
        found = []
    if not found and reading.dialect != "house":
        found = [read_question(rq, path, n, reading.meta) for n, rq in enumerate(reading.questions, 1)]
    if not found:
        raise InputError(
            path,
            None,
            f"read as {reading.dialect} but no questions were found",
            "check the file with `archqa import --explain FILE`, or force a dialect with --dialect",
        )
    questions = file_clusters([enrich(r.question, r.category, r.difficulty, r.house) for r in found])
    suspicious = [
        (r.question.provenance.line if r.question.provenance else 0, r.question.title, why)
        for r in found
        if (why := suspicious_title(r.question.title, reading.dialect)) is not None
    ]
    return FileReading(reading.dialect, questions, refs, reading, suspicious)


def read_file_questions(text: str, path: str, dialect: str | None = None) -> tuple[str, list[StoredQuestion], str]:
    """Read every question of a decoded file (see ``read_file``): the dialect name(s) joined with '+', the
    questions, and the file's references as JSON (house format only)."""
    got = read_file(text, path, dialect)
    return got.dialect, got.questions, got.refs


@dataclass
class Parsed:
    """A file read and enriched by a worker, ready for the store (or the error that stopped it)."""

    shown: str
    path: str
    sha: str
    size: int
    error: str = ""
    dialect: str = ""
    rows: list[PreparedRow] = field(default_factory=list)
    flagged: int = 0
    refs: str = "{}"
    repaired: int = 0
    unrepaired: list[int] = field(default_factory=list)
    skipped: int = 0
    suspicious: list[tuple[int, str, str]] = field(default_factory=list)
    lost: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


def parse_file(shown: str, path: str, data: bytes, sha: str, dialect: str | None) -> Parsed:
    """Decode, repair, detect, read and enrich one file. Runs in a worker process."""
    out = Parsed(shown, path, sha, len(data))
    try:
        with time_budget(file_seconds(len(data)), shown):
            fixed = decode_file(data, shown)
            got = read_file(fixed.text, path, dialect)
            questions = got.questions
            out.dialect, out.refs = got.dialect, got.refs
            out.rows = [Store.prepare(sq) for sq in questions]
        out.skipped = len(got.reading.skipped)
        out.suspicious, out.lost, out.warnings = got.suspicious, got.reading.lost, got.reading.warnings
        out.flagged = sum(1 for sq in questions if sq.flags)
        out.repaired, out.unrepaired = fixed.repaired, fixed.unrepaired
    except ArchqaError as exc:
        out.error = str(exc)
    except (RecursionError, MemoryError):
        out.rows = []
        out.error = f"{shown}: this file is nested too deeply or too large to read; split it or simplify it"
    except Exception as exc:  # a reader bug on an unusual file must not stop the other files
        out.error = (
            f"{shown}: archqa could not read this file ({type(exc).__name__}: {exc}); the other files are imported."
            " Please report it with the file, or force another reader with --dialect"
        )
    return out
