"""Read the house Markdown format (see docs/house-format.md): the document's structure.

Title, contents, topic areas, topics, questions and the sections about the set (references, the validation
report) are recognised here, from the headings; the fields inside them are read by ``archqa.formats.house_fields``.
The writer is ``archqa.formats.house_write``; both build on ``archqa.formats.blueprint``.
"""

from __future__ import annotations

import re
from pathlib import Path

from archqa.errors import InputError
from archqa.formats.blocks import Block
from archqa.formats.blueprint import format_blueprint, parse_blueprint
from archqa.formats.house_doc import ParsedDocument, QuestionLines
from archqa.formats.house_fields import FieldReader
from archqa.formats.house_write import (
    ordered_topics,
    question_anchor,
    topic_heading,
    topic_table,
    write_question,
    write_set,
)
from archqa.formats.source import decode
from archqa.limits import read_document_bytes
from archqa.model import Provenance, Question, QuestionSet, Topic

QUESTION_HEADING = re.compile(r"^(?:(?:Q|Question\s*+)(\d++)\s*+[:.)\-–]\s*+(.+)|(\d++)[.)]\s++(.+\?))$", re.I)
TOPIC_HEADING = re.compile(r"^Topic\s++\d++\s*+[:.\-–]\s*+(.+)$", re.I)
ABOUT_SET = re.compile(
    r"\b(?:validation|summary|self[- ]assessment|report|statistics|quality (?:report|metrics|checks?|score|assessment)|"
    r"coverage (?:analysis|report))\b",
    re.I,
)
"""A heading about the set itself (its report or summary): at a question's level or above it ends the question."""
NOT_TOPIC = re.compile(
    r"\b(?:how to|introduction|about|notes?|conclusions?|appendix|preface|(?:key )?takeaways|next steps|"
    r"further reading|reading list|legend|faq|resources|cheat ?sheet|quality|checklist)\b",
    re.I,
)
"""A level-1/2 heading that is not a topic, though no question follows it."""


