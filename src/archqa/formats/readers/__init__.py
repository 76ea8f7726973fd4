"""Readers for the Markdown Q&A dialects found in the wild, one module per dialect.

Every reader works on the CommonMark block parse (``parse_blocks``): a heading,
``#`` line or ``---`` inside a code fence is code and never splits a question.
A reader implements two functions, side by side in its module, and registers
itself with ``register_reader``: ``detect(src) -> float`` (0..1, how sure it is)
and ``read(src) -> list[RawQuestion]``. The built-in readers register the same
way, on first use of ``readers()``.
"""

from __future__ import annotations

from archqa.formats.readers import (
    bold_questions,
    cards,
    details,
    front_matter,
    house,
    list_cards,
    numbered,
    qa_headings,
    qa_markers,
    qa_table,
    question_list,
    sections,
)
from archqa.formats.readers.base import RawQuestion, Reader, SourceText, register_reader, registered

__all__ = ["RawQuestion", "Reader", "SourceText", "detect", "readers", "register_reader"]

_builtin_registered = False


def _register_builtin() -> None:
    """Register the built-in readers first (ties in detection go to the one registered first); readers
    registered before this keep their place after them, and replace a built-in of the same name."""
    global _builtin_registered
    _builtin_registered = True
    earlier = registered()
    registered().clear()
    builtin = [
        ("house", "archqa's house format (### Q1: ... with **Difficulty**, **Answer**)", house, 1.0),
        ("front-matter", "one article per file with YAML front matter (title/question, tags)", front_matter, 0.95),
        ("details", "<details><summary>question</summary> answer </details> collapsibles", details, 0.9),
        ("qa-markers", "Q: / A: marker paragraphs", qa_markers, 0.85),
        ("qa-headings", "'Q41:' / 'Question 801:' headings (and Q44-45 ranges) under categories", qa_headings, 0.8),
        ("sections", "'QUESTION 11: title' headings with sub-sections such as 'The Ask'", sections, 0.85),
        ("numbered", "numbered question headings ('## 1. How do you ...?') with bold-label sections", numbered, 0.7),
        ("qa-table", "tables with a Question column and an Answer column, one question per row", qa_table, 0.8),
        (
            "list-cards",
            "list items holding a question and its answer ('1. ### What is ...', '1. **What is ...?**')",
            list_cards,
            0.75,
        ),
        (
            "bold-questions",
            "bold question lines ('**1. What is ...?**') followed by the answer, under category headings",
            bold_questions,
            0.6,
        ),
        ("cards", "a heading per card: the heading is the question, the body the answer", cards, 0.5),
        ("question-list", "lists of questions with no answers, each item a question", question_list, 0.3),
    ]
    for name, summary, module, most in builtin:
        if name not in earlier:
            register_reader(name, summary, module.detect, module.read, most)
    registered().update(earlier)


def readers() -> dict[str, Reader]:
    """Every registered reader by name, the built-in ones first."""
    if not _builtin_registered or not registered():
        _register_builtin()
    return dict(registered())


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
