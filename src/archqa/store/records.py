"""The rows the store reads and writes: a question ready to store, a search hit, a duplicate pair, and the
title keys that link duplicates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archqa.model import Question
from archqa.text import terms


@dataclass
class StoredQuestion:
    """A question ready for the store, with its classification and flags."""

    question: Question
    cluster: str
    cluster_confidence: float
    cluster_reason: str
    difficulty_confidence: float
    difficulty_reason: str
    flags: list[str] = field(default_factory=list)


PreparedRow = tuple[str, int, int, str, str, str, float, str, str, float, str, str, str, str, str, str, str, str, str]
"""A question as ``Store.prepare`` makes it: id, number, line, title, topic, cluster, cluster confidence and
reason, difficulty, its confidence and reason, tags JSON, flags JSON, normalized title, question JSON, the
title's terms for near-duplicate linking (space-separated), then the full-text body, topic and tags."""


@dataclass
class SearchHit:
    """One search result."""

    id: str
    title: str
    topic: str
    difficulty: str
    source: str
    line: int
    score: float
    snippet: str


@dataclass
class DuplicatePair:
    """Two linked questions: kind ('exact' or 'near'), similarity, and (id, title, source path, line) of each."""

    kind: str
    similarity: float
    a: tuple[str, str, str, int]
    b: tuple[str, str, str, int]


_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]++\b")


def title_terms(title: str) -> frozenset[str]:
    """A title's stemmed content words for near-duplicate linking, acronyms kept whole: 'HTTPS' and 'HTTP' are
    different protocols, not a plural."""
    acronyms = {a.lower() for a in _ACRONYM.findall(title)}
    if not acronyms:
        return terms(title)
    rest = _ACRONYM.sub(" ", title)
    return terms(rest) | frozenset(acronyms)


def normalize_title(title: str) -> str:
    """Lowercase words only: the key for exact duplicates."""
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))
