"""The validator: a rule engine whose score is computed from its findings."""

from __future__ import annotations

from pathlib import Path

from archqa.formats.house import ParsedDocument, read_document, read_text_document
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


def validate_file(path: str | Path, config: ValidationConfig | None = None) -> Report:
    """Read a document and run every rule over it. Raises InputError on unreadable input."""
    return run(read_document(path), config)


def validate_text(text: str, path: str = "<string>", config: ValidationConfig | None = None) -> Report:
    """Validate Markdown text already in memory."""
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
