"""A house-format document as read: the question set plus where each part came from (for findings)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from archqa.formats.blocks import Block, slugify
from archqa.model import QuestionSet


@dataclass
class QuestionLines:
    """1-based source lines of a question's parts, for findings."""

    heading: int
    fields: dict[str, int] = field(default_factory=dict)
    code: list[int] = field(default_factory=list)
    diagrams: list[int] = field(default_factory=list)
    end: int = 0


@dataclass
class FenceInfo:
    """A fenced block anywhere in the document."""

    line: int
    end: int
    info: str
    content: str
    closed: bool
    question: int | None


@dataclass
class TableInfo:
    """A table block and the question it belongs to (None outside questions)."""

    block: Block
    question: int | None
    label: str


@dataclass
class Prose:
    """A piece of prose (paragraph, list item, heading) with its line and section."""

    line: int
    text: str
    section: str
    question: int | None


@dataclass
class ParsedDocument:
    """A document read from Markdown: the model plus where each part came from."""

    path: str
    text: str
    lines: list[str]
    set: QuestionSet
    qlines: list[QuestionLines] = field(default_factory=list)
    fences: list[FenceInfo] = field(default_factory=list)
    tables: list[TableInfo] = field(default_factory=list)
    prose: list[Prose] = field(default_factory=list)
    headings: list[tuple[int, int, str]] = field(default_factory=list)
    contents: list[tuple[int, str, str]] = field(default_factory=list)
    topic_table: TableInfo | None = None
    topic_lines: dict[str, int] = field(default_factory=dict)
    ref_lines: dict[str, int] = field(default_factory=dict)
    ref_entries: list[tuple[str, int]] = field(default_factory=list)
    ref_headings: dict[str, tuple[int, str]] = field(default_factory=dict)
    report_line: int = 0
    related_raw: list[list[tuple[str, int]]] = field(default_factory=list)

    @property
    def anchors(self) -> builtins.set[str]:
        seen: dict[str, int] = {}
        out: builtins.set[str] = builtins.set()
        for _, _, text in self.headings:
            slug = slugify(text)
            n = seen.get(slug, 0)
            out.add(slug if n == 0 else f"{slug}-{n}")
            seen[slug] = n + 1
        return out
