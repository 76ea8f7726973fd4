"""The score reacts to damage: both ends of the scale and the middle (README, "How the score is computed")."""

from __future__ import annotations

import re

from archqa import Blueprint, QuestionSet, validate_text, write_set
from archqa.validate.engine import CATEGORY_WEIGHTS


def _score(text: str) -> float:
    return validate_text(text, "d.md").score


def test_a_flawless_set_scores_100(good_text: str) -> None:
    assert _score(good_text) == 100.0


def test_every_code_block_broken_scores_under_50(good_text: str) -> None:
    broken = good_text.replace("    if key in seen:\n", "    if key in seen\n")
    r = validate_text(broken, "d.md")
    assert r.errors == 5 and r.sound_questions == 0
    assert r.score < 50


def test_every_answer_with_mojibake_scores_under_50(good_text: str) -> None:
    damaged = re.sub(r"(\*\*Answer\*\*: For)", "\\1 it\u00e2\u20ac\u2122s", good_text)
    r = validate_text(damaged, "d.md")
    assert [f.rule for f in r.findings] == ["hygiene.mojibake"] * 5
    assert r.score < 50


def test_no_questions_scores_0(good_text: str) -> None:
    assert _score(good_text[: good_text.index("## Topic 1")]) == 0.0


def test_a_set_short_of_its_blueprint_cannot_score_100(good_set: QuestionSet) -> None:
    good_set.blueprint = Blueprint(count=8, mix=(20, 40, 40))
    r = validate_text(write_set(good_set), "d.md")
    assert "blueprint.count" in [f.rule for f in r.findings]
    assert r.expected_questions == 8
    assert r.score <= 100 - 50 * 3 / 8


def test_one_warning_costs_at_most_a_few_points(good_text: str) -> None:
    for one in (
        good_text.replace("[Ref: A7]", "", 1),  # references.uncited
        good_text.replace("```python\ndef handle_0", "```\ndef handle_0", 1),  # code.unlabelled
        good_text.replace("**Key Points**:\n- Uses a bounded context for payment retries\n", "**Key Points**:\n", 1),
    ):
        r = validate_text(one, "d.md")
        assert r.warnings == 1 and r.errors == 0, [f.format() for f in r.findings]
        assert 95 <= r.score < 100


def test_the_middle_one_broken_question_of_five(good_text: str) -> None:
    one = good_text.replace("    if key in seen:\n", "    if key in seen\n", 1)
    r = validate_text(one, "d.md")
    assert r.sound_questions == 4
    code = next(c for c in r.categories if c.category == "code")
    # 50% of (100 - the code points lost) + 50% of 4/5 sound questions.
    expected = 0.5 * (100 - (CATEGORY_WEIGHTS["code"] - code.points)) + 0.5 * 80
    assert abs(r.score - expected) < 0.2
    assert 75 < r.score < 90


def test_a_score_is_never_rounded_up_to_100(good_text: str) -> None:
    assert _score(good_text.replace("[Ref: A7]", "", 1)) < 100
