"""Practice in the browser: the queue, the attempt first, the grader's verdicts point by point, the rating.

The same library calls and the same store as `archqa practice`: the queue is :meth:`Session.plan` over the
same questions (due first, then new ones taking turns by topic, up to the daily limit), a review is stored by
:meth:`Session.rate` with the grader's verdicts and the user's, so the FSRS state is shared with the terminal.

The grader is loaded once per app, in the background, by a :class:`Desk` kept in ``app.state.practice``;
its answer-independent work for a question starts when the question is shown (:meth:`Session.prepare`).
A grade waits on the server for its rating under a random token, used once: the verdicts never round-trip
through the browser, and a second submit of the same rating form records nothing.

Each person practises on their own cards (``auth.current_user_id``: 0 out of team mode): the plan and the
reviews are their PracticeLog's, and a grade waiting for its rating is bound to the person who got it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archqa.errors import ArchqaError, ConfigError, InputError
from archqa.model import CLUSTERS, Difficulty, Question
from archqa.practice import (
    DEFAULT_GRADER,
    RATINGS,
    Confirmation,
    Grade,
    Grader,
    PracticeLog,
    PracticeQuestion,
    Session,
    filter_questions,
    load_questions,
    parse_rating,
    suggest_rating,
)
from archqa.practice.schedule import describe_interval, format_due, utcnow
from archqa.practice.session import BANK, STORE
from archqa.practice.spans import MAX_ANSWER_CHARS
from archqa.serve.answers import marked_answer, model_answer_html
from archqa.serve.auth import current_user_id, requires
from archqa.serve.data import Library, library
from archqa.serve.security import csrf_protected
from archqa.serve.templating import error_page, page
from archqa.store import Store

SOURCES = (BANK, STORE)
"""What the web can practise: the bundled bank (or ``ServeConfig.bank``) or everything imported into the store."""
MAX_ANSWER = 200_000
"""The longest answer kept, in characters (the grader reads the first ``MAX_ANSWER_CHARS`` of it, as in the
terminal)."""
PENDING_LIMIT = 256
"""Grades kept waiting for their rating at most; the oldest is dropped first."""
NEW_LIMIT = 10
"""New questions a day, as `archqa practice --new` defaults to."""
MAX_SKIPS = 50


@dataclass(frozen=True)
class Pending:
    """A graded answer waiting for its rating: everything the review will store."""

    question: Question
    answer: str
    grade: Grade
    shown_at: float
    """When the question was shown (epoch seconds): the review's duration runs from here to the rating."""
    back: str
    """The queue's query string, to return to after the rating."""
    user_id: int = 0
    """Whose answer it is: only they may rate it."""


