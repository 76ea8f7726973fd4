"""Reading the house format's fields: labelled paragraphs, metadata, lists, tables, code and references.

The structure (title, topics, questions, sections) is read by ``archqa.formats.house``, which builds on
``FieldReader`` and calls these methods for each block inside a question or a references section.
"""

from __future__ import annotations

import re

from archqa.formats.blocks import Block, list_items, looks_like_prose, parse_blocks, table_rows
from archqa.formats.blueprint import parse_blueprint
from archqa.formats.house_doc import FenceInfo, ParsedDocument, Prose, QuestionLines, TableInfo
from archqa.model import (
    BibEntry,
    CodeExample,
    Diagram,
    Difficulty,
    GlossaryEntry,
    MetricRow,
    Provenance,
    Question,
    QuestionSet,
    Tool,
    Topic,
    TradeOffRow,
    stable_id,
)

LABEL = re.compile(r"^\s*+\*\*([A-Za-z][A-Za-z &/\-]*?)(?<!\s)\s*+:?\*\*\s*+:?\s*+")
SOURCE_COMMENT = re.compile(r"<!--\s*+archqa:source\s++(.{1,2000}):(\d++)\s*+-->")
META_SPLIT = re.compile(r"(?<!\s)\s++\|\s++(?=\*\*)")
RELATED_TAIL = re.compile(r"(?<!\s)\s*+Related:\s*+(.+)$")
LANG_TAG_TAIL = re.compile(r"(?<!\s)\s*+\[[A-Z]{2}\]$")
LANG_TAG_HEAD = re.compile(r"^\[[A-Z]{2}\]\s*+[–—:-]?\s*+")
HEAD_DASH = re.compile(r"^\s*+[–—:-]\s*+")
HEAD_BODY = re.compile(r"^(.+?)(?<!\s)\s++[–—-]\s++(.*)$")
RELATED_REF = re.compile(r"\[Q(\d++)\]\([^()]*+\)|`([^`]++)`|\bQ(\d++)\b")
r"""Patterns are written so that none backtracks over a run of spaces: a whitespace run is matched
possessively (``\s*+``) and only from its start (``(?<!\s)``)."""
DIAGRAM_KINDS = {"mermaid"}
SQL_DIALECT_WORDS = {"postgresql", "postgres", "sqlite", "mysql", "plpgsql"}
ANCHOR = re.compile(r"<a\s++(?:name|id)\s*+=\s*+[\"']?[\w.:-]{1,200}[\"']?\s*+/?>(?:\s*+</a>)?", re.I)
"""An HTML anchor some banks put before each heading ('<a name="q2"></a>'): a link target, not answer text."""
FIELD_ALIASES = {
    "id": "id",
    "difficulty": "difficulty",
    "level": "difficulty",
    "type": "type",
    "tags": "tags",
    "key insight": "key_insight",
    "insight": "key_insight",
    "tl;dr": "key_insight",
    "answer": "answer",
    "key points": "key_points",
    "rubric": "key_points",
    "implementation": "code",
    "code": "code",
    "example": "code",
    "code example": "code",
    "diagram": "diagram",
    "architecture diagram": "diagram",
    "metrics": "metrics",
    "trade-offs": "tradeoffs",
    "tradeoffs": "tradeoffs",
    "trade offs": "tradeoffs",
    "related": "related",
    "related questions": "related",
    "follow-ups": "follow_ups",
    "follow ups": "follow_ups",
    "followups": "follow_ups",
    "follow-up questions": "follow_ups",
    "follow-up": "follow_ups",
    "level signals": "level_signals",
    "levels": "level_signals",
    "overview": "overview",
    "blueprint": "blueprint",
    "total": "total",
}


SECTION_ALIASES = {
    "requirements": "requirements",
    "functional and non-functional requirements": "requirements",
    "estimation": "estimation",
    "estimates": "estimation",
    "back-of-the-envelope estimate": "estimation",
    "back-of-the-envelope estimation": "estimation",
    "capacity estimate": "estimation",
    "api": "api",
    "entities and api": "api",
    "core entities and api": "api",
    "data model": "data_model",
    "high-level design": "high_level_design",
    "high level design": "high_level_design",
    "deep dives": "deep_dives",
    "deep dive": "deep_dives",
    "scaling": "scaling",
    "bottlenecks and scaling": "scaling",
    "bottlenecks": "scaling",
}
"""Labels of a case study's sections (read as sections only in a question of type Case study)."""
FOLLOW_UP_KP = re.compile(r"^[(\[]\s*+(?:kp|key\s++point)\s*+#?(\d{1,3})\s*+[)\]]\s*+[:–—-]?\s*+", re.I)
LEVELS = {
    "mid": "mid",
    "mid-level": "mid",
    "senior": "senior",
    "staff": "staff",
    "staff+": "staff",
    "principal": "staff",
}


