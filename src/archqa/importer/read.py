"""Read one file: decode -> parse -> choose readers -> fields -> enrich, ready for the store.

Each stage is a function in its own module; this module runs them in order and nothing it calls calls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archqa.errors import ArchqaError, InputError
from archqa.formats.house import read_text_document
from archqa.formats.readers import SourceText
from archqa.importer.choose import choose_reader
from archqa.importer.decode import decode_file
from archqa.importer.enrich import enrich
from archqa.importer.fields import house_questions, house_references, read_question
from archqa.limits import file_seconds, time_budget
from archqa.store.store import PreparedRow, Store, StoredQuestion


def read_file_questions(text: str, path: str, dialect: str | None = None) -> tuple[str, list[StoredQuestion], str]:
    """Parse a decoded file, choose its reader (or use the forced one), read its fields and enrich each question.

    Returns the dialect name, the questions, and the file's references as JSON (house format only).
    """
    src = SourceText.parse(text, path)
    reader = choose_reader(src, dialect)
    if reader.name == "house":
        doc = read_text_document(text, path, (src.lines, src.blocks))
        found, refs = house_questions(doc, path), house_references(doc)
    else:
        found = [read_question(rq, path, n) for n, rq in enumerate(reader.read(src), 1) if rq.title.strip()]
        refs = "{}"
    if not found:
        raise InputError(
            path,
            None,
            f"read as {reader.name} but no questions were found",
            "check the file, or force a dialect with --dialect",
        )
    return reader.name, [enrich(r.question, r.category, r.difficulty, r.house) for r in found], refs


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


def parse_file(shown: str, path: str, data: bytes, sha: str, dialect: str | None) -> Parsed:
    """Decode, repair, detect, read and enrich one file. Runs in a worker process."""
    out = Parsed(shown, path, sha, len(data))
    try:
        with time_budget(file_seconds(len(data)), shown):
            fixed = decode_file(data, shown)
            out.dialect, questions, out.refs = read_file_questions(fixed.text, path, dialect)
            out.rows = [Store.prepare(sq) for sq in questions]
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
