"""The validator: a rule engine whose score is computed from its findings."""

from __future__ import annotations

from pathlib import Path

from archqa.formats.house import ParsedDocument, no_questions, read_text_document
from archqa.formats.source import decode
from archqa.limits import file_seconds, read_document_bytes, time_budget
from archqa.validate import builtin as _builtin  # noqa: F401  (registers the built-in rules)
from archqa.validate.engine import (
    CATEGORY_WEIGHTS,
    Finding,
    Report,
    RuleSpec,
    Severity,
    ValidationConfig,
    register_rule,
    rules,
    run,
)


def validate_file(
    path: str | Path, config: ValidationConfig | None = None, *, time_limit: float | None = None
) -> Report:
    """Read a document and run every rule over it. Raises InputError on unreadable input.

    Only a regular file up to ``archqa.limits.MAX_FILE_BYTES`` is read. Reading and checking it must end
    within ``time_limit`` seconds (default: ``archqa.limits.file_seconds`` of its size), or InputError says so.
    """
    p = str(path)
    data = read_document_bytes(path)
    with time_budget(time_limit if time_limit is not None else file_seconds(len(data)), p):
        doc = read_text_document(decode(data, p), p)
        if not doc.set.questions:
            raise no_questions(p)
        return run(doc, config)


def validate_text(
    text: str, path: str = "<string>", config: ValidationConfig | None = None, *, time_limit: float | None = None
) -> Report:
    """Validate Markdown text already in memory, within ``time_limit`` seconds (default: by its size)."""
    seconds = time_limit if time_limit is not None else file_seconds(len(text))
    with time_budget(seconds, path):
        return run(read_text_document(text, path), config)


def validate_document(doc: ParsedDocument, config: ValidationConfig | None = None) -> Report:
    """Validate a document that is already parsed."""
    return run(doc, config)


__all__ = [
    "CATEGORY_WEIGHTS",
    "Finding",
    "Report",
    "RuleSpec",
    "Severity",
    "ValidationConfig",
    "register_rule",
    "rules",
    "run",
    "validate_document",
    "validate_file",
    "validate_text",
]