class _Reader(FieldReader):
    """Walks the blocks in order: headings decide where the reader is, the rest is fields."""

    def run(self) -> ParsedDocument:
        for b in self.blocks:
            if b.kind == "heading":
                self._heading(b)
            elif b.kind == "fence" or b.kind == "code_block":
                self._fence(b)
            elif b.kind == "table":
                self._table(b)
            elif b.kind == "paragraph":
                self._paragraph(b)
            elif b.kind in ("bullet_list", "ordered_list"):
                self._list(b)
            elif b.kind == "html_block":
                self._html(b)
            elif b.kind == "hr":
                if self.q is not None:
                    self.field = None
            elif b.kind == "blockquote":
                self._other(b)
        self._close_question(len(self.lines))
        s = self.doc.set
        s.topics = self.topics
        s.questions = self.questions
        self._resolve_related()
        if self.report_start is not None:
            body = self.lines[self.report_start : self.report_end or len(self.lines)]
            while body and body[-1].strip() in ("", "---"):
                body.pop()
            s.report = "\n".join(body).strip()
        return self.doc

    def _heading(self, b: Block) -> None:
        text = (
            self.lines[b.start].strip().lstrip("#").strip().rstrip("#").strip()
            if b.tokens[0].markup.startswith("#")
            else b.inline.strip()
        )
        self.doc.headings.append((b.line, b.level, text))
        self._prose(b.line, text)
        lvl = b.level
        low = text.lower()
        qm = QUESTION_HEADING.match(text)
        if lvl == 1 and not self.title_seen and not qm:
            self.title_seen = True
            self.doc.set.title = text
            self._close_question(b.start)
            self.section = "title"
            return
        if not qm and 2 < lvl <= self.q_level and self.q is not None and ABOUT_SET.search(low):
            # A report or summary placed after the last question is about the set, not part of that question.
            self._close_question(b.start)
            self.section = "report"
            if low.startswith("validation report") and self.report_start is None:
                self.doc.report_line = b.line
                self.report_start = b.end
            return
        if lvl <= 2 and not qm:
            self._close_question(b.start)
            self.pending_topic = ""
            if self.section == "report" and self.report_end is None:
                self.report_end = b.start
            self.sub = ""
            if "contents" in low and len(low) < 30:
                self.section = "contents"
            elif low.startswith("topic area"):
                self.section = "topic_areas"
            elif low.startswith("references"):
                self.section = "references"
            elif low.startswith("validation report"):
                self.section = "report"
                self.doc.report_line = b.line
                self.report_start = b.end
                self.report_end = None
            elif any(low.startswith(k) for k in ("glossary", "bibliography", "tools")):
                self.section = "references"
                self.sub = low.split()[0]
                self.doc.ref_headings[self.sub] = (b.line, text)
            elif not TOPIC_HEADING.match(text) and (ABOUT_SET.search(low) or NOT_TOPIC.search(low)):
                # Not a topic unless a question follows it.
                self.section = "report" if ABOUT_SET.search(low) else "notes"
                self.pending_topic = text
                self.pending_line = b.line
            else:
                self.section = "topic"
                tm = TOPIC_HEADING.match(text)
                self.topic = tm.group(1).strip() if tm else text
                self.topics.append(Topic(name=self.topic))
                self.doc.topic_lines[self.topic] = b.line
            return
        if self.section == "references" and not qm:
            self.sub = low.split()[0] if low else ""
            self.doc.ref_headings[self.sub] = (b.line, text)
            return
        if qm:
            self._close_question(b.start)
            if self.section != "topic":
                self.section = "topic"
                if self.pending_topic:
                    self.topic = self.pending_topic
                    self.topics.append(Topic(name=self.topic))
                    self.doc.topic_lines[self.topic] = self.pending_line
                elif not self.topics:
                    self.topic = self.topic or "General"
                    self.topics.append(Topic(name=self.topic))
            title = (qm.group(2) or qm.group(4)).strip()
            self.q = Question(
                id="",
                number=int(qm.group(1) or qm.group(3)),
                title=title,
                topic=self.topic,
                provenance=Provenance(file=self.path, line=b.line),
            )
            self.ql = QuestionLines(heading=b.line)
            self.q_level = lvl
            self.questions.append(self.q)
            self.doc.qlines.append(self.ql)
            self.doc.related_raw.append([])
            self.field = None
            return
        # Any other heading inside a question ends its current field.
        if self.q is not None:
            self.field = "other"


def read_text_document(
    text: str, path: str = "<string>", parsed: tuple[list[str], list[Block]] | None = None
) -> ParsedDocument:
    """Parse house-format Markdown text (already decoded); ``parsed`` reuses a ``parse_blocks`` result of it."""
    doc = _Reader(text, path, parsed).run()
    _check_truncation(doc)
    return doc


def read_document(path: str | Path) -> ParsedDocument:
    """Read a house-format file; raise InputError for unreadable or empty input.

    Only a regular file of at most ``archqa.limits.MAX_FILE_BYTES`` is read (a FIFO or a device is refused).
    """
    p = str(path)
    doc = read_text_document(decode(read_document_bytes(path), p), p)
    if not doc.set.questions:
        raise no_questions(p)
    return doc


def no_questions(path: str) -> InputError:
    """The error for a document in which the house reader found no question."""
    return InputError(
        path,
        None,
        "no questions found",
        "questions are headings like '### Q1: ...'; see docs/house-format.md",
    )


def read_set(path: str | Path) -> QuestionSet:
    """Read a house-format file into a QuestionSet."""
    return read_document(path).set


def _check_truncation(doc: ParsedDocument) -> None:
    for f in doc.fences:
        if not f.closed:
            raise InputError(
                doc.path,
                f.line,
                "this code fence is never closed, so the document looks truncated",
                "close the fence with a line of ``` or restore the missing end of the file",
            )


__all__ = [
    "ParsedDocument",
    "format_blueprint",
    "ordered_topics",
    "parse_blueprint",
    "question_anchor",
    "read_document",
    "read_set",
    "read_text_document",
    "topic_heading",
    "topic_table",
    "write_question",
    "write_set",
]
