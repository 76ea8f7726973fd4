"""Readers for the Markdown Q&A dialects found in the wild, auto-detected per file.

Every reader works on the CommonMark block parse (``parse_blocks``): a heading,
``#`` line or ``---`` inside a code fence is code and never splits a question.
A reader implements two functions and registers itself with ``register_reader``:
``detect(blocks) -> float`` (0..1, how sure it is) and ``read(doc) -> list[RawQuestion]``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate

import yaml

from archqa.formats.blocks import Block, heading_label, list_item_ranges, parse_blocks, table_rows


@dataclass
class RawQuestion:
    """A question as a dialect found it: title, category, its body blocks and where it starts."""

    title: str
    line: int
    number: int | None = None
    category: str = ""
    blocks: list[Block] = field(default_factory=list)
    answer_md: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class SourceText:
    """A decoded file and its parse, as the readers see it."""

    path: str
    text: str
    lines: list[str]
    blocks: list[Block]

    @classmethod
    def parse(cls, text: str, path: str) -> SourceText:
        lines, blocks = parse_blocks(text)
        return cls(path, text, lines, blocks)


@dataclass(frozen=True)
class Reader:
    """A registered dialect reader."""

    name: str
    summary: str
    detect: Callable[[SourceText], float]
    read: Callable[[SourceText], list[RawQuestion]]
    max_confidence: float = 1.0


_READERS: dict[str, Reader] = {}


def register_reader(
    name: str,
    summary: str,
    detect: Callable[[SourceText], float],
    read: Callable[[SourceText], list[RawQuestion]],
    max_confidence: float = 1.0,
) -> None:
    """Register a dialect reader. The built-in readers register this way too.

    ``max_confidence`` is the most ``detect`` ever returns: detection skips a reader that could at best tie
    with one already found (ties go to the reader registered first).
    """
    _READERS[name] = Reader(name, summary, detect, read, max_confidence)


def readers() -> dict[str, Reader]:
    """Every registered reader by name."""
    if not _READERS:
        _register_builtin()
    return dict(_READERS)


def detect(src: SourceText) -> tuple[Reader, float]:
    """The reader most confident about this file; on a tie, the one registered first."""
    best: Reader | None = None
    conf = -1.0
    for r in readers().values():
        if r.max_confidence <= conf:
            continue  # it could at best tie, and ties go to the earlier reader
        c = r.detect(src)
        if c > conf:
            best, conf = r, c
    assert best is not None, "no dialect readers are registered"
    return best, conf


LEAD_SYMBOLS = re.compile(r"^[^\w\s\"'`(\[<*_]++\s*+")
"""Emoji, bullets and arrows some banks put before a heading's text ('🔹 1. What is ...')."""


def heading_text(b: Block) -> str:
    """A heading's text without its marks or leading decoration."""
    return LEAD_SYMBOLS.sub("", b.heading_text)


def number_of(text: str) -> int:
    """The question number in '12', '1.2' or '3.1.4': the last part, the position within its section."""
    return int(text.rsplit(".", 1)[-1])


HOUSE_Q = re.compile(r"^Q(\d++)\s*+:\s*+(.+)$")
QA_HEADING = re.compile(
    r"^(?:Q|Question)\s*+#?\s*+(\d+(?:\.\d+)*)(?:\s*+[-–]\s*+(?:Q|Question)?\s*+(\d++))?\s*+[:.)\-–]\s*+(.*)$", re.I
)
NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)[.)]\s++(.+)$")
ANSWER_MARK = re.compile(r"^\s*+(?:\*\*|__)?\s*+(?:A|Answer|Ans)\s*+[:.]?\s*+(?:\*\*|__)?\s*+[:.]?\s*+", re.I)
QMARK_LINE = re.compile(r"^\s*+(?:\*\*|__)?\s*+(?:Q|Question)\s*+(\d++)?\s*+[:.]\s*+(?:\*\*|__)?\s*+(.*)$", re.I)


# -- house -------------------------------------------------------------------


HOUSE_LABEL = re.compile(r"\*\*(Difficulty|Key Insight|ID)\*\*")


def _house_detect(src: SourceText) -> float:
    qs = sum(1 for b in src.blocks if b.kind == "heading" and HOUSE_Q.match(heading_text(b)))
    if not qs:
        return 0.0
    labels = sum(1 for b in src.blocks if b.kind == "paragraph" and HOUSE_LABEL.match(b.raw))
    return 1.0 if labels >= qs else 0.0