def source_text(key: str, rest: str) -> str:
    """A labelled paragraph written back as ``**Label**: rest`` (the label of an ``other:`` key)."""
    return f"**{key.split(':', 1)[1]}**: {rest.strip()}"


def _label(text: str) -> tuple[str | None, str]:
    m = LABEL.match(text)
    if not m:
        return None, text
    name = m.group(1).strip().lower()
    return FIELD_ALIASES.get(name, "other:" + m.group(1).strip()), text[m.end() :]


def _meta_parts(text: str) -> list[tuple[str, str]]:
    """Split ``**ID**: x | **Difficulty**: y`` into (field, value) pairs."""
    parts = []
    for seg in META_SPLIT.split(text.strip()):
        key, rest = _label(seg)
        if key:
            parts.append((key, rest.strip()))
    return parts


def _backticks(text: str) -> list[str]:
    found = re.findall(r"`([^`]+)`", text)
    if found:
        return [x.strip() for x in found]
    return [x.strip() for x in re.split(r"[,;]", text) if x.strip()]


_URL_ANGLE = re.compile(r"<(https?://[^<>]++)>\s*+$")
_URL_BRACKET = re.compile(r"\[([^\[\]\s]++)\]\s*+$")
_URL_START = re.compile(r"https?://\S")


def _tool_url(body: str) -> tuple[str, int] | None:
    """A tool entry's URL at the end of its text ('<https://...>', '[https://...]' or a bare URL) and where it
    starts, or None. Only the last word is looked at, so a line of many 'http://' is read in one pass."""
    m = _URL_ANGLE.search(body) or _URL_BRACKET.search(body)
    if m:
        return m.group(1), m.start()
    stripped = body.rstrip()
    cut = len(stripped)
    while cut and not stripped[cut - 1].isspace():
        cut -= 1
    last = stripped[cut:]
    m = _URL_START.search(last)
    if m is None:
        return None
    return last[m.start() :], cut + m.start()


def _bib_entries(raw: str, prefix: str) -> list[tuple[int, str, str]]:
    """(line offset, id, rest) of each ``**X1.** ...`` entry in a references block."""
    out: list[tuple[int, str, str]] = []
    pat = re.compile(r"^\s*+(?:[-*+]\s++)?\*\*\[?(" + prefix + r"\d++)\]?\.?(.*?)\*\*\s*+(.*)$")
    for off, line in enumerate(raw.split("\n")):
        m = pat.match(line)
        if m:
            head = m.group(2).strip().rstrip(".:").strip()
            rest = m.group(3).rstrip()
            out.append((off, m.group(1), (head + "\x00" + rest) if head else rest))
        elif out and line.strip():
            o, i, r = out[-1]
            out[-1] = (o, i, r + " " + line.strip())
    return out


def _split_head(rest: str) -> tuple[str, str]:
    if "\x00" in rest:
        head, body = rest.split("\x00", 1)
        return head.strip(), HEAD_DASH.sub("", body).strip()
    m = HEAD_BODY.match(rest)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return rest.strip(), ""


