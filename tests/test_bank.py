"""The bundled bank meets its content contract and passes the validator in strict mode."""

from __future__ import annotations

from collections import Counter

import pytest

from archqa import Difficulty, validate_file
from archqa.formats.house import read_document
from archqa.generate import bundled_bank
from archqa.model import BibEntry, cluster_of
from archqa.text import word_count
from archqa.validate.code import canonical, parse_code

DOMAINS = {"payments", "ledger", "multi-tenant", "logistics", "mobile", "offline-sync", "realtime-collaboration"}
FILES = sorted(bundled_bank().glob("*.md"))


def _docs():  # type: ignore[no-untyped-def]
    return [read_document(p) for p in FILES]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bank_file_passes_strict_validation(path) -> None:  # type: ignore[no-untyped-def]
    r = validate_file(path)
    assert [f.format() for f in r.findings if f.severity.value != "info"] == []


def test_bank_covers_every_cluster_and_difficulty() -> None:
    qs = [q for d in _docs() for q in d.set.questions]
    assert len(qs) >= 108
    cells = Counter((cluster_of(q.topic), q.difficulty) for q in qs)
    for c in ("structural", "behavioral", "quality", "data", "integration", "evolution"):
        for d in Difficulty:
            assert cells[(c, d)] >= 6, (c, d)
    assert sum("ai-ml" in q.tags for q in qs) >= 36
    assert sum(bool(DOMAINS & set(q.tags)) for q in qs) >= 18
    assert len({q.id for q in qs}) == len(qs)


def test_every_question_is_complete() -> None:
    qs = [q for d in _docs() for q in d.set.questions]
    for q in qs:
        assert q.key_insight and 120 <= word_count(q.answer) <= 300, q.id
        assert 3 <= len(q.key_points) <= 6, q.id
        assert q.citations, q.id
        assert q.code and all(canonical(c.language) and parse_code(c.language, c.code).ok for c in q.code), q.id
        if q.difficulty is not Difficulty.FOUNDATIONAL:
            assert q.tradeoffs, q.id
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
