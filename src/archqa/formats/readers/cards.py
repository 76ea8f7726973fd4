"""A heading per card: the heading is the question, the body the answer."""

from __future__ import annotations

from archqa.formats.blocks import Block
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import heading_text, is_prompt, split_on


def detect(src: SourceText) -> float:
    heads = [b for b in src.blocks if b.kind == "heading" and b.level >= 2]
    questions = [b for b in heads if heading_text(b).rstrip().endswith("?")]
    return 0.5 if len(questions) >= 2 else 0.2 if heads else 0.0


def read(src: SourceText) -> list[RawQuestion]:
    """The cards are the headings at the level where most headings ask something (end in '?' or start like a
    prompt); with none, the deepest level (headings above it are categories)."""
    heads = [b for b in src.blocks if b.kind == "heading"]
    qs = [b for b in heads if b.level >= 2 and is_prompt(heading_text(b))]
    if qs:
        level = max(set(b.level for b in qs), key=lambda lv: sum(1 for b in qs if b.level == lv))
    else:
        level = max((b.level for b in heads), default=2)

    def is_q(b: Block, text: str) -> tuple[str, int | None] | None:
        if b.level != level:
            return None
        if qs and b.setext and not is_prompt(text):
            return None  # a paragraph followed by a '---' rule parses as a heading; the author meant a rule
        return text, None

    return split_on(src, is_q)
