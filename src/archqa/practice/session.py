"""A practice session: which questions to ask (due first, then new up to a daily limit), grading and rating.

The terminal loop lives in ``archqa.cli.practice``; everything it calls is here,
so a Python user can drive the same session with their own interface::

    from archqa.practice import Session, load_questions
    from archqa.store import Store

    with Store.open() as store:
        session = Session(store, load_questions("bank"))
        for item in session.plan(new_limit=5).items:
            grade = session.grade(item.question, my_answer(item.question))
            review = session.rate(item.question, grade.suggested or 1, grade=grade, answer=...)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from archqa.errors import ConfigError, InputError
from archqa.model import CLUSTERS, Difficulty, Question, cluster_of
from archqa.practice.grade import Grade, Grader, get_grader
from archqa.practice.schedule import PracticeLog, Review, order_due, utcnow
from archqa.store import Store

BANK = "bank"
"""The SOURCE word for the bundled bank."""
STORE = "store"
"""The SOURCE word for every question imported into the store."""


@dataclass(frozen=True)
class PracticeQuestion:
    """A question to practise and the cluster its topic belongs to (for --topic)."""

    question: Question
    cluster: str = ""


def load_questions(source: str | Path, db: str | Path | None = None) -> list[PracticeQuestion]:
    """The questions of a SOURCE: ``"bank"`` (bundled bank), ``"store"`` (everything imported), a bank
    directory or a house-format set file. InputError (exit 2) when it cannot be read or has no questions."""
    if str(source) == STORE:
        return _store_questions(db)
    if str(source) == BANK:
        return _bank_questions(None)
    path = Path(source)
    if path.is_dir():
        return _bank_questions(path)
    if not path.exists():
        raise InputError(
            str(path),
            None,
            "no such file",
            "pass a house-format set file, a directory of them, `bank` (the bundled bank) or `store` (imported "
            "questions)",
        )
    from archqa.formats.house import read_set

    qs = read_set(path).questions
    if not qs:
        raise InputError(str(path), None, "the set has no questions", "generate one with `archqa generate --out FILE`")
    return [PracticeQuestion(q, cluster_of(q.topic) or "") for q in qs]


def _bank_questions(path: Path | None) -> list[PracticeQuestion]:
    from archqa.generate.bank import load_bank

    bank = load_bank(path)
    return [PracticeQuestion(q, cluster_of(q.topic) or "") for q in bank.questions(bank.entries)]


def _store_questions(db: str | Path | None) -> list[PracticeQuestion]:
    out = []
    with Store.open(db) as store:
        for _qid, cluster, _topic, _difficulty, data, _path in store.iter_questions():
            out.append(PracticeQuestion(Question.model_validate_json(data), cluster))
        where = store.path
    if not out:
        raise InputError(str(where), None, "the store has no questions", "import some with `archqa import PATH`")
    return out


def filter_questions(
    questions: Sequence[PracticeQuestion], topics: Sequence[str] = (), difficulties: Sequence[str] = ()
) -> list[PracticeQuestion]:
    """Questions in any of ``topics`` and any of ``difficulties`` (empty: all).

    A topic matches when it is a cluster slug (``data``, ``structural``, ...)
    of the question's cluster or a part of its topic name, case-insensitively.
    """
    wanted: set[Difficulty] = set()
    for d in difficulties:
        parsed = Difficulty.parse(d)
        if parsed is None:
            raise ConfigError(f"--difficulty {d!r}: use foundational, intermediate or advanced")
        wanted.add(parsed)
    keys = [t.strip().lower() for t in topics if t.strip()]

    def topic_ok(pq: PracticeQuestion) -> bool:
        if not keys:
            return True
        topic = pq.question.topic.lower()
        return any((k in CLUSTERS and pq.cluster == k) or k in topic for k in keys)

    return [pq for pq in questions if topic_ok(pq) and (not wanted or (pq.question.difficulty in wanted))]


def rubric(question: Question) -> list[str]:
    """What an answer is graded against: the key points, else the key insight, else nothing."""
    if question.key_points:
        return list(question.key_points)
    return [question.key_insight] if question.key_insight.strip() else []


@dataclass(frozen=True)
class Item:
    """One question of a session's queue."""

    question: Question
    kind: Literal["due", "new"]
    due: datetime | None = None


@dataclass
class Plan:
    """A session's queue and the counts behind it."""

    items: list[Item] = field(default_factory=list)
    due: int = 0
    """Questions of the source that are due now."""
    new: int = 0
    """Questions of the source never reviewed."""
    new_today: int = 0
    """New questions already introduced today (in any session)."""
    new_limit: int = 10
    next_due: datetime | None = None
    """The earliest due time among the source's questions that are not due yet."""

    @property
    def new_allowed(self) -> int:
        return max(0, min(self.new, self.new_limit - self.new_today))


class Session:
    """A practice session over ``questions``: plan the queue, grade answers, store ratings."""

    def __init__(
        self,
        store: Store,
        questions: Sequence[PracticeQuestion],
        grader: Grader | str = "lexical",
        log: PracticeLog | None = None,
    ) -> None:
        self.store = store
        self.questions = list(questions)
        self.grader = get_grader(grader) if isinstance(grader, str) else grader
        self.log = log or PracticeLog(store)

    def plan(self, *, new_limit: int = 10, limit: int | None = None, now: datetime | None = None) -> Plan:
        """Due questions first (most overdue first), then new ones in source order, up to today's new limit.

        The new limit counts questions introduced since local midnight across all
        sessions; ``limit`` caps the whole queue.
        """
        at = now or utcnow()
        by_id: dict[str, Question] = {}
        for pq in self.questions:
            by_id.setdefault(pq.question.id, pq.question)
        due_times = self.log.due_times(by_id)
        due_ids = order_due(due_times, at)
        new_ids = [qid for qid in by_id if qid not in due_times]
        later = [d for d in due_times.values() if d > at]
        plan = Plan(
            due=len(due_ids),
            new=len(new_ids),
            new_today=self.log.introduced_today(at),
            new_limit=new_limit,
            next_due=min(later) if later else None,
        )
        plan.items = [Item(by_id[q], "due", due_times[q]) for q in due_ids]
        plan.items += [Item(by_id[q], "new") for q in new_ids[: plan.new_allowed]]
        if limit is not None:
            plan.items = plan.items[:limit]
        return plan

    def grade(self, question: Question, answer: str) -> Grade:
        """Grade ``answer`` against the question's key points (or its key insight when it has none)."""
        return self.grader.grade(answer, rubric(question))

    def rate(
        self,
        question: Question,
        rating: int,
        *,
        grade: Grade | None = None,
        answer: str = "",
        duration_ms: int = 0,
        now: datetime | None = None,
    ) -> Review:
        """Store the review and schedule the next one; committed before this returns."""
        return self.log.record(question.id, rating, grade=grade, answer=answer, duration_ms=duration_ms, now=now)
