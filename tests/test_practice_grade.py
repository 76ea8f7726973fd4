"""Grading answers against key points: the lexical grader the registry, the rating map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from archqa.errors import GraderError
from archqa.practice import Grade, Grader, LexicalGrader, PointGrade, get_grader, graders, register_grader
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
    g = Grade("t", (PointGrade("a", 1.0, "covered", "x"), PointGrade("b", 0.2), PointGrade("c", 0.9, "covered", "y")))
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
    for grader in (LexicalGrader(),):
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
    assert {"lexical"} <= set(graders())

    class Always(Grader):
        name = "always"

        def grade(self, answer: str, key_points: Any) -> Grade:
            verdict = "covered" if answer else "missing"
            return Grade(self.name, tuple(PointGrade(p, 1.0, verdict, answer) for p in key_points))

    register_grader("always", Always)
    try:
        assert get_grader("always").grade("x", ["a", "b"]).covered == 2
    finally:
        del _GRADERS["always"]
    with pytest.raises(GraderError, match="unknown grader; choose one of lexical"):
        get_grader("nope")
