"""The house Markdown format (docs/house-format.md), through the one writer archqa has."""

from __future__ import annotations

from archqa.export.base import ExportOptions, TextExporter
from archqa.formats.house import write_set
from archqa.model import QuestionSet


class MarkdownExporter(TextExporter):
    """The set in the house format, readable by ``archqa validate`` and ``archqa generate --bank``."""

    suffixes = (".md", ".markdown")
    description = "house-format Markdown"

    def render(self, qset: QuestionSet, options: ExportOptions) -> str:
        return write_set(qset)