class Desk:
    """The app's practice state: one grading Session (its grader loaded once, in the background), the grades
    waiting for a rating, and the source's questions.

    ``grader`` is a registered name or a Grader (``DEFAULT_GRADER``, as the terminal uses). The grading Session
    serves every request; a lock makes sure the grader is used by one of them at a time.
    """

    def __init__(self, grader: Grader | str = DEFAULT_GRADER, limit: int = PENDING_LIMIT) -> None:
        self.grader = grader
        self.limit = limit
        self._session: Session | None = None
        self._prepared = False
        self._prepared_for: OrderedDict[tuple[str, tuple[str, ...]], None] = OrderedDict()
        self._grading = threading.Lock()
        self._lock = threading.Lock()
        self._pending: OrderedDict[str, Pending] = OrderedDict()
        self._done: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self._bank: dict[str, list[PracticeQuestion]] = {}

    def session(self, store: Store) -> Session:
        """The grading Session, created (and its grader's loading started) on first use.

        Its store is the connection of the thread that created it and is never used: grading does not touch
        the store; plans and ratings use a Session over the calling thread's own connection (:func:`session`).
        """
        with self._lock:
            if self._session is None:
                self._session = Session(store, [], self.grader)
                self._session.preload()
            return self._session

    def grader_loaded(self, store: Store) -> bool:
        """True once the grader is ready (the page says "Loading the grader…" until then)."""
        return self.session(store).grader_loaded

    def prepare(self, store: Store, question: Question) -> None:
        """Start the grader's work on ``question``'s key points, unless the grader is busy (it is only a head
        start: grading waits for it or does it).

        While the grader loads, only the first question is prepared: a later one would wait for the first one's
        preparation, which waits for the load, and the page would wait with them.
        """
        s = self.session(store)
        if self._prepared and not s.grader_loaded:
            return
        key = (question.id, tuple(question.key_points))
        if key in self._prepared_for:  # its key points are in the grader's cache already
            return
        if self._grading.acquire(blocking=False):
            try:
                s.prepare(question)
                self._prepared = True
                if s.grader_loaded:
                    self._prepared_for[key] = None
                    while len(self._prepared_for) > 4096:
                        self._prepared_for.popitem(last=False)
            finally:
                self._grading.release()

    def draft(self, store: Store, question: Question, answer: str) -> None:
        """Start work on an answer still being typed (``Session.draft``: one draft at a time, in the
        background, the newest waiting), once the grader is loaded and while no grade runs: a head start only."""
        s = self.session(store)
        if s.grader_loaded and answer.strip() and len(answer) <= MAX_ANSWER and self._grading.acquire(blocking=False):
            try:
                s.draft(question, answer)
            finally:
                self._grading.release()

    def grade(self, store: Store, question: Question, answer: str) -> Grade:
        """Grade ``answer``; waits for the grader to load and for any other grade in progress."""
        s = self.session(store)
        with self._grading:
            return s.grade(question, answer)

    def hold(self, pending: Pending) -> str:
        """Keep a grade until it is rated; returns its token."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._pending[token] = pending
            while len(self._pending) > self.limit:
                self._pending.popitem(last=False)
        return token

    def peek(self, token: str, user_id: int = 0) -> Pending | None:
        """``user_id``'s grade under ``token``, left in place (None for someone else's)."""
        with self._lock:
            found = self._pending.get(token)
        return found if found is not None and found.user_id == user_id else None

    def take(self, token: str, user_id: int = 0) -> Pending | None:
        """``user_id``'s grade under ``token``, removed so that it is rated once; None when it was rated or
        dropped, or is someone else's."""
        with self._lock:
            found = self._pending.get(token)
            if found is None or found.user_id != user_id:
                return None
            return self._pending.pop(token)

    def give_back(self, token: str, pending: Pending) -> None:
        """Put a grade back after its review could not be stored, so the user can rate it again."""
        with self._lock:
            self._pending[token] = pending

    def finish(self, token: str, message: str, user_id: int = 0) -> None:
        """Remember what ``user_id``'s rating ``token`` saved, for the next page and for a repeated submit."""
        with self._lock:
            self._done[token] = (user_id, message)
            while len(self._done) > self.limit:
                self._done.popitem(last=False)

    def saved(self, token: str, user_id: int = 0) -> str | None:
        """What ``user_id``'s rating under ``token`` saved ("Saved: good. Next review ..."), or None."""
        with self._lock:
            found = self._done.get(token)
        return found[1] if found is not None and found[0] == user_id else None

    def questions(self, source: str, library: Library) -> list[PracticeQuestion]:
        """The questions of ``source`` (``bank``: read once per app; ``store``: read each time, so imports show)."""
        if source == STORE:
            if library.config.team:  # published questions only (the store's connection is set so)
                rows = library.store().iter_questions()
                return [PracticeQuestion(Question.model_validate_json(row[4]), row[1]) for row in rows]
            try:
                return load_questions(STORE, library.config.db)
            except InputError:
                return []
        with self._lock:
            if BANK not in self._bank:
                self._bank[BANK] = load_questions(library.config.bank or BANK)
            return self._bank[BANK]


_desk_lock = threading.Lock()


def desk(request: Request) -> Desk:
    """The app's Desk, made on first use (``app.state.practice``; set one there to choose another grader)."""
    state = request.app.state
    with _desk_lock:
        found = getattr(state, "practice", None)
        if found is None:
            found = state.practice = Desk()
    assert isinstance(found, Desk)
    return found


