"""Export a set: Anki packages, a single-file HTML page, JSON and house-format Markdown.

Each format is an :class:`Exporter` registered by name with
:func:`register_exporter`; the built-in ones register the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from archqa.export import builtin as _builtin  # noqa: F401  (registers the built-in exporters)
from archqa.export.base import (
    Exporter,
    ExportOptions,
    TextExporter,
    atomic_write,
    exporters,
    format_for,
    get_exporter,
    register_exporter,
)
from archqa.export.json import SCHEMA_ID, SetDocument, dumps_set, json_schema, json_schema_text, set_document
from archqa.export.source import BANK, load_source, number_questions, select_questions
from archqa.model import QuestionSet


def export_set(
    qset: QuestionSet,
    out: str | Path,
    fmt: str | None = None,
    options: ExportOptions | None = None,
) -> Path:
    """Write ``qset`` to ``out`` in format ``fmt`` (default: from the suffix of ``out``); return the path.

    The file is written whole or not at all. Raises ConfigError for an unknown
    format and ExportError when ``out`` cannot be written.
    """
    path = Path(out)
    exporter = get_exporter(fmt or format_for(path))
    exporter.write(qset, path, options or ExportOptions())
    return path


def export_source(
    source: str | Path,
    out: str | Path,
    fmt: str | None = None,
    *,
    topics: Iterable[str] = (),
    difficulties: Iterable[str] = (),
    options: ExportOptions | None = None,
) -> QuestionSet:
    """Load ``source`` (see :func:`load_source`), filter it, export it; return the set that was written."""
    if fmt is not None:
        get_exporter(fmt)  # an unknown format fails before the source is read
    qset = select_questions(load_source(source), topics, difficulties)
    export_set(qset, out, fmt, options)
    return qset


__all__ = [
    "BANK",
    "SCHEMA_ID",
    "ExportOptions",
    "Exporter",
    "SetDocument",
    "TextExporter",
    "atomic_write",
    "dumps_set",
    "export_set",
    "export_source",
    "exporters",
    "format_for",
    "get_exporter",
    "json_schema",
    "json_schema_text",
    "load_source",
    "number_questions",
    "register_exporter",
    "select_questions",
    "set_document",
]
