"""A practice session: which questions to ask (due first, then new up to a daily limit), grading and rating.

The terminal loop lives in ``archqa.cli.practice``; everything it calls is here,
so a Python user can drive the same session with their own interface::

    from archqa.practice import Session, load_questions
    from archqa.store import Store

    with Store.open() as store:
        session = Session(store, load_questions("bank"))
        for item in session.plan(new_limit=5).items:
            answer = my_answer(item.question)
            confirmation = Confirmation.of(session.grade(item.question, answer))
            confirmation = confirmation.flip([2])        # the user says point 2 is wrong
            review = session.rate(item.question, confirmation.suggested or 1, confirmation=confirmation,
                                  answer=answer)
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from archqa.errors import ConfigError, InputError
from archqa.model import CLUSTERS, Difficulty, Question, cluster_of
from archqa.practice.drafts import Drafts
from archqa.practice.grade import DEFAULT_GRADER, Grade, Grader, get_grader, suggest_rating
from archqa.practice.schedule import PracticeLog, Review, confirmed_share, order_due, utcnow
from archqa.store import Store

BANK = "bank"
"""The SOURCE word for the bundled bank."""
STORE = "store"
"""The SOURCE word for every question imported into the store."""

_WARM_UP_ANSWER = "Replicas apply the primary's log a moment later, so reads may be stale for a while."
_WARM_UP_POINTS = ("Asynchronous replication means replicas lag behind the primary.",)

# DEFAULT_GRADER (the grader `archqa practice` and a Session use without one named) is defined once, in
# archqa.practice.grade, where `archqa grade` reads it too.


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
        where = store.location
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
    """A practice session over ``questions``: plan the queue, grade answers, store ratings.

    ``grader`` is a Grader or a registered name; a name is constructed once, when
    the first answer is graded (or ``grader`` is first read).
    """

    def __init__(
        self,
        store: Store,
        questions: Sequence[PracticeQuestion],
        grader: Grader | str = DEFAULT_GRADER,
        log: PracticeLog | None = None,
    ) -> None:
        self.store = store
        self.questions = list(questions)
        self._grader: Grader | str = grader
        self.log = log or PracticeLog(store)
        self._loading: threading.Thread | None = None
        self._loaded: Grader | None = None
        self._load_error: BaseException | None = None
        self._preparing: threading.Thread | None = None
        self.drafts = Drafts(self._ready_grader, lambda: (self._loading, self._preparing))
        """Drafts of the answer being written (:meth:`draft`)."""

    def preload(self) -> None:
        """Construct the grader by name, and grade one throw-away answer with it, in a background thread.

        A model grader takes a second or two to load; started before the first question is shown, it is
        ready by the time the user has typed an answer. :attr:`grader` waits for it (and raises what it
        raised). Does nothing when the grader is already constructed or loading.
        """
        if not isinstance(self._grader, str) or self._loading is not None:
            return
        name = self._grader

        def load() -> None:
            try:
                g = get_grader(name)
                g.grade(_WARM_UP_ANSWER, _WARM_UP_POINTS)  # the first run of a model allocates its buffers
                self._loaded = g
            except BaseException as exc:  # noqa: BLE001  (re-raised in the caller's thread by .grader)
                self._load_error = exc

        self._loading = threading.Thread(target=load, name="archqa-grader-load", daemon=True)
        self._loading.start()

    @property
    def grader(self) -> Grader:
        """The session's grader, constructed (by name, through the registry) the first time it is needed."""
        if self._loading is not None:
            self._loading.join()
            self._loading = None
            if self._load_error is not None:
                error, self._load_error = self._load_error, None
                raise error
            if self._loaded is not None:
                self._grader = self._loaded
        if isinstance(self._grader, str):
            self._grader = get_grader(self._grader)
        return self._grader

    @grader.setter
    def grader(self, grader: Grader) -> None:
        self._grader = grader

    @property
    def grader_loaded(self) -> bool:
        """True once the grader is constructed and ready (a model may take a moment to load)."""
        if self._loading is not None:
            return not self._loading.is_alive()
        return not isinstance(self._grader, str)

    def plan(self, *, new_limit: int = 10, limit: int | None = None, now: datetime | None = None) -> Plan:
        """Due questions first (most overdue first), then new ones interleaved across topics, up to today's limit.

        New questions take turns by cluster (see :func:`interleave`), so a session
        does not drill one topic before it reaches the next. The new limit counts
        questions introduced since local midnight across all sessions; ``limit``
        caps the whole queue.
        """
        at = now or utcnow()
        by_id: dict[str, PracticeQuestion] = {}
        for pq in self.questions:
            by_id.setdefault(pq.question.id, pq)
        due_times = self.log.due_times(by_id)
        due_ids = order_due(due_times, at)
        new_ids = [pq.question.id for pq in interleave(pq for qid, pq in by_id.items() if qid not in due_times)]
        later = [d for d in due_times.values() if d > at]
        plan = Plan(
            due=len(due_ids),
            new=len(new_ids),
            new_today=self.log.introduced_today(at),
            new_limit=new_limit,
            next_due=min(later) if later else None,
        )
        plan.items = [Item(by_id[q].question, "due", due_times[q]) for q in due_ids]
        plan.items += [Item(by_id[q].question, "new") for q in new_ids[: plan.new_allowed]]
        if limit is not None:
            plan.items = plan.items[:limit]
        return plan

    def prepare(self, question: Question) -> None:
        """Start the grader's answer-independent work for ``question`` in the background (see
        :meth:`Grader.prepare`): called when the question is shown, it is done long before the user has typed
        an answer. :meth:`grade` waits for it, so the grader is never used from two threads at once."""
        self._join_prepare()
        self.drafts.finish()
        points = rubric(question)
        loading = self._loading

        def run() -> None:
            try:
                if loading is not None:
                    loading.join()
                g = self._loaded if self._loaded is not None else self._grader
                if not isinstance(g, str):
                    g.prepare(points)
            except Exception:  # noqa: BLE001  (a failure here only loses the head start; grade() reports errors)
                pass

        self._preparing = threading.Thread(target=run, name="archqa-grader-prepare", daemon=True)
        self._preparing.start()

    def _join_prepare(self) -> None:
        if self._preparing is not None:
            self._preparing.join()
            self._preparing = None

    def draft(self, question: Question, answer: str) -> None:
        """Start work on an answer still being written, in the background (see :mod:`archqa.practice.drafts`).

        Called with the answer so far each time the user ends a line: by the time the answer is finished
        most of its grading is done, and :meth:`grade` only does the rest; the grade is the same. One draft
        runs at a time, after the grader has loaded and prepared, and only once no newer line has come for
        a moment; a draft that arrives meanwhile replaces the one waiting, so a paste of many lines costs one
        draft of all of them, not one per line.
        """
        self.drafts.submit(rubric(question), answer)

    def _ready_grader(self) -> Grader | None:
        g = self._loaded if self._loaded is not None else self._grader
        return None if isinstance(g, str) else g

    def grade(self, question: Question, answer: str) -> Grade:
        """Grade ``answer`` against the question's key points (or its key insight when it has none)."""
        self._join_prepare()
        self.drafts.finish()
        return self.grader.grade(answer, rubric(question))

    def rate(
        self,
        question: Question,
        rating: int,
        *,
        grade: Grade | None = None,
        confirmation: Confirmation | None = None,
        answer: str = "",
        duration_ms: int = 0,
        now: datetime | None = None,
    ) -> Review:
        """Store the review and schedule the next one; committed before this returns.

        Pass the ``confirmation`` (the grade and the user's verdicts) to store both;
        a bare ``grade`` stores the grader's verdicts only.
        """
        if confirmation is not None:
            grade, confirmed = confirmation.grade, list(confirmation.covered)
        else:
            confirmed = None
        return self.log.record(
            question.id, rating, grade=grade, confirmed=confirmed, answer=answer, duration_ms=duration_ms, now=now
        )