# The house reader is archqa.formats.house; the importer calls it directly for this dialect.
def _house_read(src: SourceText) -> list[RawQuestion]:
    return []


# -- headings ----------------------------------------------------------------


def _split_on(
    src: SourceText,
    is_question: Callable[[Block, str], tuple[str, int | None] | None],
    category_level: int | None = None,
) -> list[RawQuestion]:
    """Cut the block list at question headings; headings above them become categories."""
    out: list[RawQuestion] = []
    category = ""
    qlevel = None
    first = src.blocks[0] if src.blocks else None
    title_block = (
        first
        if first is not None
        and first.kind == "heading"
        and first.level == 1
        and is_question(first, heading_text(first)) is None
        else None
    )
    for b in src.blocks:
        if b is title_block:
            continue
        if b.kind == "heading":
            text = heading_text(b)
            hit = is_question(b, text)
            if hit is not None:
                title, number = hit
                out.append(RawQuestion(title=title, line=b.line, number=number, category=category))
                qlevel = b.level
                continue
            if qlevel is None or b.level < qlevel:
                if category_level is None or b.level <= category_level:
                    category = _clean_category(text)
                    continue
        if out:
            out[-1].blocks.append(b)
    for rq in out:
        _take_ask(rq)
    return out


_ASK_LABEL = re.compile(r"(?i)^(?:the ask|question|problem(?: statement)?|prompt|scenario)\s*+:?$")
_QUOTE_MARK = re.compile(r"(?m)^[^\S\n]*+>\s?")


def _take_ask(rq: RawQuestion) -> None:
    """A 'The Ask' / 'Question:' / 'Problem:' label states the question in full; the rest is the answer.

    'The Ask' counts anywhere in the body; the other labels only as the body's first or second block,
    where they introduce the question rather than a part of the answer. The label's own text after
    the colon, or the paragraph or quote that follows it, becomes the ask.
    """
    for i, b in enumerate(rq.blocks):
        label, rest = heading_label(b)
        if label is None or not _ASK_LABEL.match(label):
            continue
        if i > 1 and not label.lower().startswith("the ask"):
            continue
        taken = [b]
        text = rest
        if not text:
            follow = [x for x in rq.blocks[i + 1 : i + 3] if x.kind in ("blockquote", "paragraph")]
            if follow:
                taken.append(follow[0])
                text = _QUOTE_MARK.sub("", follow[0].raw)
        text = " ".join(text.split()).strip('"“” ')
        if text:
            rq.meta["ask"] = text
            rq.blocks = [x for x in rq.blocks if all(x is not t for t in taken)]
        return


_CATEGORY_LEAD = re.compile(r"^[\W\d_]+")


def strip_note(text: str) -> str:
    r"""``text`` without a trailing note in parentheses ('Caching (5 questions)' -> 'Caching').

    The same as ``re.sub(r"\s*\(.*?\)\s*$", "", text)``, in one pass: that pattern is quadratic on a line
    of many '(' (each one is tried, and each scans to the end).
    """
    end = len(text.rstrip())
    if not end or text[end - 1] != ")":
        return text
    first = text.find("(", text.rfind("\n", 0, end) + 1, end - 1)
    if first < 0:
        return text
    start = first
    while start and text[start - 1].isspace():
        start -= 1
    return text[:start]


_NOT_A_CATEGORY = re.compile(r"(?i)^(?:table of contents|contents|toc|index|overview|introduction)$")


def _clean_category(text: str) -> str:
    text = _CATEGORY_LEAD.sub("", text).strip()
    if _NOT_A_CATEGORY.match(text):
        return ""
    text = strip_note(text)
    return text[:80]


def _qa_heading_detect(src: SourceText) -> float:
    n = sum(1 for b in src.blocks if b.kind == "heading" and QA_HEADING.match(heading_text(b)))
    return 0.8 if n >= 2 else 0.4 if n == 1 else 0.0


def _qa_heading_read(src: SourceText) -> list[RawQuestion]:
    out: list[RawQuestion] = []

    def is_q(b: Block, text: str) -> tuple[str, int | None] | None:
        m = QA_HEADING.match(text)
        if not m:
            return None
        return m.group(3).strip(), number_of(m.group(1))

    for rq in _split_on(src, is_q):
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


