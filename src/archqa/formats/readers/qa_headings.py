"""'Q41:' / 'Question 801:' headings (and Q44-45 ranges) under categories."""

from __future__ import annotations

import re

from archqa.formats.blocks import Block
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import QMARK_LINE, heading_text, number_of, split_on

QA_HEADING = re.compile(
    r"^(?:Q|Question)\s*+#?\s*+(\d+(?:\.\d+)*)(?:\s*+[-–]\s*+(?:Q|Question)?\s*+(\d++))?\s*+[:.)\-–]\s*+(.*)$", re.I
)


def detect(src: SourceText) -> float:
    n = sum(1 for b in src.blocks if b.kind == "heading" and QA_HEADING.match(heading_text(b)))
    return 0.8 if n >= 2 else 0.4 if n == 1 else 0.0


def read(src: SourceText) -> list[RawQuestion]:
    out: list[RawQuestion] = []

    def is_q(b: Block, text: str) -> tuple[str, int | None] | None:
        m = QA_HEADING.match(text)
        if not m:
            return None
        return m.group(3).strip(), number_of(m.group(1))

    for rq in split_on(src, is_q):
        out.extend(_expand_range(rq))
    return out


def _expand_range(rq: RawQuestion) -> list[RawQuestion]:
    """A range heading (Q44-45) holds its questions inline: 'Q44: ...' paragraphs or bold lines."""
    inner: list[RawQuestion] = []
    for b in rq.blocks:
        if b.kind == "paragraph":
            m = QMARK_LINE.match(b.raw.split("\n")[0])
            if m and m.group(1):
                rest = b.raw.split("\n", 1)
                title = m.group(2).strip().strip("*").strip()
                inner.append(RawQuestion(title=title, line=b.line, number=int(m.group(1)), category=rq.category))
                if len(rest) > 1 and rest[1].strip():
                    inner[-1].answer_md = rest[1].strip()
                continue
        if inner:
            inner[-1].blocks.append(b)
    if len(inner) >= 2 or (inner and not rq.title):
        return inner
    return [rq]
