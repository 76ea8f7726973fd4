"""Lists of questions with no answers ('1. What is ...?' items under category headings): each item a question.

A list counts when most of its items ask something and none carries an answer below its first line, and only
outside a question: a list after a question heading, a bold question or a 'Follow-up' label in the same
section is part of that question's answer.
"""

from __future__ import annotations

import re

from archqa.formats.blocks import Block, list_item_ranges
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import bold_question, clean_category, heading_text, is_prompt

_ITEM = re.compile(r"^\s*+(?:[-*+]|(\d{1,9})[.)])\s++(.*)$")
_Q_MARKER = re.compile(r"^\s*+(?:\*\*|__)?Q\s*+\d*+\s*+[:.]")


def _items(src: SourceText, b: Block) -> list[tuple[int, int | None, str]] | None:
    """(1-based line, number, text) of each item of a list of questions, or None when the list is not one."""
    out = []
    asking = 0
    for s, e in list_item_ranges(b):
        if any(line.strip() for line in src.lines[s + 1 : e]):
            return None  # an item with more lines holds an answer (or is a card for list-cards)
        m = _ITEM.match(src.lines[s])
        if not m:
            return None
        text = m.group(2).strip()
        bold = bold_question(text)
        if bold is not None:
            text = bold[0]
        asking += is_prompt(text)
        out.append((s + 1, int(m.group(1)) if m.group(1) else None, text))
    return out if out and 2 * asking > len(out) else None


def _inside_a_question(b: Block) -> bool:
    """Whether a block, in its section so far, ends what reads as a question: a heading that asks, a bold
    question line, a Q: marker, or a label such as 'Follow-up questions:'."""
    if b.kind == "heading":
        return is_prompt(heading_text(b))
    if b.kind == "paragraph":
        first = b.raw.partition("\n")[0]
        low = first.lower()
        return bold_question(first) is not None or bool(_Q_MARKER.match(first)) or "follow" in low
    return False


def detect(src: SourceText) -> float:
    n = sum(len(_items(src, b) or ()) for b in src.blocks if b.kind in ("bullet_list", "ordered_list"))
    return 0.3 if n >= 2 else 0.0


def read(src: SourceText) -> list[RawQuestion]:
    """Each asking item of a list of questions is a question. A list of one question ('1. What is X?' with
    its answer in the paragraphs under it, not indented) takes those paragraphs as its answer."""
    out: list[RawQuestion] = []
    category = ""
    in_question = False
    current: RawQuestion | None = None  # a one-item question list whose answer follows it
    for b in src.blocks:
        if b.kind == "heading":
            category = clean_category(heading_text(b))
            in_question = _inside_a_question(b)
            current = None
            continue
        items = _items(src, b) if b.kind in ("bullet_list", "ordered_list") else None
        if items is None or in_question:
            if current is not None:
                current.blocks.append(b)
            if b.kind == "paragraph" and _inside_a_question(b):
                in_question = True
            elif current is None and b.kind not in ("bullet_list", "ordered_list"):
                in_question = in_question or _inside_a_question(b)
            continue
        asking = [
            RawQuestion(title=text, line=line, number=number, category=category, answer_md="")
            for line, number, text in items
            if is_prompt(text)
        ]
        out.extend(asking)
        current = None
        if len(items) == 1 and asking:
            current = asking[0]
            current.answer_md = None
    return out
