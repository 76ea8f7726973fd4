"""'QUESTION 11: title' headings with sub-sections such as 'The Ask'."""

from __future__ import annotations

import re

from archqa.formats.blocks import Block
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import heading_text, number_of, split_on

SECTION_Q = re.compile(r"^(?:QUESTION|Problem|Case|Exercise)\s*+#?\s*+(\d+(?:\.\d+)*)\s*+[:.\-–]\s*+(.+)$", re.I)


def detect(src: SourceText) -> float:
    n = sum(1 for b in src.blocks if b.kind == "heading" and SECTION_Q.match(heading_text(b)))
    return 0.85 if n >= 1 and _has_ask(src) else 0.0


def _has_ask(src: SourceText) -> bool:
    return any(
        b.kind == "heading" and re.match(r"(?i)(the ask|problem|prompt|scenario)\b", heading_text(b))
        for b in src.blocks
    )


def read(src: SourceText) -> list[RawQuestion]:
    def is_q(b: Block, text: str) -> tuple[str, int | None] | None:
        m = SECTION_Q.match(text)
        return (m.group(2).strip(), number_of(m.group(1))) if m else None

    return split_on(src, is_q)
