"""`archqa import --explain`: which reader read which lines of a file, what was skipped and why, and what
looks lost, without touching the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archqa.importer.decode import decode_file
from archqa.importer.read import FileReading, read_file
from archqa.limits import file_seconds, read_document_bytes, time_budget


@dataclass
class Explanation:
    """A file read as import would read it, with its repair counts."""

    path: str
    got: FileReading
    repaired: int
    unrepaired: list[int]


def explain_file(path: str | Path, dialect: str | None = None) -> Explanation:
    """Read one file as ``import`` would (same limits and time budget) and keep how it was read."""
    shown = str(path)
    data = read_document_bytes(path)
    with time_budget(file_seconds(len(data)), shown):
        fixed = decode_file(data, shown)
        got = read_file(fixed.text, str(Path(path).resolve()), dialect)
    return Explanation(shown, got, fixed.repaired, fixed.unrepaired)


def explanation_lines(ex: Explanation) -> list[str]:
    """The explanation as lines for a person: parts with their readers, questions, skipped regions, suspicious
    titles, lines that look like lost questions, and warnings."""
    got, reading = ex.got, ex.got.reading
    out = [f"{ex.path}: {len(got.questions)} questions, read as {got.dialect}"]
    if reading.meta:
        out.append(f"  front matter: {', '.join(f'{k}={v}' for k, v in reading.meta.items())}")
    if ex.repaired or ex.unrepaired:
        out.append(f"  repaired {ex.repaired} lines; could not repair lines {', '.join(map(str, ex.unrepaired))}")
    out.append("parts (a part starts at a top-level heading; each takes the reader that finds most questions in it):")
    for part in reading.parts:
        others = ", ".join(f"{n} {c}" for n, c in part.candidates.items() if n != part.reader)
        out.append(
            f"  lines {part.start + 1}-{part.end}: {part.reader}, {part.questions} question"
            f"{'s' if part.questions != 1 else ''}" + (f" (other readers found: {others})" if others else "")
        )
    out.append("questions:")
    for sq in got.questions:
        q = sq.question
        flags = f" [{', '.join(sq.flags)}]" if sq.flags else ""
        out.append(f"  line {q.provenance.line if q.provenance else '?'}: {q.title}{flags}")
    if reading.skipped:
        out.append(f"skipped ({len(reading.skipped)} regions no reader explained):")
        for r in reading.skipped:
            out.append(f"  lines {r.start + 1}-{r.end}, {r.reason}: {r.text!r}")
    if got.suspicious:
        out.append(f"suspicious ({len(got.suspicious)} imported titles that may not be questions):")
        for line, title, why in got.suspicious:
            out.append(f"  line {line}: {title!r}: {why}")
    if reading.lost:
        out.append(f"possibly lost ({len(reading.lost)} lines that look like questions but are in no question):")
        for line, text in reading.lost:
            out.append(f"  line {line}: {text!r}")
    for line, message in reading.warnings:
        out.append(f"warning: line {line}: {message}")
    return out


def explanation_json(ex: Explanation) -> dict[str, object]:
    """The explanation as data (for ``--format json``)."""
    got, reading = ex.got, ex.got.reading
    return {
        "path": ex.path,
        "dialect": got.dialect,
        "questions": [
            {
                "line": sq.question.provenance.line if sq.question.provenance else None,
                "title": sq.question.title,
                "flags": sq.flags,
            }
            for sq in got.questions
        ],
        "parts": [
            {
                "first_line": p.start + 1,
                "last_line": p.end,
                "reader": p.reader,
                "questions": p.questions,
                "candidates": p.candidates,
            }
            for p in reading.parts
        ],
        "skipped": [
            {"first_line": r.start + 1, "last_line": r.end, "text": r.text, "reason": r.reason} for r in reading.skipped
        ],
        "suspicious": [{"line": line, "title": t, "why": w} for line, t, w in got.suspicious],
        "lost": [{"line": line, "text": t} for line, t in reading.lost],
        "warnings": [{"line": line, "message": m} for line, m in reading.warnings],
        "front_matter": reading.meta,
        "repaired_lines": ex.repaired,
        "unrepaired_lines": ex.unrepaired,
    }
