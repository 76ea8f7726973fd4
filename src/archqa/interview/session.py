"""A mock interview in progress: grade each phase's answer, choose its follow-ups, grade their answers, and
score the whole.

The terminal loop lives in ``archqa.cli.interview``; everything it calls is here, so a Python user can run
the same interview with their own interface::

    from archqa.interview import Interview, load_bank_questions

    iv = Interview.start(load_bank_questions(), prompt_id="case-rate-limiter", minutes=45)
    for phase in iv.plan.phases:
        turn = iv.answer(phase.key, my_answer(phase.prompt), seconds=240)
        for i, follow_up in enumerate(turn.follow_ups):
            iv.answer_follow_up(phase.key, i, my_answer(follow_up.question), seconds=60)
    card = iv.finish()

The clock is the caller's: each answer comes with the seconds it took, so the library never reads time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from archqa.errors import ConfigError
from archqa.interview.followups import choose_follow_ups, concept_follow_ups
from archqa.interview.llm import ModelInterviewer
from archqa.interview.model import (
    FollowUpTurn,
    Kind,
    Level,
    Phase,
    PhaseTurn,
    Plan,
    PointResult,
    Scorecard,
    Transcript,
)
from archqa.interview.plan import DEFAULT_MINUTES, case_study_plan, concepts_plan, pick_questions
from archqa.interview.scorecard import scorecard
from archqa.model import Question
from archqa.practice.drafts import Drafts
from archqa.practice.grade import DEFAULT_GRADER, Grader, get_grader


def load_bank_questions() -> list[Question]:
    """Every question of the bundled bank."""
    from archqa.generate.bank import load_bank

    bank = load_bank(None)
    return list(bank.questions(bank.entries))


class Interview:
    """One interview over ``plan``; ``questions`` by id hold the follow-ups and level signals it uses.

    ``grader`` is a Grader or a registered name (constructed on first use, or in the background by
    :meth:`preload`).
    """

    def __init__(
        self,
        plan: Plan,
        questions: Sequence[Question],
        grader: Grader | str = DEFAULT_GRADER,
        started_at: datetime | None = None,
        interviewer: ModelInterviewer | None = None,
    ) -> None:
        self.plan = plan
        self.interviewer = interviewer
        """With a model (``--model``), the model words each chosen follow-up."""
        self.questions = {q.id: q for q in questions if q.id in plan.question_ids}
        self._grader: Grader | str = grader
        self._loading: threading.Thread | None = None
        self._loaded: Grader | None = None
        self._error: BaseException | None = None
        self.drafts = Drafts(self._ready_grader, lambda: (self._loading,))
        """Drafts of the answer being written (:meth:`draft`)."""
        name = grader if isinstance(grader, str) else (grader.name or type(grader).__name__)
        at = (started_at or datetime.now(UTC)).astimezone(UTC)
        self.transcript = Transcript(started_at=at.isoformat(timespec="seconds"), grader=name, plan=plan)

    @classmethod
    def start(
        cls,
        questions: Sequence[Question],
        *,
        prompt_id: str | None = None,
        kind: Kind = "case-study",
        level: Level = "senior",
        minutes: int = DEFAULT_MINUTES,
        seed: int = 0,
        grader: Grader | str = DEFAULT_GRADER,
        assignment: str = "auto",
        started_at: datetime | None = None,
        interviewer: ModelInterviewer | None = None,
    ) -> Interview:
        """Pick the question(s) (``prompt_id``, else by ``seed``), plan the phases, and return the interview."""
        chosen = pick_questions(questions, kind, level, minutes, seed, prompt_id)
        if kind == "case-study":
            plan = case_study_plan(chosen[0], level, minutes, assignment)
        else:
            plan = concepts_plan(chosen, level, minutes)
        return cls(plan, chosen, grader, started_at, interviewer)

    # -- the grader ---------------------------------------------------------

    def preload(self) -> None:
        """Construct the grader by name in a background thread (a model takes a second or two to load)."""
        if not isinstance(self._grader, str) or self._loading is not None:
            return
        name = self._grader

        def load() -> None:
            try:
                self._loaded = get_grader(name)
            except BaseException as exc:  # noqa: BLE001  (re-raised in the caller's thread by .grader)
                self._error = exc

        self._loading = threading.Thread(target=load, name="archqa-interview-grader", daemon=True)
        self._loading.start()

    @property
    def grader(self) -> Grader:
        if self._loading is not None:
            self._loading.join()
            self._loading = None
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._loaded is not None:
                self._grader = self._loaded
        if isinstance(self._grader, str):
            self._grader = get_grader(self._grader)
        return self._grader

    @property
    def grader_ready(self) -> bool:
        """True once the grader is constructed (a model may take a moment to load)."""
        if self._loading is not None:
            return not self._loading.is_alive()
        return not isinstance(self._grader, str)

    # -- the turns ----------------------------------------------------------

    def _phase(self, key: str) -> Phase:
        for p in self.plan.phases:
            if p.key == key:
                return p
        raise ConfigError(f"phase {key!r}: the plan has {', '.join(p.key for p in self.plan.phases)}")

    def asked(self) -> set[str]:
        """The follow-up questions asked so far."""
        return {f.bank_question or f.question for t in self.transcript.turns for f in t.follow_ups}

    def _ready_grader(self) -> Grader | None:
        g = self._loaded if self._loaded is not None else self._grader
        return None if isinstance(g, str) else g

    def draft(self, phase_key: str, text: str, follow_up: int | None = None) -> None:
        """Grade the answer so far to a phase (or to its follow-up ``follow_up``) ahead, in the background
        (:mod:`archqa.practice.drafts`): called after each line typed, so that the finished answer's grade is
        ready sooner. Grades are the same with or without drafts."""
        phase = self._phase(phase_key)
        points = [p.text for p in phase.points]
        if follow_up is not None:
            turn = self.transcript.turn(phase_key)
            question = self.questions[phase.question_id]
            fu = turn.follow_ups[follow_up] if turn is not None and 0 <= follow_up < len(turn.follow_ups) else None
            ok = fu is not None and 0 < fu.key_point <= len(question.key_points)
            points = [question.key_points[fu.key_point - 1]] if fu is not None and ok else []
        if points:
            self.drafts.submit(points, text)

    def answer(self, phase_key: str, text: str, seconds: float) -> PhaseTurn:
        """Grade the answer to a phase against its key points and choose its follow-ups; record the turn."""
        self.drafts.finish()
        phase = self._phase(phase_key)
        if self.transcript.turn(phase_key) is not None:
            raise ConfigError(f"phase {phase_key!r} was already answered")
        results: list[PointResult] = []
        if phase.points:
            grade = self.grader.grade(text, [p.text for p in phase.points])
            for rp, pg in zip(phase.points, grade.points):
                results.append(
                    PointResult(
                        number=rp.number,
                        text=rp.text,
                        verdict=pg.verdict,
                        evidence=pg.evidence,
                        reason=pg.reason,
                        how="answer" if pg.covered else "",
                    )
                )
        missed = {r.number for r in results if not r.covered}
        question = self.questions[phase.question_id]
        choose = choose_follow_ups if self.plan.kind == "case-study" else concept_follow_ups
        follow_ups = choose(phase, question.follow_ups, missed, self.asked())
        if self.interviewer is not None:
            for fu in follow_ups:
                point = question.key_points[fu.key_point - 1] if 0 < fu.key_point <= len(question.key_points) else ""
                worded = self.interviewer.word(self.plan.title, phase.title, text, point, fu.question)
                if worded is not None:
                    fu.bank_question, fu.question, fu.asked_by = fu.question, worded, "model"
        turn = PhaseTurn(phase=phase_key, answer=text, seconds=round(seconds, 1), points=results, follow_ups=follow_ups)
        if phase.reference_diagram and "```mermaid" in text:
            from archqa.interview.diagram import compare_answer

            turn.diagram = compare_answer(text, phase.reference_diagram)
        self.transcript.turns.append(turn)
        return turn

    def answer_follow_up(self, phase_key: str, index: int, text: str, seconds: float) -> FollowUpTurn:
        """Record the answer to a follow-up; a point missed in the phase and made here counts half."""
        self.drafts.finish()
        turn = self.transcript.turn(phase_key)
        if turn is None or not 0 <= index < len(turn.follow_ups):
            raise ConfigError(f"phase {phase_key!r} has no follow-up {index + 1}")
        fu = turn.follow_ups[index]
        fu.answer, fu.seconds = text, round(seconds, 1)
        question = self.questions[self._phase(phase_key).question_id]
        if fu.key_point and text.strip() and 0 < fu.key_point <= len(question.key_points):
            point = question.key_points[fu.key_point - 1]
            pg = self.grader.grade(text, [point]).points[0]
            fu.covered, fu.evidence = pg.covered, pg.evidence if pg.covered else ""
            for i, r in enumerate(turn.points):
                if r.number == fu.key_point and not r.covered and pg.covered:
                    turn.points[i] = r.model_copy(
                        update={"verdict": "covered", "evidence": pg.evidence, "reason": pg.reason, "how": "follow-up"}
                    )
        return fu

    def finish(self) -> Scorecard:
        """The scorecard of the interview so far.

        A point counts in the phase it belongs to: answers of other phases are not graded against it, because
        a grader reading every answer against every point gives more false credit (measured on the bank's
        rate limiter: a requirements answer was credited with the hot-key point of the wrap-up).
        """
        return self.scorecard()

    def scorecard(self) -> Scorecard:
        # a case study's level signals describe the whole interview; a run of concepts has one set per question
        signals = self.questions[self.plan.question_ids[0]].level_signals if self.plan.kind == "case-study" else None
        return scorecard(self.transcript, signals)