@dataclass(frozen=True)
class Queue:
    """Which questions the queue draws from: the source and the filters, as in `archqa practice`."""

    source: str = BANK
    topic: str = ""
    difficulty: str = ""
    new: int = NEW_LIMIT

    @classmethod
    def of(cls, params: Any) -> Queue:
        """The queue a query string or a form names (anything unknown falls back to the default)."""
        source = params.get("source") or BANK
        try:
            new = min(1000, max(0, int(params.get("new") or NEW_LIMIT)))
        except ValueError:
            new = NEW_LIMIT
        return cls(
            source=source if source in SOURCES else BANK,
            topic=(params.get("topic") or "")[:100],
            difficulty=(params.get("difficulty") or "")[:40],
            new=new,
        )

    def query(self, **extra: str) -> str:
        """The query string that brings back this queue (defaults left out)."""
        pairs = {"source": self.source if self.source != BANK else "", "topic": self.topic}
        pairs |= {"difficulty": self.difficulty, "new": str(self.new) if self.new != NEW_LIMIT else "", **extra}
        return urlencode({k: v for k, v in pairs.items() if v})

    def hidden(self) -> dict[str, str]:
        """The queue as hidden form fields."""
        return {"source": self.source, "topic": self.topic, "difficulty": self.difficulty, "new": str(self.new)}


def session(request: Request, questions: Sequence[PracticeQuestion] = ()) -> Session:
    """A Session over this thread's store connection and the person's own cards, for planning and rating (the
    grader is the Desk's)."""
    store = library(request).store()
    return Session(store, questions, log=PracticeLog(store, user_id=current_user_id(request)))


def find_question(request: Request, qid: str, source: str = "") -> Question | None:
    """A question by id: in ``source`` first (``bank`` or ``store``), then the store, the bundled bank and the
    configured bank folder."""
    if source:
        for pq in desk(request).questions(source, library(request)):
            if pq.question.id == qid:
                return pq.question
    found = library(request).find(qid)
    if found is not None:
        return found.question
    for pq in desk(request).questions(BANK, library(request)):
        if pq.question.id == qid:
            return pq.question
    return None


def _topics(questions: Sequence[PracticeQuestion]) -> list[tuple[str, str]]:
    names = sorted({pq.question.topic for pq in questions if pq.question.topic})
    clusters = [(slug, title) for slug, title in CLUSTERS.items() if any(pq.cluster == slug for pq in questions)]
    return clusters + [(n, n) for n in names if n not in CLUSTERS.values()]


def _queue_page(
    request: Request, queue: Queue, every: Sequence[PracticeQuestion] | None = None, **context: Any
) -> dict[str, Any]:
    """What the page around a question shows: the filter form (topics from ``every``, the source's questions)."""
    if every is None:
        every = desk(request).questions(queue.source, library(request))
    return {
        "active": "practice",
        "queue": queue,
        "topics": _topics(every),
        "difficulties": [d.value for d in Difficulty],
        "sources": SOURCES,
        **context,
    }


@requires("practice")
def practice(request: Request) -> Response:
    """The next question of the queue (or ``?id=QID``), attempt first: the title and a box for the answer."""
    params = request.query_params
    queue = Queue.of(params)
    lib = library(request)
    d = desk(request)
    every = d.questions(queue.source, lib)
    error = ""
    try:
        chosen = filter_questions(
            every, [queue.topic] if queue.topic else [], [queue.difficulty] if queue.difficulty else []
        )
    except ConfigError as exc:
        chosen, error = [], str(exc)
    if not every:
        error = "The store has no questions: import some with `archqa import PATH`, or practise the bank."
    elif not chosen and not error:
        given = " and ".join(f"{k} {v!r}" for k, v in (("topic", queue.topic), ("difficulty", queue.difficulty)) if v)
        error = f"No question in the {queue.source} matches {given}: drop or change a filter."
    s = session(request, chosen)
    plan = s.plan(new_limit=queue.new)
    skipped = [x for x in params.get("skip", "").split(",") if x][:MAX_SKIPS]
    qid = params.get("id", "")
    question: Question | None = None
    kind = ""
    if qid:
        question = find_question(request, qid, queue.source)
        if question is None:
            return error_page(
                request,
                status_code=404,
                active="practice",
                message=f"No question with id {qid!r}.",
                hint="Find it on the Browse page, or practise the queue.",
            )
        kind = "review" if s.log.card(qid) is not None else "new"
    else:
        for item in plan.items:
            if item.question.id not in skipped:
                question = item.question
                kind = "due" if item.kind == "due" else "new"
                break
    if question is not None:
        d.prepare(lib.store(), question)  # the grader encodes the key points while the answer is typed
    saved = d.saved(params.get("after", ""), current_user_id(request)) if params.get("after") else None
    nothing = ""
    if question is None and not error:
        nothing = "Nothing to practise now." if not skipped else "You skipped the rest of the queue."
        if plan.next_due:
            nothing += f" Next due {describe_interval(plan.next_due, utcnow())} ({format_due(plan.next_due)})."
        if plan.new and plan.new_allowed == 0:
            nothing += " Raise the new-question limit to learn more today."
    return page(
        request,
        "practice.html",
        **_queue_page(request, queue, every),
        plan=plan,
        matching=len(chosen),
        q=question,
        kind=kind,
        skip=",".join([*skipped, question.id] if question else skipped),
        saved=saved,
        error=error,
        nothing=nothing,
        answer="",
        shown=f"{time.time():.3f}",
        loaded=d.grader_loaded(lib.store()),
    )


