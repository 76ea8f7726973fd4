"""Import stage 3: choose the readers for a parsed file, per part of it, and say what no reader explained.

A file is cut into parts at its top-level headings (the level of its sections; a lone title above them does
not count). Every reader that recognises something reads the whole file once; then each part takes the
reading that finds the most questions in it (a question is a title that asks something, or one a reader is
sure of by its markup: a ``Q1:`` heading, a ``<details>`` summary, a table row); on a tie, the reader that
finds most questions in the whole file, then the one that explains most of the part's lines, then the most
confident reader. The parts' readings are combined in file order. A part where no title asks anything is
skipped when other parts of the file ask (it is a reference list or notes); a file where nothing asks (a deck
of term cards) is read all the same.

YAML front matter is metadata for every question of the file; the body is read like any other file, and the
whole file is one article only when the front matter names its question (see ``_one_article``).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import yaml

from archqa.errors import ArchqaError, InputError
from archqa.formats.blocks import Block, list_item_ranges
from archqa.formats.frontmatter import FRONT, load_front_matter
from archqa.formats.readers import RawQuestion, Reader, SourceText, readers
from archqa.formats.readers.common import ANSWER_HEADING, SURE_BY_MARKUP, bold_question, heading_text, is_prompt

WHOLE_FILE = frozenset({"house", "front-matter"})
"""Readers that read a file as a whole: never mixed with others."""


@dataclass
class Part:
    """Lines [start, end) (0-based) of a file and the reader chosen for them."""

    start: int
    end: int
    reader: str
    questions: int
    candidates: dict[str, int] = field(default_factory=dict)


@dataclass
class Region:
    """Lines [start, end) (0-based) no reader explained, what they start with, and why they were skipped."""

    start: int
    end: int
    text: str
    reason: str


@dataclass
class Reading:
    """How a file was read: the questions, which reader read which part, and what was left or looks wrong."""

    dialect: str
    questions: list[RawQuestion] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    skipped: list[Region] = field(default_factory=list)
    lost: list[tuple[int, str]] = field(default_factory=list)
    """(1-based line, text) of lines that look like questions but are in no question."""
    warnings: list[tuple[int, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    """Front matter (plain values; 'tags' joined with commas), applied to every question."""


def front_matter(src: SourceText) -> tuple[dict[str, object] | None, int]:
    """The file's front matter as a mapping (None when it has none, or none that reads as one) and the 0-based
    line where its body starts."""
    m = FRONT.match(src.text)
    if not m:
        return None, 0
    try:
        meta = load_front_matter(m.group(1))
    except yaml.YAMLError:
        return None, 0
    if not isinstance(meta, dict):
        return None, 0
    return meta, src.text.count("\n", 0, m.end())


def _plain_meta(meta: dict[str, object]) -> dict[str, str]:
    out = {str(k): str(v) for k, v in meta.items() if isinstance(v, str | int | float)}
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    if isinstance(tags, list):
        out["tags"] = ",".join(str(t) for t in tags)
    return out


def choose(src: SourceText, dialect: str | None = None) -> Reading:
    """Read a parsed file with the reader ``--dialect`` names, or with the readers that explain it best.

    ArchqaError for an unknown dialect; InputError when no reader recognises anything.
    """
    if dialect:
        reader = readers().get(dialect)
        if reader is None:
            raise ArchqaError(f"--dialect {dialect!r} is unknown; choose from {', '.join(readers())}")
        lines = len(src.lines)
        raws = [] if reader.name == "house" else reader.read(src)
        reading = Reading(reader.name, raws, [Part(0, lines, reader.name, len(raws))])
        if reader.name != "house":
            _account(src, reading)
        return reading
    meta, body_start = front_matter(src)
    body = src if not body_start else SourceText(src.path, src.text, src.lines, _after(src.blocks, body_start))
    confidence = detect_all(body)
    conf = max(confidence.values(), default=0.0)
    if meta is not None and ("title" in meta or "question" in meta):
        conf = max(conf, 0.95)
    if conf <= 0:
        raise InputError(
            src.path,
            None,
            "no recognizable questions",
            "questions need headings, Q:/A: markers or <details> blocks; see `archqa import --help`",
        )
    if confidence.get("house", 0.0) >= 1.0:
        return Reading("house", [], [Part(0, len(src.lines), "house", 0)])
    reading = combine(body, confidence=confidence)
    if meta is not None:
        reading.meta = _plain_meta(meta)
        if _one_article(meta, len(reading.questions)):
            article = readers()["front-matter"]
            raws = article.read(src)
            reading = Reading(article.name, raws, [Part(0, len(src.lines), article.name, len(raws))])
            reading.meta = _plain_meta(meta)
    return reading


def _one_article(meta: dict[str, object], body_questions: int) -> bool:
    """Whether a file with front matter is one question: its front matter names the question, or a title
    that asks over a body with at most two questions of its own (sub-headings of the article); a title that
    does not ask ('Messaging notes') heads a body of cards."""
    if meta.get("question"):
        return body_questions <= 2
    title = str(meta.get("title") or "")
    if not title:
        return False
    return body_questions <= 1 or (body_questions <= 2 and is_prompt(title))


def _after(blocks: list[Block], line: int) -> list[Block]:
    return [b for b in blocks if b.start >= line]


def detect_all(src: SourceText, exclude: frozenset[str] = frozenset({"front-matter"})) -> dict[str, float]:
    """Each registered reader's confidence about a file (front matter is read by ``choose`` itself)."""
    return {name: r.detect(src) for name, r in readers().items() if name not in exclude}


