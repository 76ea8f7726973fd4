"""Tables with a Question column and an Answer column, one question per row."""

from __future__ import annotations

import re

from archqa.formats.blocks import Block, table_rows
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import clean_category, heading_text, strip_note

_Q_HEADER = re.compile(r"(?i)^(?:q|questions?|prompt|front)$")
_A_HEADER = re.compile(r"(?i)^(?:a|answers?|back|explanation|solution)$")
_N_HEADER = re.compile(r"(?i)^(?:#|no\.?|n|number|id)$")
_BR = re.compile(r"<br\s*+/?>", re.I)


def _qa_tables(src: SourceText) -> list[tuple[Block, int, int, int | None]]:
    """Tables with a question column and an answer column: (table, question column, answer column, number column)."""
    found = []
    for b in src.blocks:
        if b.kind != "table":
            continue
        header, _ = table_rows(b)
        cols = [strip_note(h).strip("*_ ") for h in header]
        qi = next((i for i, h in enumerate(cols) if _Q_HEADER.match(h)), None)
        ai = next((i for i, h in enumerate(cols) if _A_HEADER.match(h)), None)
        if qi is not None and ai is not None:
            ni = next((i for i, h in enumerate(cols) if _N_HEADER.match(h)), None)
            found.append((b, qi, ai, ni))
    return found


def detect(src: SourceText) -> float:
    rows = sum(len(table_rows(b)[1]) for b, *_ in _qa_tables(src))
    return 0.8 if rows >= 2 else 0.4 if rows == 1 else 0.0


def read(src: SourceText) -> list[RawQuestion]:
    """One question per row: the question cell is the title, the answer cell (``<br>`` as line breaks) the answer."""
    out: list[RawQuestion] = []
    tables = {id(b): (qi, ai, ni) for b, qi, ai, ni in _qa_tables(src)}
    category = ""
    for b in src.blocks:
        if b.kind == "heading":
            category = clean_category(heading_text(b))
            continue
        if id(b) not in tables:
            continue
        qi, ai, ni = tables[id(b)]
        for line, cells in table_rows(b)[1]:
            title = cells[qi].strip() if qi < len(cells) else ""
            if not title:
                continue
            number = cells[ni].strip() if ni is not None and ni < len(cells) else ""
            answer = _BR.sub("\n", cells[ai]).strip() if ai < len(cells) else ""
            out.append(
                RawQuestion(
                    title=title,
                    line=line,
                    number=int(number) if number.isdigit() else None,
                    category=category,
                    answer_md=answer,
                )
            )
    return out
