"""<details><summary>question</summary> answer </details> collapsibles."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from itertools import accumulate

from archqa.formats.blocks import Block
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import clean_category, heading_text


def detect(src: SourceText) -> float:
    n = len(re.findall(r"<details", src.text, re.I))
    if n:  # those written inside code blocks do not count
        n -= sum(len(re.findall(r"<details", b.raw, re.I)) for b in src.blocks if b.kind in ("fence", "code_block"))
    return 0.9 if n >= 2 else 0.5 if n == 1 else 0.0


_TAG = re.compile(r"<[^<>]++>")
_SUMMARY_NUMBER = re.compile(r"^\s*+(?:Q(?:uestion)?\s*+\d*+\s*+[:.)]|\d+[.)])\s*+")


DETAILS_OPEN = re.compile(r"<details[^<>]*+>\s*+<summary[^<>]*+>((?:[^<]++|<(?!/summary>|details))*+)</summary>", re.I)
"""A <details> opening with its <summary>; the summary runs to the first </summary> and holds no other <details>
(so a file of unclosed summaries is read in one pass)."""
DETAILS_CLOSE = re.compile(r"</details>", re.I)


def read(src: SourceText) -> list[RawQuestion]:
    """Each <details> with a <summary> outside code blocks; its body runs to the first </details> that is
    not inside a code block either."""
    out = []
    category = ""
    text = src.text
    headings = [(b.start, heading_text(b)) for b in src.blocks if b.kind == "heading"]
    starts = [b.start for b in src.blocks]
    fences = [(b.start, b.end) for b in src.blocks if b.kind in ("fence", "code_block")]
    line_starts = [0, *accumulate(len(line) + 1 for line in src.lines)]

    def line_of(pos: int) -> int:
        return bisect_right(line_starts, pos) - 1  # 0-based

    def in_code(pos: int) -> bool:
        n = line_of(pos)
        return any(s <= n < e for s, e in fences)

    above = 0  # headings[:above] start above the current match (blocks are in document order)
    pos = 0
    while True:
        m = DETAILS_OPEN.search(text, pos)
        if m is None:
            break
        pos = m.end()
        if in_code(m.start()):
            continue  # a <details> written inside a code block is code
        close = DETAILS_CLOSE.search(text, m.end())
        while close is not None and in_code(close.start()):
            close = DETAILS_CLOSE.search(text, close.end())
        body_end = close.start() if close is not None else len(text)
        pos = close.end() if close is not None else len(text)
        first = line_of(m.start())
        while above < len(headings) and headings[above][0] < first:
            above += 1
            category = clean_category(headings[above - 1][1])
        title = _TAG.sub("", m.group(1)).strip()
        title = _SUMMARY_NUMBER.sub("", title).strip("* ")
        rq = RawQuestion(title=title, line=first + 1, category=category)
        blocks = _body_blocks(src, starts, m.end(), body_end, line_of)
        if blocks is None:
            rq.answer_md = text[m.end() : body_end].strip()
        else:
            rq.blocks = blocks
        rq.end = line_of(pos) + 1
        out.append(rq)
    return out


def _body_blocks(
    src: SourceText, starts: list[int], body_start: int, body_end: int, line_of: Callable[[int], int]
) -> list[Block] | None:
    """The file's own blocks that make up a <details> body, when the body has lines of its own that the
    parse cut cleanly (a blank line after </summary>, </details> on its own line); else None."""
    text = src.text
    eol = text.find("\n", body_start)
    if eol < 0 or text[body_start:eol].strip() or text[text.rfind("\n", 0, body_end) + 1 : body_end].strip():
        return None
    first = line_of(body_start) + 1
    last = line_of(body_end)
    i = bisect_left(starts, first)
    if i > 0 and src.blocks[i - 1].end > first:
        return None  # the summary's HTML block runs on into the body
    out = []
    while i < len(starts) and starts[i] < last:
        if src.blocks[i].end > last:
            return None
        out.append(src.blocks[i])
        i += 1
    return out