_PROMPT = re.compile(
    r"(?i)^(?:design|build|implement|architect|create|explain|describe|compare|contrast|estimate|model|propose|"
    r"outline|discuss|define|walk (?:me )?through|how|what|why|when|which|where|who)\b"
)
"""How a question that does not end in '?' starts: an imperative prompt ('Design a URL shortener') or a
question word."""


def is_prompt(text: str) -> bool:
    """Whether a heading's text asks something: it ends with '?' or starts like a prompt."""
    return text.rstrip().endswith("?") or _PROMPT.match(text) is not None


def _numbered_detect(src: SourceText) -> float:
    heads = [heading_text(b) for b in src.blocks if b.kind == "heading"]
    n = 0
    for h in heads:
        m = NUMBERED.match(h)
        n += bool(m and is_prompt(m.group(2)))
    return 0.7 if n >= 2 else 0.0


def _numbered_read(src: SourceText) -> list[RawQuestion]:
    def is_q(b: Block, text: str) -> tuple[str, int | None] | None:
        m = NUMBERED.match(text)
        if m and is_prompt(m.group(2)):
            return m.group(2).strip(), number_of(m.group(1))
        return None

    return _split_on(src, is_q)


SECTION_Q = re.compile(r"^(?:QUESTION|Problem|Case|Exercise)\s*+#?\s*+(\d+(?:\.\d+)*)\s*+[:.\-–]\s*+(.+)$", re.I)


def _sections_detect(src: SourceText) -> float:
    n = sum(1 for b in src.blocks if b.kind == "heading" and SECTION_Q.match(heading_text(b)))
    return 0.85 if n >= 1 and _has_ask(src) else 0.0


def _has_ask(src: SourceText) -> bool:
    return any(
        b.kind == "heading" and re.match(r"(?i)(the ask|problem|prompt|scenario)\b", heading_text(b))
        for b in src.blocks
    )


def _sections_read(src: SourceText) -> list[RawQuestion]:
    def is_q(b: Block, text: str) -> tuple[str, int | None] | None:
        m = SECTION_Q.match(text)
        return (m.group(2).strip(), number_of(m.group(1))) if m else None

    return _split_on(src, is_q)


def _cards_detect(src: SourceText) -> float:
    heads = [b for b in src.blocks if b.kind == "heading" and b.level >= 2]
    questions = [b for b in heads if heading_text(b).rstrip().endswith("?")]
    return 0.5 if len(questions) >= 2 else 0.2 if heads else 0.0


def _cards_read(src: SourceText) -> list[RawQuestion]:
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

    return _split_on(src, is_q)


# -- bold questions and questions inside list items ---------------------------

_BOLD_Q = re.compile(
    r"^\s*+(\*\*|__)\s*+(?:Q(?:uestion)?\s*+)?(?:(\d+(?:\.\d+){0,8})\s*+[.):]\s*+)?([^*_\n][^\n]*?)(?<!\s)\s*+\1\s*+(\??)\s*+$"
)
"""A line that is all bold and asks something: '**1. What is the CAP theorem?**' (the '?' may follow)."""


def _bold_question(line: str) -> tuple[str, int | None] | None:
    m = _BOLD_Q.match(line)
    if not m:
        return None
    title = (m.group(3) + m.group(4)).strip()
    if not title.endswith("?") or "**" in title or "__" in title:
        return None
    return title, number_of(m.group(2)) if m.group(2) else None


def _bold_detect(src: SourceText) -> float:
    n = sum(1 for b in src.blocks if b.kind == "paragraph" and _bold_question(b.raw.partition("\n")[0]))
    return 0.6 if n >= 2 else 0.3 if n == 1 else 0.0


