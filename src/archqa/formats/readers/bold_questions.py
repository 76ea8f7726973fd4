"""Bold question lines ('**1. What is ...?**') followed by the answer, under category headings."""

from __future__ import annotations

from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import bold_question, clean_category, heading_text, take_ask


def detect(src: SourceText) -> float:
    n = sum(1 for b in src.blocks if b.kind == "paragraph" and bold_question(b.raw.partition("\n")[0]))
    return 0.6 if n >= 2 else 0.3 if n == 1 else 0.0


def read(src: SourceText) -> list[RawQuestion]:
    """Bold question lines start questions. Headings before the first question, and later ones no deeper
    than the last category heading, are categories; deeper headings belong to the answer."""
    out: list[RawQuestion] = []
    category = ""
    category_level = 0
    blocks = src.blocks
    start = 1 if blocks and blocks[0].kind == "heading" and blocks[0].level == 1 else 0  # the document's title
    for b in blocks[start:]:
        if b.kind == "heading" and (not out or b.level <= category_level):
            category, category_level = clean_category(heading_text(b)), b.level
            continue
        if b.kind == "paragraph":
            first, _, rest = b.raw.partition("\n")
            hit = bold_question(first)
            if hit is not None:
                rq = RawQuestion(title=hit[0], line=b.line, number=hit[1], category=category)
                if rest.strip():
                    rq.answer_md = rest.strip()
                rq.end = b.end
                out.append(rq)
                continue
        if out:
            out[-1].blocks.append(b)
    for rq in out:
        take_ask(rq)
    return out
