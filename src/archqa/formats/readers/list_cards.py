"""List items holding a question and its answer ('1. ### What is ...', '1. **What is ...?**')."""

from __future__ import annotations

import re

from archqa.formats.blocks import Block, list_item_ranges, parse_blocks
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import bold_question, clean_category, heading_text, is_prompt, take_ask

_ITEM_MARKER = re.compile(r"^(\s*+(?:[-*+]|\d+[.)])\s++)")


def _question_items(src: SourceText) -> list[tuple[Block, int, int]]:
    """(list, start, end) of each top-level list item that is a question with its answer: its content opens
    with an ATX heading, or its first line is a question (bold or ending in '?') and more lines follow."""
    found = []
    for b in src.blocks:
        if b.kind not in ("bullet_list", "ordered_list"):
            continue
        for s, e in list_item_ranges(b):
            m = _ITEM_MARKER.match(src.lines[s])
            if not m:
                continue
            first = src.lines[s][m.end() :]
            if first.startswith("#"):
                found.append((b, s, e))
            elif (bold_question(first) or is_prompt(first.strip("*_ "))) and any(
                line.strip() for line in src.lines[s + 1 : e]
            ):
                found.append((b, s, e))
    return found


def detect(src: SourceText) -> float:
    n = len(_question_items(src))
    if not n:
        return 0.0
    # Sure only when list items carry more of the questions than headings or bold lines do.
    heads = sum(1 for b in src.blocks if b.kind == "heading" and is_prompt(heading_text(b)))
    bold = sum(1 for b in src.blocks if b.kind == "paragraph" and bold_question(b.raw.partition("\n")[0]))
    return 0.75 if n >= 2 and n > max(heads, bold) else 0.3


def read(src: SourceText) -> list[RawQuestion]:
    """Each list item that is a question with its answer is a card.

    The item's lines are de-indented to the item's content column and parsed on their own, so code,
    lists and quotes inside the item keep their structure. The question is the item's opening heading,
    or its first line (bold or ending in '?'); the rest is the answer.
    """
    out: list[RawQuestion] = []
    category = ""
    items = _question_items(src)
    lists = {id(b) for b, _, _ in items}
    by_list: dict[int, list[tuple[int, int]]] = {}
    for b, s, e in items:
        by_list.setdefault(id(b), []).append((s, e))
    for b in src.blocks:
        if b.kind == "heading":
            category = clean_category(heading_text(b))
            continue
        if id(b) not in lists:
            continue
        for s, e in by_list[id(b)]:
            m = _ITEM_MARKER.match(src.lines[s])
            assert m is not None
            indent = len(m.group(1))
            first = src.lines[s][indent:]
            body = []
            for line in src.lines[s + 1 : e]:
                body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            number = re.match(r"\s*(\d+)", m.group(1))
            rq = RawQuestion(title="", line=s + 1, number=int(number.group(1)) if number else None, category=category)
            if first.startswith("#"):
                _, blocks = parse_blocks("\n".join([first, *body]))
                if not blocks or blocks[0].kind != "heading":
                    continue
                rq.title, rq.blocks = heading_text(blocks[0]), blocks[1:]
            else:
                bold = bold_question(first)
                rq.title = bold[0] if bold else first.strip()
                rq.answer_md = "\n".join(body).strip()
            take_ask(rq)
            rq.end = e
            out.append(rq)
    return out