class FieldReader:
    """The reading state of one document and how a block inside a question or references section is read."""

    def __init__(self, text: str, path: str, parsed: tuple[list[str], list[Block]] | None = None) -> None:
        self.path = path
        self.lines, self.blocks = parsed if parsed is not None else parse_blocks(text)
        self.doc = ParsedDocument(path=path, text=text, lines=self.lines, set=QuestionSet())
        self.section = ""
        self.topic: str = ""
        self.sub = ""
        self.q: Question | None = None
        self.ql: QuestionLines | None = None
        self.q_level = 0
        self.pending_topic = ""
        self.pending_line = 0
        self.field: str | None = None
        self.questions: list[Question] = []
        self.topics: list[Topic] = []
        self.title_seen = False
        self.report_start: int | None = None
        self.report_end: int | None = None

    # -- helpers -------------------------------------------------------
    def _prose(self, line: int, text: str) -> None:
        qi = len(self.questions) - 1 if self.q is not None else None
        self.doc.prose.append(Prose(line, text, self.section, qi))

    def _close_question(self, end: int) -> None:
        if self.q is not None and self.ql is not None:
            self.ql.end = end
        self.q = None
        self.ql = None
        self.field = None

    # -- main loop -----------------------------------------------------

    def _html(self, b: Block) -> None:
        m = SOURCE_COMMENT.search(b.raw)
        if m and self.q is not None:
            self.q.provenance = Provenance(file=m.group(1).strip(), line=int(m.group(2)))
        elif self.q is not None and self.field == "answer" and not ANCHOR.fullmatch(b.raw.strip()):
            self.q.answer = (self.q.answer + "\n\n" + b.raw).strip()

    def _fence(self, b: Block) -> None:
        words = b.fence_info.split() if b.fence_info else []
        info = words[0] if words else ""
        if info.lower() == "sql" and len(words) > 1 and words[1].lower() in SQL_DIALECT_WORDS:
            info = words[1]  # '```sql postgresql': SQL in PostgreSQL's dialect
        content = b.tokens[0].content
        if content.endswith("\n"):
            content = content[:-1]
        qi = len(self.questions) - 1 if self.q is not None else None
        self.doc.fences.append(FenceInfo(b.line, b.end, info, content, b.fence_closed, qi))
        if self.q is None or self.ql is None:
            return
        if not info and self.field == "answer" and not self.q.answer and looks_like_prose(content):
            # '**Answer**:' over an untagged fence of sentences: the answer, kept verbatim (as import keeps it)
            self.q.answer = b.raw if b.fence_closed else b.raw + "\n" + b.tokens[0].markup
            return
        if info.lower() in DIAGRAM_KINDS or (self.field == "diagram" and not info):
            self.q.diagrams.append(Diagram(kind=info.lower() or "text", source=content))
            self.ql.diagrams.append(b.line)
        else:
            self.q.code.append(CodeExample(language=info, code=content))
            self.ql.code.append(b.line)

    def _table(self, b: Block) -> None:
        qi = len(self.questions) - 1 if self.q is not None else None
        label = self.field or self.section
        info = TableInfo(b, qi, label)
        self.doc.tables.append(info)
        header, rows = table_rows(b)
        for line, cells in rows:
            self._prose(line, " ".join(cells))
        if self.section == "topic_areas" and self.q is None:
            self.doc.topic_table = info
            return
        if self.q is None:
            return
        low = [h.lower() for h in header]
        if self.field == "metrics" or (low[:1] == ["metric"]):
            for _, cells in rows:
                cells = (cells + ["", "", ""])[:3]
                self.q.metrics.append(MetricRow(metric=cells[0], formula=cells[1], target=cells[2]))
        elif self.field == "tradeoffs" or (low[:1] == ["approach"]):
            for _, cells in rows:
                cells = (cells + ["", "", "", ""])[:4]
                self.q.tradeoffs.append(TradeOffRow(approach=cells[0], pros=cells[1], cons=cells[2], use_when=cells[3]))
        elif self.field == "answer":
            self.q.answer = (self.q.answer + "\n\n" + b.raw).strip()
        elif self.field is not None and self.field.startswith("section:"):
            self._section_text(b.raw)

    def _list(self, b: Block) -> None:
        items = list_items(b)
        for line, text in items:
            self._prose(line, text)
        if self.section == "contents":
            for line, text in items:
                m = re.match(r"\[([^\]]+)\]\(#([^)]*)\)", text)
                if m:
                    self.doc.contents.append((line, m.group(1), m.group(2)))
            return
        if self.section == "references":
            self._references(b)
            return
        if self.q is None or self.ql is None:
            return
        if self.field == "key_points":
            self.q.key_points.extend(t for _, t in items)
        elif self.field == "follow_ups":
            for _, t in items:
                self._follow_up(t)
        elif self.field == "level_signals":
            for _, t in items:
                self._level(t)
        elif self.field is not None and self.field.startswith("section:"):
            self._section_text(b.raw)
        elif self.field == "related":
            for line, t in items:
                self._related(t, line)
        elif self.field in ("answer", "key_insight"):
            self.q.answer = (self.q.answer + "\n\n" + b.raw).strip()
        elif self.field is None or self.field.startswith("other"):
            self.q.answer = (self.q.answer + "\n\n" + b.raw).strip() if self.q.answer else self.q.answer

    def _other(self, b: Block) -> None:
        self._prose(b.line, b.raw)
        if self.q is not None and self.field == "answer":
            self.q.answer = (self.q.answer + "\n\n" + b.raw).strip()
        elif self.q is not None and self.field is not None and self.field.startswith("section:"):
            self._section_text(b.raw)

    def _follow_up(self, text: str) -> None:
        from archqa.model import FollowUp

        assert self.q is not None
        text = text.strip()
        m = FOLLOW_UP_KP.match(text)
        if m:
            self.q.follow_ups.append(FollowUp(key_point=int(m.group(1)), question=text[m.end() :].strip()))
        elif text:
            self.q.follow_ups.append(FollowUp(key_point=0, question=text))

    def _level(self, text: str) -> None:
        from archqa.model import LevelSignals

        assert self.q is not None
        key, rest = _label(text)
        level = LEVELS.get(key.split(":", 1)[1].strip().lower(), "") if key and key.startswith("other:") else ""
        if not level:
            return
        if self.q.level_signals is None:
            self.q.level_signals = LevelSignals()
        setattr(self.q.level_signals, level, rest.strip())

    def _section_text(self, raw: str) -> None:
        from archqa.model import Section

        assert self.q is not None and self.field is not None
        name = self.field.split(":", 1)[1]
        if self.q.sections and self.q.sections[-1].name == name:
            last = self.q.sections[-1]
            last.text = (last.text + "\n\n" + raw.strip()).strip()
        else:
            self.q.sections.append(Section(name=name, text=raw.strip()))

    def _related(self, text: str, line: int) -> None:
        assert self.q is not None
        raw = self.doc.related_raw[-1]
        for m in RELATED_REF.finditer(text):
            if m.group(2):
                raw.append((m.group(2).strip(), line))
            else:
                raw.append(("#" + (m.group(1) or m.group(3)), line))

    def _references(self, b: Block) -> None:
        raw = b.raw if b.kind == "paragraph" else "\n".join(self.lines[b.start : b.end])
        sub = self.sub
        s = self.doc.set
        if sub.startswith("gloss"):
            for off, gid, rest in _bib_entries(raw, "G"):
                term, body = _split_head(rest)
                related: list[str] = []
                m = RELATED_TAIL.search(body)
                if m:
                    related = [x.strip() for x in m.group(1).split(",") if x.strip()]
                    body = body[: m.start()].rstrip()
                term = LANG_TAG_TAIL.sub("", term)
                body = LANG_TAG_HEAD.sub("", body)
                s.glossary.append(GlossaryEntry(id=gid, term=term, definition=body, related=related))
                self.doc.ref_lines.setdefault(gid, b.line + off)
                self.doc.ref_entries.append((gid, b.line + off))
        elif sub.startswith("biblio") or sub.startswith("sources") or sub.startswith("further"):
            for off, aid, rest in _bib_entries(raw, "[A-FH-SU-Z]"):
                text = rest.replace("\x00", " ").strip() if not rest.startswith("\x00") else rest[1:].strip()
                s.bibliography.append(BibEntry(id=aid, text=text))
                self.doc.ref_lines.setdefault(aid, b.line + off)
                self.doc.ref_entries.append((aid, b.line + off))
        elif sub.startswith("tool"):
            for off, tid, rest in _bib_entries(raw, "T"):
                name, body = _split_head(rest)
                url = ""
                found = _tool_url(body)
                if found:
                    url, cut = found
                    body = body[:cut].rstrip()
                s.tools.append(Tool(id=tid, name=name, description=body, url=url))
                self.doc.ref_lines.setdefault(tid, b.line + off)
                self.doc.ref_entries.append((tid, b.line + off))

    def _paragraph(self, b: Block) -> None:
        raw = b.raw
        if self.section == "references":
            self._prose(b.line, raw)
            self._references(b)
            return
        if self.q is None or self.ql is None:
            self._prose(b.line, raw)
            key, rest = _label(raw)
            if key == "blueprint":
                try:
                    self.doc.set.blueprint = parse_blueprint(rest)
                except (ValueError, TypeError):
                    pass
            elif key == "overview" and self.section == "topic" and self.topics:
                self.topics[-1].overview = rest.strip()
            return
        self._question_paragraph(b, raw)

    def _question_paragraph(self, b: Block, raw: str) -> None:
        q, ql = self.q, self.ql
        assert q is not None and ql is not None
        if "<a" in raw and ANCHOR.fullmatch(raw.strip()):
            return  # a link target before the next heading, not answer text
        segments: list[tuple[int, str | None, str]] = []
        for off, source_line in enumerate(raw.split("\n")):
            key, rest = _label(source_line)
            if key is not None:
                segments.append((b.line + off, key, rest))
            elif segments:
                ln, k, r = segments[-1]
                segments[-1] = (ln, k, r + "\n" + source_line)
            else:
                segments.append((b.line + off, None, source_line))
        for line, key, rest in segments:
            self._prose(line, rest if key else rest)
            if key is None:
                self._continue(rest.strip())
                continue
            if " | **" in rest or key in ("id", "difficulty", "type", "tags"):
                pairs = (
                    [(key, rest.split(" | **")[0].strip())] + _meta_parts("**" + rest.split(" | **", 1)[1])
                    if " | **" in rest
                    else [(key, rest.strip())]
                )
                for k, v in pairs:
                    self._meta(k, v, line)
                continue
            if key.startswith("other:"):
                label = key.split(":", 1)[1].strip().lower()
                if self.field == "level_signals" and label in LEVELS:
                    self._level(source_text(key, rest))
                    continue
                if q.is_case_study and label in SECTION_ALIASES:
                    key = "section:" + SECTION_ALIASES[label]
            self.field = key
            ql.fields.setdefault(key, line)
            value = rest.strip()
            if key.startswith("section:"):
                if value:
                    self._section_text(value)
                continue
            if key == "key_insight":
                q.key_insight = (q.key_insight + " " + value).strip() if q.key_insight else value
            elif key == "answer":
                q.answer = (q.answer + "\n\n" + value).strip() if q.answer else value
            elif key == "related":
                self._related(value, line)
            elif key == "key_points" and value:
                q.key_points.append(value)
            elif key == "follow_ups" and value:
                self._follow_up(value)
            elif key.startswith("other") and value:
                label = key.split(":", 1)[1]
                q.answer = (q.answer + f"\n\n**{label}**: {value}").strip()
                self.field = "answer"

    def _meta(self, key: str, value: str, line: int) -> None:
        q, ql = self.q, self.ql
        assert q is not None and ql is not None
        ql.fields.setdefault(key, line)
        if key == "id":
            q.id = value.strip("` ")
        elif key == "difficulty":
            q.difficulty = Difficulty.parse(value.strip("* "))
            if q.difficulty is None:
                ql.fields["difficulty_bad"] = line
        elif key == "type":
            q.type = value.strip()
        elif key == "tags":
            q.tags = _backticks(value)
        else:
            self.field = key

    def _continue(self, text: str) -> None:
        q = self.q
        assert q is not None
        if not text:
            return
        if self.field == "answer" or self.field is None:
            q.answer = (q.answer + "\n\n" + text).strip() if q.answer else text
            self.field = "answer"
        elif self.field == "key_insight":
            q.key_insight = (q.key_insight + "\n\n" + text).strip()
        elif self.field == "related":
            self._related(text, 0)
        elif self.field == "key_points":
            q.key_points.append(text)
        elif self.field == "follow_ups" and q.follow_ups:
            q.follow_ups[-1].question = (q.follow_ups[-1].question + " " + text).strip()
        elif self.field is not None and self.field.startswith("section:"):
            self._section_text(text)

    def _resolve_related(self) -> None:
        by_number: dict[int, list[Question]] = {}
        for q in self.questions:
            by_number.setdefault(q.number, []).append(q)
        for q in self.questions:
            if not q.id:
                q.id = stable_id(q.title)
        for q, raw in zip(self.questions, self.doc.related_raw):
            for ref, _line in raw:
                if ref.startswith("#"):
                    hits = by_number.get(int(ref[1:]), [])
                    q.related.append(hits[0].id if len(hits) == 1 else "Q" + ref[1:])
                else:
                    q.related.append(ref)