def combine(
    src: SourceText, exclude: frozenset[str] = WHOLE_FILE, confidence: dict[str, float] | None = None
) -> Reading:
    """Read every part of a file with the reader that explains it best (see the module's docstring).

    ``confidence`` holds the readers' detection results when the caller has them already."""
    order = {name: n for n, name in enumerate(readers())}
    readings: dict[str, tuple[Reader, float, list[RawQuestion]]] = {}
    for name, r in readers().items():
        if name in exclude:
            continue
        c = confidence[name] if confidence is not None and name in confidence else r.detect(src)
        if c > 0:
            readings[name] = (r, c, [rq for rq in r.read(src) if rq.title.strip()])
    spans = {name: [_span(rq, src) for rq in raws] for name, (_, _, raws) in readings.items()}
    overall = {
        name: sum(1 for rq in raws if name in SURE_BY_MARKUP or _asks(rq)) for name, (_, _, raws) in readings.items()
    }
    reading = Reading("")
    used: list[str] = []
    parts = parts_of(src)
    part_starts = [s for s, _, _ in parts]
    by_part: dict[str, dict[int, list[tuple[RawQuestion, tuple[int, int]]]]] = {}
    for name, (_, _, raws) in readings.items():
        buckets: dict[int, list[tuple[RawQuestion, tuple[int, int]]]] = {}
        for rq, s in zip(raws, spans[name]):
            k = bisect_right(part_starts, rq.line - 1) - 1
            if k >= 0 and rq.line - 1 < parts[k][1]:
                buckets.setdefault(k, []).append((rq, s))
        by_part[name] = buckets
    for k, (start, end, head) in enumerate(parts):
        scores = []
        head_asks = head is not None and is_prompt(heading_text(head))
        for name, (_, c, _raws) in readings.items():
            found = by_part[name].get(k, [])
            if not found:
                continue
            if head_asks and head is not None and all(rq.line != head.line for rq, _ in found):
                continue  # the part's own heading asks something: a reading that skips it reads the part wrong
            good = sum(1 for rq, _ in found if name in SURE_BY_MARKUP or _asks(rq))
            covered = sum(min(e, end) - s for _, (s, e) in found)
            # ties go to the reader that finds most questions in the whole file, so a file is not mixed for nothing
            scores.append(((good, overall[name], covered, c, -order[name]), name, found))
        if not scores:
            continue
        scores.sort(key=lambda x: x[0], reverse=True)
        (good, *_), name, found = scores[0]
        if not good and any(overall.values()):
            continue  # no title here asks anything, while other parts ask: a reference or notes section
        for rq, _ in found:
            rq.blocks = [b for b in rq.blocks if b.start < end]
        reading.questions.extend(rq for rq, _ in found)
        reading.parts.append(Part(start, end, name, len(found), {n: len(f) for _, n, f in scores}))
        if name not in used:
            used.append(name)
    reading.dialect = "+".join(used) if used else "none"
    _account(src, reading)
    return reading