@requires("practice")
def grader_status(request: Request) -> Response:
    """The grader's loading state, polled by the question page until it is ready."""
    return page(request, "practice_status.html", loaded=desk(request).grader_loaded(library(request).store()))


def _form_text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def _suggestions(total: int) -> list[dict[str, Any]]:
    """For each number of points confirmed (0 to ``total``): the rating it suggests and the sentence saying so."""
    out = []
    for n in range(total + 1):
        rating = suggest_rating(n / total)
        out.append(
            {
                "rating": rating,
                "text": f"You confirmed {n} of {total} key points ({n / total:.0%}): suggested rating "
                f"{RATINGS[rating].capitalize()}.",
            }
        )
    return out


@requires("practice")
@csrf_protected
async def draft(request: Request) -> Response:
    """The answer typed so far (sent by the page when typing pauses): graded ahead in the background, so that
    checking it finds the work done. Answers 204 and nothing else; the grade is the same either way."""
    form = await request.form()
    await run_in_threadpool(_draft, request, form)
    return Response(status_code=204)


def _draft(request: Request, form: FormData) -> None:
    raw = form.get("answer", "")
    question = find_question(request, _form_text(form, "qid"), Queue.of(form).source)
    if question is not None and isinstance(raw, str):
        desk(request).draft(library(request).store(), question, raw.replace("\r\n", "\n").strip())


@requires("practice")
@csrf_protected
async def grade(request: Request) -> Response:
    """Grade the answer; show each key point's verdict with its evidence, the flips, the ratings, the model answer."""
    form = await request.form()
    return await run_in_threadpool(_grade, request, form)


def _grade(request: Request, form: FormData) -> Response:
    queue = Queue.of(form)
    qid = _form_text(form, "qid")
    raw = form.get("answer", "")
    answer = raw.replace("\r\n", "\n").strip() if isinstance(raw, str) else ""
    try:
        shown = float(_form_text(form, "shown"))
    except ValueError:
        shown = time.time()
    question = find_question(request, qid, queue.source)
    if question is None:
        return error_page(
            request,
            status_code=404,
            active="practice",
            message=f"No question with id {qid!r}.",
            hint="Go back to Practice and take the next question.",
        )
    d = desk(request)
    store = library(request).store()
    error = ""
    if len(answer) > MAX_ANSWER:
        error = f"Your answer has {len(answer):,} characters; archqa keeps answers up to {MAX_ANSWER:,}. Shorten it."
    result: Grade | None = None
    if not error:
        try:
            result = d.grade(store, question, answer)
        except ArchqaError as exc:
            error = f"The answer could not be graded: {exc}"
    common: dict[str, Any] = {
        "q": question,
        "kind": _form_text(form, "kind"),
        "skip": _form_text(form, "skip", 4000),
        "answer": answer,
    }
    if result is None:
        return page(
            request,
            "practice.html",
            **_queue_page(request, queue),
            **common,
            error=error,
            shown=f"{shown:.3f}",
            loaded=d.grader_loaded(store),
        )
    token = d.hold(Pending(question, answer, result, shown, queue.query(), current_user_id(request)))
    return page(
        request,
        "practice_grade.html",
        **_queue_page(request, queue),
        **common,
        result=result,
        token=token,
        marked=marked_answer(answer, result),
        truncated=len(answer) > MAX_ANSWER_CHARS,
        max_graded=MAX_ANSWER_CHARS,
        suggestions=_suggestions(result.total) if result.total else [],
        suggested=Confirmation.of(result).suggested,
        ratings=RATINGS,
        body=model_answer_html(question),
    )


