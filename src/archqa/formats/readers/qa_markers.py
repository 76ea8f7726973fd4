"""Q: / A: marker paragraphs."""

from __future__ import annotations

import re

from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import clean_category, heading_text

_Q = r"(?:\*\*|__)?+(?:Q|Question|Ques)\s*+#?(\d*+)\s*+[:.)]"
_A = r"(?:\*\*|__)?+(?:A|Ans|Answer)\s*+[:.)]"
Q_MARK = re.compile(r"^\s*+" + _Q)
A_MARK = re.compile(r"(?m)^[^\S\n]*+" + _A)


def detect(src: SourceText) -> float:
    paragraphs = [b.raw for b in src.blocks if b.kind == "paragraph"]
    q = sum(1 for raw in paragraphs if Q_MARK.match(raw))
    a = sum(1 for raw in paragraphs if "A" in raw and A_MARK.search(raw))
    return 0.85 if q >= 2 and a >= 2 else 0.6 if q and a else 0.0


Q_LINE = re.compile(r"^\s*+" + _Q + r"\s*+(?:\*\*|__)?+\s*+(.*)$", re.I)
A_REST = re.compile(r"(?ms)^[^\S\n]*+" + _A + r"\s*+(?:\*\*|__)?+\s*+(.*)$")
A_START = re.compile(r"^\s*+" + _A + r"\s*+(?:\*\*|__)?+\s*+")
"""'Q:', 'Q1.', 'Q2)', '**Question 3:**' open a question; 'A:', 'Ans.', '**Answer:**' its answer."""


def read(src: SourceText) -> list[RawQuestion]:
    out: list[RawQuestion] = []
    category = ""
    for b in src.blocks:
        if b.kind == "heading":
            category = clean_category(heading_text(b))
            continue
        if b.kind == "paragraph":
            first, _, rest = b.raw.partition("\n")
            m = Q_LINE.match(first)
            if m:
                title = m.group(2).strip().strip("*").strip()
                rq = RawQuestion(
                    title=title, line=b.line, number=int(m.group(1)) if m.group(1) else None, category=category
                )
                am = A_REST.search(rest)
                if am:
                    rq.answer_md = am.group(1).strip()
                elif rest.strip() and title.rstrip().endswith("?"):
                    rq.answer_md = rest.strip()  # the question on its own line, the answer right below it
                elif rest.strip():
                    rq.title = (title + " " + rest.strip()).strip()
                rq.end = b.end
                out.append(rq)
                continue
            am = A_START.match(b.raw)
            if am and out:
                out[-1].answer_md = ((out[-1].answer_md or "") + "\n\n" + b.raw[am.end() :]).strip()
                out[-1].end = b.end
                continue
        if out:
            out[-1].blocks.append(b)
    return out