def _bold_read(src: SourceText) -> list[RawQuestion]:
    """Bold question lines start questions. Headings before the first question, and later ones no deeper
    than the last category heading, are categories; deeper headings belong to the answer."""
    out: list[RawQuestion] = []
    category = ""
    category_level = 0
    blocks = src.blocks
    start = 1 if blocks and blocks[0].kind == "heading" and blocks[0].level == 1 else 0  # the document's title
    for b in blocks[start:]:
        if b.kind == "heading" and (not out or b.level <= category_level):
            category, category_level = _clean_category(heading_text(b)), b.level
            continue
        if b.kind == "paragraph":
            first, _, rest = b.raw.partition("\n")
            hit = _bold_question(first)
            if hit is not None:
                rq = RawQuestion(title=hit[0], line=b.line, number=hit[1], category=category)
                if rest.strip():
                    rq.answer_md = rest.strip()
                out.append(rq)
                continue
        if out:
            out[-1].blocks.append(b)
    for rq in out:
        _take_ask(rq)
    return out


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
            elif (_bold_question(first) or first.rstrip().endswith("?")) and any(
                line.strip() for line in src.lines[s + 1 : e]
            ):
                found.append((b, s, e))
    return found


def _list_cards_detect(src: SourceText) -> float:
    n = len(_question_items(src))
    if n < 2:
        return 0.0
    # Only when list items carry more of the questions than headings or bold lines do.
    heads = sum(1 for b in src.blocks if b.kind == "heading" and is_prompt(heading_text(b)))
    bold = sum(1 for b in src.blocks if b.kind == "paragraph" and _bold_question(b.raw.partition("\n")[0]))
    return 0.75 if n > max(heads, bold) else 0.0


def _list_cards_read(src: SourceText) -> list[RawQuestion]:
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
            category = _clean_category(heading_text(b))
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
                bold = _bold_question(first)
                rq.title = bold[0] if bold else first.strip()
                rq.answer_md = "\n".join(body).strip()
            _take_ask(rq)
            out.append(rq)
    return out


# -- question/answer tables --------------------------------------------------

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


def _table_detect(src: SourceText) -> float:
    rows = sum(len(table_rows(b)[1]) for b, *_ in _qa_tables(src))
    return 0.8 if rows >= 2 else 0.4 if rows == 1 else 0.0


def _table_read(src: SourceText) -> list[RawQuestion]:
    """One question per row: the question cell is the title, the answer cell (``<br>`` as line breaks) the answer."""
    out: list[RawQuestion] = []
    tables = {id(b): (qi, ai, ni) for b, qi, ai, ni in _qa_tables(src)}
    category = ""
    for b in src.blocks:
        if b.kind == "heading":
            category = _clean_category(heading_text(b))
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


# -- details / Q: A: / front matter -----------------------------------------


def _details_detect(src: SourceText) -> float:
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


def _details_read(src: SourceText) -> list[RawQuestion]:
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
            category = _clean_category(headings[above - 1][1])
        title = _TAG.sub("", m.group(1)).strip()
        title = _SUMMARY_NUMBER.sub("", title).strip("* ")
        rq = RawQuestion(title=title, line=first + 1, category=category)
        blocks = _body_blocks(src, starts, m.end(), body_end, line_of)
        if blocks is None:
            rq.answer_md = text[m.end() : body_end].strip()
        else:
            rq.blocks = blocks
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


Q_MARK = re.compile(r"^\s*+(?:\*\*)?Q\s*+\d*+\s*+[:.]")
A_MARK = re.compile(r"(?m)^[^\S\n]*+(?:\*\*)?A\s*+[:.]")


def _qa_marker_detect(src: SourceText) -> float:
    paragraphs = [b.raw for b in src.blocks if b.kind == "paragraph"]
    q = sum(1 for raw in paragraphs if Q_MARK.match(raw))
    a = sum(1 for raw in paragraphs if "A" in raw and A_MARK.search(raw))
    return 0.85 if q >= 2 and a >= 2 else 0.6 if q and a else 0.0


Q_LINE = re.compile(r"^\s*+(?:\*\*)?Q\s*+(\d*+)\s*+[:.]\s*+(?:\*\*)?\s*+(.*)$")
A_REST = re.compile(r"(?ms)^[^\S\n]*+(?:\*\*)?A\s*+[:.]\s*+(?:\*\*)?\s*+(.*)$")
A_START = re.compile(r"^\s*+(?:\*\*)?A\s*+[:.]\s*+(?:\*\*)?\s*+")


def _qa_marker_read(src: SourceText) -> list[RawQuestion]:
    out: list[RawQuestion] = []
    category = ""
    for b in src.blocks:
        if b.kind == "heading":
            category = _clean_category(heading_text(b))
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
                elif rest.strip():
                    rq.title = (title + " " + rest.strip()).strip()
                out.append(rq)
                continue
            am = A_START.match(b.raw)
            if am and out:
                out[-1].answer_md = ((out[-1].answer_md or "") + "\n\n" + b.raw[am.end() :]).strip()
                continue
        if out:
            out[-1].blocks.append(b)
    return out