def interleave(questions: Iterable[PracticeQuestion]) -> list[PracticeQuestion]:
    """Questions taking turns by topic cluster, each cluster in its given order: a round-robin.

    Clusters take their turns in the order they first appear; a question without a
    cluster is grouped by its topic name. Deterministic: the same questions in the
    same order give the same result.
    """
    groups: dict[str, list[PracticeQuestion]] = {}
    for pq in questions:
        groups.setdefault(pq.cluster or f"topic:{pq.question.topic.lower()}", []).append(pq)
    out: list[PracticeQuestion] = []
    queues = list(groups.values())
    for i in range(max((len(q) for q in queues), default=0)):
        out += [q[i] for q in queues if i < len(q)]
    return out


@dataclass(frozen=True)
class Confirmation:
    """The grader's verdicts on an answer and the user's, after confirming or flipping them."""

    grade: Grade
    covered: tuple[bool, ...]
    """The user's verdict on each key point of ``grade``, in order (True: covered)."""

    def __post_init__(self) -> None:
        if len(self.covered) != len(self.grade.points):
            raise ValueError(f"{len(self.covered)} verdicts for {len(self.grade.points)} key points")

    @classmethod
    def of(cls, grade: Grade) -> Confirmation:
        """The grader's verdicts as they stand: ``unsure`` counts as not covered."""
        return cls(grade, tuple(p.covered for p in grade.points))

    def flip(self, numbers: Iterable[int]) -> Confirmation:
        """Flip the verdicts of the points numbered ``numbers`` (from 1); ConfigError for a number out of range."""
        covered = list(self.covered)
        for n in numbers:
            if not 1 <= n <= len(covered):
                raise ConfigError(f"there is no key point {n}; type numbers from 1 to {len(covered)}")
            covered[n - 1] = not covered[n - 1]
        return replace(self, covered=tuple(covered))

    @property
    def flipped(self) -> tuple[int, ...]:
        """The numbers (from 1) of the points whose verdict the user changed."""
        return tuple(i for i, (p, c) in enumerate(zip(self.grade.points, self.covered), 1) if p.covered != c)

    @property
    def count(self) -> int:
        """Key points confirmed as covered."""
        return sum(self.covered)

    @property
    def share(self) -> float | None:
        """The share confirmed as covered, or None when there are no key points."""
        return confirmed_share(self.covered)

    @property
    def suggested(self) -> int | None:
        """The rating the confirmed coverage suggests (see ``suggest_rating``), None without key points."""
        share = self.share
        return None if share is None else suggest_rating(share)


def parse_point_numbers(text: str, count: int) -> list[int]:
    """Key-point numbers typed to flip: ``2``, ``2 4``, ``2,4``, or ``24`` when every number is one digit.

    ConfigError for anything else, or for a number that is not a point (1 to ``count``).
    """
    t = text.strip()
    if not re.fullmatch(r"[0-9]+(?:[\s,]+[0-9]+)*", t):
        raise ConfigError(f"{text.strip()!r}: type key-point numbers (1-{count}) to flip, or Enter to accept")
    parts = re.split(r"[\s,]+", t)
    if len(parts) == 1 and count <= 9 and len(t) > 1:
        parts = list(t)
    numbers = [int(p) for p in parts]
    bad = [n for n in numbers if not 1 <= n <= count]
    if bad:
        raise ConfigError(f"there is no key point {bad[0]}; type numbers from 1 to {count}")
    return list(dict.fromkeys(numbers))