@requires("practice")
@csrf_protected
async def rate(request: Request) -> Response:
    """Store the review (the grader's verdicts and the user's, FSRS updated) once, then go to the next question.

    On SQLite it runs on the event loop itself: storing a review is one short transaction (under a millisecond),
    cheaper than the hand-over to a worker thread, and ratings then never wait on each other in SQLite. On
    PostgreSQL a review is several round trips to the server, which would hold up every other request: it runs in
    a worker thread, and the server's row locks keep each person's card consistent."""
    form = await request.form()
    if library(request).on_postgres:
        return await run_in_threadpool(_rate, request, form)
    return _rate(request, form)


def _rate(request: Request, form: FormData) -> Response:
    token = _form_text(form, "token")
    d = desk(request)
    me = current_user_id(request)
    if d.saved(token, me) is not None:  # a repeated submit: stored already
        return RedirectResponse(_next_url(None, form, token), status_code=303)
    pending = d.peek(token, me)
    if pending is None:
        return error_page(
            request,
            status_code=409,
            active="practice",
            message="This answer is no longer waiting for a rating: nothing was saved.",
            hint="Answer the question again on the Practice page.",
        )
    try:
        rating = parse_rating(_form_text(form, "rating", 20))
        chosen = {int(v) for v in form.getlist("covered") if isinstance(v, str) and v.isdigit()}
        stray = sorted(n for n in chosen if not 1 <= n <= pending.grade.total)
        if stray:
            raise ConfigError(f"there is no key point {stray[0]}; tick points 1 to {pending.grade.total}")
        base = Confirmation.of(pending.grade)
        flips = [n for n, c in enumerate(base.covered, 1) if (n in chosen) != c]
        confirmation = base.flip(flips)
    except ConfigError as exc:
        return error_page(
            request,
            status_code=400,
            active="practice",
            message=f"The rating was not saved: {exc}.",
            hint="Go back and press Again, Hard, Good or Easy.",
        )
    if d.take(token, me) is None:  # another submit of the same form got here first
        return RedirectResponse(_next_url(pending, form, token), status_code=303)
    try:
        duration = max(0, min(int((time.time() - pending.shown_at) * 1000), 24 * 3600 * 1000))
        lib = library(request)
        with nullcontext() if lib.on_postgres else lib.write_lock:
            review = session(request).rate(
                pending.question,
                rating,
                grade=pending.grade,
                confirmation=confirmation if pending.grade.points else None,
                answer=pending.answer,
                duration_ms=duration,
            )
    except BaseException:
        d.give_back(token, pending)
        raise
    d.finish(
        token,
        f"Saved: {RATINGS[rating]}. Next review {describe_interval(review.due, review.reviewed_at)} "
        f"({format_due(review.due)}).",
        me,
    )
    return RedirectResponse(_next_url(pending, form, token), status_code=303)


def _next_url(pending: Pending | None, form: FormData, token: str) -> str:
    back = pending.back if pending is not None else Queue.of(form).query()
    return "/practice?" + (back + "&" if back else "") + urlencode({"after": token})


ROUTES = [
    Route("/practice", practice, name="practice"),
    Route("/practice/grader", grader_status, name="practice-grader"),
    Route("/practice/draft", draft, methods=["POST"], name="practice-draft"),
    Route("/practice/grade", grade, methods=["POST"], name="practice-grade"),
    Route("/practice/rate", rate, methods=["POST"], name="practice-rate"),
]
