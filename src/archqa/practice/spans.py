"""The spans of a typed answer that a grader quotes as evidence: sentences and clauses, verbatim.

Every span is a slice of the answer as typed (``answer[start:end] == text``),
so a quoted evidence string can always be found in the user's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)|\n\s*\n|\n(?=\s*(?:[-*•]|\d{1,3}[.)])\s)")
"""Where one sentence ends: after . ! ? ; and a space, at a blank line, before a list item on its own line."""

MAX_ANSWER_CHARS = 20_000
"""Longer answers are graded on their first MAX_ANSWER_CHARS characters (a bound on work, never an error)."""


@dataclass(frozen=True)
class Span:
    """A slice of the answer: ``answer[start:end] == text``."""

    start: int
    end: int
    text: str


def _trimmed(answer: str, start: int, end: int) -> Span | None:
    piece = answer[start:end]
    lead = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    # list markers and quote marks at the start are not part of the claim
    m = re.match(r"(?:[-*•>]|\d{1,3}[.)])\s+", piece)
    if m:
        lead += m.end()
        piece = piece[m.end() :]
    if not re.search(r"\w", piece):
        return None
    return Span(start + lead, start + lead + len(piece), piece)


_NO_BREAK_AFTER = re.compile(r"(?:\b(?:e\.g|i\.e|vs|etc|approx|cf|resp|incl|no|fig)\.|^\s*\d{1,3}[.)])$", re.IGNORECASE)
"""A cut after these is not a sentence end: abbreviations, and a list number at the start of a line."""


def sentences(answer: str) -> list[Span]:
    """The answer's sentences (and list items, and lines of a pasted list) as verbatim spans, in order."""
    text = answer[:MAX_ANSWER_CHARS]
    cuts: list[tuple[int, int]] = []
    for m in _SENTENCE_END.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if "\n" not in m.group() and _NO_BREAK_AFTER.search(text[max(line_start, m.start() - 8) : m.start()]):
            continue
        cuts.append((m.start(), m.end()))
    out: list[Span] = []
    pos = 0
    for start, end in [*cuts, (len(text), len(text))]:
        span = _trimmed(text, pos, start)
        if span:
            out.append(span)
        pos = end
    return out
