"""Numbered question headings ('## 1. How do you ...?') with bold-label sections."""

from __future__ import annotations

import re

from archqa.formats.blocks import Block
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import heading_text, is_prompt, number_of, split_on

NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)[.)]\s++(.+)$")


def detect(src: SourceText) -> float:
    heads = [heading_text(b) for b in src.blocks if b.kind == "heading"]
    n = 0
    for h in heads:
        m = NUMBERED.match(h)
        n += bool(m and is_prompt(m.group(2)))
    return 0.7 if n >= 2 else 0.0


def read(src: SourceText) -> list[RawQuestion]:
    def is_q(b: Block, text: str) -> tuple[str, int | None] | None:
        m = NUMBERED.match(text)
        if m and is_prompt(m.group(2)):
            return m.group(2).strip(), number_of(m.group(1))
        return None

    return split_on(src, is_q)