def parts_of(src: SourceText) -> list[tuple[int, int, Block | None]]:
    """[start, end) line ranges of the file's parts and the heading each starts with (None for the part before
    the first section heading)."""
    heads = [
        b for b in src.blocks if b.kind == "heading" and not b.setext and not ANSWER_HEADING.match(heading_text(b))
    ]
    if heads and heads[0].level == 1 and sum(1 for b in heads if b.level == 1) == 1 and len(heads) > 1:
        heads = heads[1:]  # the document's title
    end = len(src.lines)
    first = src.blocks[0].start if src.blocks else 0
    if not heads:
        return [(first, end, None)]
    top = min(b.level for b in heads)
    cuts = [b for b in heads if b.level == top]
    out: list[tuple[int, int, Block | None]] = []
    if cuts[0].start > first:
        out.append((first, cuts[0].start, None))
    for b, nxt in zip(cuts, [*cuts[1:], None]):
        out.append((b.start, nxt.start if nxt is not None else end, b))
    return out


def _asks(rq: RawQuestion) -> bool:
    return bool(rq.meta.get("ask") or rq.meta.get("asks")) or is_prompt(rq.title)


def _span(rq: RawQuestion, src: SourceText) -> tuple[int, int]:
    """0-based [start, end) lines a question covers: its title line to its last block or answer line."""
    start = rq.line - 1
    end = max(start + 1, rq.end)
    if rq.blocks:
        end = max(end, rq.blocks[-1].end)
    if rq.answer_md:
        end = max(end, start + 1 + rq.answer_md.count("\n") + 1)
    return start, min(end, len(src.lines))


def _account(src: SourceText, reading: Reading) -> None:
    """Fill the reading's skipped regions and lost questions: blocks no question covers."""
    covered = sorted(_span(rq, src) for rq in reading.questions)
    starts = [s for s, _ in covered]
    first_q = starts[0] if starts else len(src.lines)
    last_q = covered[-1][1] if covered else 0
    region: list[Block] = []

    def inside(b: Block) -> bool:
        # bisect by hand: the last question starting at or before the block
        lo, hi = 0, len(starts)
        while lo < hi:
            mid = (lo + hi) // 2
            if starts[mid] <= b.start:
                lo = mid + 1
            else:
                hi = mid
        return lo > 0 and b.start < covered[lo - 1][1]

    def close() -> None:
        if not region:
            return
        s, e = region[0].start, region[-1].end
        where = (
            "before the first question"
            if e <= first_q
            else "after the last question"
            if s >= last_q
            else "between questions, under a heading that is not a question"
        )
        reading.skipped.append(Region(s, e, _first_line(region[0]), where))
        region.clear()

    for b in src.blocks:
        if b.kind == "heading":
            close()
            if not inside(b) and _looks_like_question(b):
                reading.lost.append((b.line, heading_text(b)))
            continue
        if b.kind == "hr" or inside(b):
            close()
            continue
        region.append(b)
        for line, text in _question_lines(src, b):
            reading.lost.append((line, text))
    close()
    reading.lost.sort()


def _first_line(b: Block) -> str:
    return b.raw.strip().partition("\n")[0][:80]


def _looks_like_question(b: Block) -> bool:
    return heading_text(b).rstrip().endswith("?")


def _question_lines(src: SourceText, b: Block) -> list[tuple[int, str]]:
    """Lines of a skipped block that read as questions: a bold question, or a list item ending in '?' that
    has an answer under it."""
    if b.kind == "paragraph":
        first, _, rest = b.raw.partition("\n")
        hit = bold_question(first)
        if hit:
            return [(b.line, hit[0])]
        if not rest and len(first) < 200 and first.rstrip().endswith("?") and is_prompt(first.strip()):
            return [(b.line, first.strip())]  # a question written as a plain paragraph
        return []
    if b.kind in ("bullet_list", "ordered_list"):
        out = []
        for s, e in list_item_ranges(b):
            first = src.lines[s].strip().lstrip("-*+0123456789.) ").strip()
            if first.rstrip("*_ ").endswith("?") and any(x.strip() for x in src.lines[s + 1 : e]):
                out.append((s + 1, first.strip("*_ ")))
        return out
    return []
