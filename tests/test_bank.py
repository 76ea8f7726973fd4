"""The bundled bank meets its content contract and passes the validator in strict mode."""

from __future__ import annotations

from collections import Counter

import pytest

from archqa import Difficulty, validate_file
from archqa.formats.house import read_document
from archqa.generate import bundled_bank
from archqa.model import CLUSTERS, BibEntry, cluster_of
from archqa.tags import vocabulary
from archqa.validate import ValidationConfig
from archqa.validate.code import canonical, parse_code

MIN_QUESTIONS = 250
MIN_PER_CELL = 8
"""Every cluster x difficulty cell (the case-study cluster too)."""
MIN_CASE_STUDIES = 30
MAX_AI_SHARE = 0.30

DOMAINS = {
    "payments",
    "ledger",
    "multi-tenant",
    "logistics",
    "mobile",
    "offline-sync",
    "collaboration",
    "booking",
    "media",
}
FILES = sorted(bundled_bank().glob("*.md"))


def _docs():  # type: ignore[no-untyped-def]
    return [read_document(p) for p in FILES]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bank_file_passes_strict_validation(path) -> None:  # type: ignore[no-untyped-def]
    r = validate_file(path, ValidationConfig.bank())
    assert [f.format() for f in r.findings if f.severity.value != "info"] == []


def test_bank_covers_every_cluster_and_difficulty() -> None:
    qs = [q for d in _docs() for q in d.set.questions]
    assert len(qs) >= MIN_QUESTIONS
    cells = Counter((cluster_of(q.topic), q.difficulty) for q in qs)
    for c in CLUSTERS:
        for d in Difficulty:
            assert cells[(c, d)] >= MIN_PER_CELL, (c, d, cells[(c, d)])
    assert sum(q.is_case_study for q in qs) >= MIN_CASE_STUDIES
    assert all(q.is_case_study == (cluster_of(q.topic) == "case-studies") for q in qs)
    ai = sum("ai-ml" in q.tags for q in qs)
    assert 0 < ai <= MAX_AI_SHARE * len(qs), (ai, len(qs))
    assert sum(bool(DOMAINS & set(q.tags)) for q in qs) >= 18
    assert len({q.id for q in qs}) == len(qs)


def test_tags_mean_something_across_questions() -> None:
    qs = [q for d in _docs() for q in d.set.questions]
    used = Counter(t for q in qs for t in q.tags)
    assert set(used) <= vocabulary()
    once = sorted(t for t, n in used.items() if n < 2)
    assert not once, f"tags used by one question only: {once}"


def test_every_question_is_complete() -> None:
    qs = [q for d in _docs() for q in d.set.questions]
    for q in qs:
        assert q.key_insight and q.answer, q.id
        assert 3 <= len(q.key_points) <= 8, q.id
        assert 2 <= len(q.follow_ups) <= 4 and all(1 <= f.key_point <= len(q.key_points) for f in q.follow_ups), q.id
        assert q.level_signals is not None and len(q.level_signals.items()) == 3, q.id
        assert q.citations, q.id
        assert q.code and all(canonical(c.language) and parse_code(c.language, c.code).ok for c in q.code), q.id
        if q.difficulty is not Difficulty.FOUNDATIONAL:
            assert q.tradeoffs, q.id
        if q.is_case_study:
            assert len(q.sections) == 7 and q.diagrams, q.id
    assert sum(bool(q.metrics) for q in qs) * 3 >= len(qs)
    assert sum(bool(q.diagrams) for q in qs) * 3 >= len(qs)


def test_bank_references_are_large_enough() -> None:
    docs = _docs()
    bib: dict[str, BibEntry] = {}
    for d in docs:
        for b in d.set.bibliography:
            bib[b.key] = b
    glossary = {g.term.lower() for d in docs for g in d.set.glossary}
    tools = {t.name.lower() for d in docs for t in d.set.tools}
    assert len(bib) >= 25 and len(glossary) >= 40 and len(tools) >= 15
    assert all(b.isbn or b.doi or b.url for b in bib.values())
