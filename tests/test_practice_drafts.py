"""Drafts: the answer is graded in the background as each line is typed, and the finished grade is unchanged."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from archqa.cli.practice import read_answer
from archqa.practice import Grade, Grader, PointGrade, Session
from archqa.practice.audit import load_calibration
from archqa.practice.encoder import shared_encoder
from archqa.practice.relation import Relation, shared_relation
from archqa.practice.semantic import SemanticGrader
from archqa.practice.session import rubric
from archqa.store import Store
from tests.conftest import make_set


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "drafts.db") as s:
        yield s


def _forget_everything() -> None:
    """Empty the models' caches, so that a grade computes everything again."""
    enc, rel = shared_encoder(), shared_relation()
    enc._parts.clear()
    enc._cache._rows.clear()
    rel._cache._rows.clear()


class Counting:
    """Counts the relation model's runs (one per pair not in its cache)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pairs = 0
        original = Relation._run

        def run(rel: Relation, pairs: list[tuple[str, str]]) -> object:
            self.pairs += len(pairs)
            return original(rel, pairs)

        monkeypatch.setattr(Relation, "_run", run)


def test_a_grade_after_drafts_is_the_grade_without_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drafts of the answer cut anywhere (mid-sentence too), then the finished answer: the same grade as from
    nothing, and the drafts left the finished grade only the pairs its last part brought."""
    grader = SemanticGrader()
    counting = Counting(monkeypatch)
    answers = [a for a in load_calibration() if len(a.answer) > 200][:6]
    for a in answers:
        _forget_everything()
        fresh = grader.grade(a.answer, a.points)
        fresh_pairs, counting.pairs = counting.pairs, 0
        _forget_everything()
        for cut in (len(a.answer) // 3, len(a.answer) * 2 // 3):
            grader.draft(a.answer[:cut], a.points)
        grader.draft(a.answer, a.points)
        counting.pairs = 0
        assert grader.grade(a.answer, a.points) == fresh
        assert fresh_pairs > 0 and counting.pairs == 0  # the draft of the whole answer did all the work


def test_drafting_a_trivial_or_empty_answer_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    grader = SemanticGrader()
    counting = Counting(monkeypatch)
    _forget_everything()
    for text in ("", "   ", "I don't know."):
        grader.draft(text, ["Reads go to the primary after a write."])
    assert counting.pairs == 0


class SlowDrafts(Grader):
    """Records each draft it is given and takes a while over each."""

    name = "slow-drafts"

    def __init__(self) -> None:
        self.drafts: list[str] = []
        self.started = threading.Event()

    def draft(self, answer: str, key_points: Sequence[str]) -> None:
        self.started.set()
        time.sleep(0.2)
        self.drafts.append(answer)

    def grade(self, answer: str, key_points: Sequence[str]) -> Grade:
        return Grade(self.name, tuple(PointGrade(p, 0.0) for p in key_points))


def _wait_idle(session: Session) -> None:
    for _ in range(200):
        if not session.drafts.busy:
            return
        time.sleep(0.02)
    raise AssertionError("the draft worker did not finish")


def test_drafts_that_arrive_while_one_runs_replace_each_other(store: Store) -> None:
    """A paste of many lines costs two drafts (the first line, then the newest text), not one per line."""
    q = make_set().questions[0]
    grader = SlowDrafts()
    session = Session(store, [], grader)
    lines = [f"line {n} of the answer." for n in range(10)]
    session.draft(q, lines[0])
    assert grader.started.wait(5)
    for n in range(2, 11):
        session.draft(q, " ".join(lines[:n]))
    _wait_idle(session)
    assert grader.drafts == [lines[0], " ".join(lines)]


def test_grading_drops_a_waiting_draft_and_waits_for_the_running_one(store: Store) -> None:
    q = make_set().questions[0]
    grader = SlowDrafts()
    session = Session(store, [], grader)
    session.draft(q, "first")
    assert grader.started.wait(5)
    session.draft(q, "stale by the time it would run")
    grade = session.grade(q, "the finished answer")
    assert grader.drafts == ["first"]  # the running draft finished before the grade; the waiting one never ran
    assert grade.total == len(rubric(q))
    assert not session.drafts.busy


def test_a_draft_that_raises_costs_only_the_head_start(store: Store) -> None:
    class Broken(SlowDrafts):
        def draft(self, answer: str, key_points: Sequence[str]) -> None:
            raise RuntimeError("boom")

    q = make_set().questions[0]
    session = Session(store, [], Broken())
    session.draft(q, "text")
    _wait_idle(session)
    assert session.grade(q, "text").total == len(rubric(q))


def test_read_answer_reports_the_answer_so_far_after_each_line() -> None:
    typed = iter(["First paragraph, line one", "line two.", "", "Second paragraph.", ".", "never read"])
    seen: list[str] = []
    answer, ended = read_answer(lambda _prompt: next(typed), on_line=seen.append)
    assert not ended
    assert answer == "First paragraph, line one\nline two.\n\nSecond paragraph."
    # each non-blank line: the answer so far, as the final answer would join it
    assert seen == ["First paragraph, line one", "First paragraph, line one\nline two.", answer]


def test_a_mock_interview_drafts_each_phase_and_follow_up_against_its_own_points() -> None:
    """The interview hands the phase's key points (or the follow-up's one point) to the drafts; answering waits
    for the running draft and grades as before."""
    from archqa.interview import Interview, load_bank_questions

    grader = SlowDrafts()
    seen: list[tuple[str, list[str]]] = []
    grader.draft = lambda answer, points: seen.append((answer, list(points)))  # type: ignore[method-assign]
    iv = Interview.start(load_bank_questions(), prompt_id="case-rate-limiter", minutes=45, grader=grader)
    deep = next(p for p in iv.plan.phases if p.key == "deep_dives")
    iv.draft("deep_dives", "A token bucket keeps two numbers per key.")
    for _ in range(200):
        if not iv.drafts.busy:
            break
        time.sleep(0.02)
    assert seen == [("A token bucket keeps two numbers per key.", [p.text for p in deep.points])]
    turn = iv.answer("deep_dives", "A token bucket keeps two numbers per key.", 30)
    assert turn.follow_ups and not iv.drafts.busy
    iv.draft("deep_dives", "The refill has to be atomic.", follow_up=0)
    for _ in range(200):  # the candidate pauses before the answer is sent
        if not iv.drafts.busy:
            break
        time.sleep(0.02)
    iv.answer_follow_up("deep_dives", 0, "The refill has to be atomic.", 10)
    question = iv.questions[deep.question_id]
    assert seen[-1] == ("The refill has to be atomic.", [question.key_points[turn.follow_ups[0].key_point - 1]])