FRONT = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.S)
MAX_FRONT_MATTER = 64_000
"""Front matter longer than this is not read as metadata."""


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases ('*name'): a few bytes of nested aliases expand to gigabytes
    as soon as the values are turned into text, and front matter has no use for them."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases are not read in front matter", event.start_mark
            )
        return super().compose_node(parent, index)


def load_front_matter(text: str) -> object:
    """The YAML of a front-matter block, read safely: no aliases, no tags beyond plain data, bounded size and
    nesting. yaml.YAMLError when it cannot be read that way."""
    if len(text) > MAX_FRONT_MATTER:
        raise yaml.YAMLError(f"front matter over {MAX_FRONT_MATTER // 1000} KB")
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506  (a SafeLoader subclass)
    except (RecursionError, MemoryError):
        raise yaml.YAMLError("front matter nested too deeply") from None


def _front_detect(src: SourceText) -> float:
    m = FRONT.match(src.text)
    if not m:
        return 0.0
    try:
        meta = load_front_matter(m.group(1))
    except yaml.YAMLError:
        return 0.0
    return 0.95 if isinstance(meta, dict) and ("title" in meta or "question" in meta) else 0.0


def _front_read(src: SourceText) -> list[RawQuestion]:
    m = FRONT.match(src.text)
    assert m is not None
    try:
        meta = load_front_matter(m.group(1))
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):  # forced with --dialect on a file whose front matter is not a mapping
        meta = {}
    body_start = src.text.count("\n", 0, m.end())
    title = str(meta.get("question") or meta.get("title") or "").strip()
    blocks = [b for b in src.blocks if b.start >= body_start]
    if blocks and blocks[0].kind == "heading" and heading_text(blocks[0]).strip().lower() == title.lower():
        blocks = blocks[1:]
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    rq = RawQuestion(title=title, line=1, category=str(meta.get("category") or meta.get("topic") or ""), blocks=blocks)
    rq.meta = {k: str(v) for k, v in meta.items() if isinstance(v, str | int | float)}
    rq.meta["tags"] = ",".join(str(t) for t in tags)
    return [rq]


def _register_builtin() -> None:
    register_reader(
        "house",
        "archqa's house format (### Q1: ... with **Difficulty**, **Answer**)",
        _house_detect,
        _house_read,
        1.0,
    )
    register_reader(
        "front-matter",
        "one article per file with YAML front matter (title/question, tags)",
        _front_detect,
        _front_read,
        0.95,
    )
    register_reader(
        "details",
        "<details><summary>question</summary> answer </details> collapsibles",
        _details_detect,
        _details_read,
        0.9,
    )
    register_reader("qa-markers", "Q: / A: marker paragraphs", _qa_marker_detect, _qa_marker_read, 0.85)
    register_reader(
        "qa-headings",
        "'Q41:' / 'Question 801:' headings (and Q44-45 ranges) under categories",
        _qa_heading_detect,
        _qa_heading_read,
        0.8,
    )
    register_reader(
        "sections",
        "'QUESTION 11: title' headings with sub-sections such as 'The Ask'",
        _sections_detect,
        _sections_read,
        0.85,
    )
    register_reader(
        "numbered",
        "numbered question headings ('## 1. How do you ...?') with bold-label sections",
        _numbered_detect,
        _numbered_read,
        0.7,
    )
    register_reader(
        "qa-table",
        "tables with a Question column and an Answer column, one question per row",
        _table_detect,
        _table_read,
        0.8,
    )
    register_reader(
        "list-cards",
        "list items holding a question and its answer ('1. ### What is ...', '1. **What is ...?**')",
        _list_cards_detect,
        _list_cards_read,
        0.75,
    )
    register_reader(
        "bold-questions",
        "bold question lines ('**1. What is ...?**') followed by the answer, under category headings",
        _bold_detect,
        _bold_read,
        0.6,
    )
    register_reader(
        "cards",
        "a heading per card: the heading is the question, the body the answer",
        _cards_detect,
        _cards_read,
        0.5,
    )
