"""The mock interview in the browser: choose a case study and a duration, answer phase by phase under a timer,
answer the follow-ups, read the scorecard, open the saved report.

Everything an interview does is :class:`archqa.interview.Interview`'s; this module keeps each running
interview server-side under a random id (the last ``MAX_SESSIONS``), shows one step at a time (a phase, then
its follow-ups), and times the steps with its own clock: the seconds recorded for an answer run from when its
step was first shown to when the answer arrived. The page gets the seconds left in the phase and overall as
of the moment it was rendered; ``static/interview.js`` counts them down.

A running interview belongs to the person who started it (``auth.current_user_id``; 0 out of team mode):
anyone else who opens its id finds nothing there, and the saved interviews listed and opened are one's own.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from archqa.errors import ArchqaError
from archqa.export.render import difficulty_label, markdown_html
from archqa.generate import load_bank
from archqa.interview import Interview, Phase, Scorecard, list_interviews, load_interview, save_interview
from archqa.interview.plan import DEFAULT_MINUTES, MAX_MINUTES, MIN_MINUTES
from archqa.interview.report import render_report
from archqa.model import Question
from archqa.practice import DEFAULT_GRADER, graders
from archqa.serve.auth import current_user_id, requires
from archqa.serve.config import ServeConfig
from archqa.serve.data import config_of, library
from archqa.serve.generate import Bounded, app_state
from archqa.serve.security import csrf_protected
from archqa.serve.templating import error_page, page

MAX_SESSIONS = 32
"""How many interviews the app keeps in memory (running or just finished); the least recently used leaves."""
DURATIONS = (5, 10, 15, 20, 30, 45, 60, 90)
"""The lengths the form offers, in minutes (the library takes 5 to 180)."""
GRADER_LABELS = {
    "semantic": "Semantic: sentence embeddings (the default)",
    "lexical": "Lexical: shared terms, instant",
}
OFFLINE_GRADERS = ("semantic", "lexical")
"""The graders the page offers: the ones that run offline (the llm grader needs a model server)."""
MAX_ANSWER = 20_000
"""Characters of an answer kept (a longer one is cut, and the page says so)."""


def clock_text(seconds: float) -> str:
    """``m:ss``."""
    s = int(round(abs(seconds)))
    return f"{s // 60}:{s % 60:02d}"


def left_text(seconds: float) -> str:
    """``m:ss left`` or ``m:ss over``, as interview.js writes it."""
    return f"{clock_text(seconds)} {'left' if seconds >= 0 else 'over'}"


@dataclass
class Session:
    """A running interview: the library's Interview, where it stands, and when each step began."""

    id: str
    iv: Interview
    started: float
    step_started: float
    phase: int = 0
    follow_up: int | None = None
    """The index of the follow-up being asked in the current phase; None while the phase itself is asked."""
    note: str = ""
    """What the page says about the previous step (its time, an answer cut short)."""
    card: Scorecard | None = None
    saved: int | None = None
    error: str = ""
    user_id: int = 0
    """Whose interview it is."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def done(self) -> bool:
        return self.card is not None or self.phase >= len(self.iv.plan.phases)

    @property
    def current(self) -> Phase:
        return self.iv.plan.phases[self.phase]

    def step(self) -> str:
        """The current step as the answer form names it: ``PHASE`` or ``PHASE:N`` for its follow-up N."""
        if self.done:
            return "done"
        key = self.current.key
        return key if self.follow_up is None else f"{key}:{self.follow_up}"

    def phase_spent(self, now: float) -> float:
        """Answering time in the current phase so far: its answer, answered follow-ups and the running step."""
        turn = self.iv.transcript.turn(self.current.key)
        done = 0.0 if turn is None else turn.seconds + sum(f.seconds for f in turn.follow_ups)
        return done + (now - self.step_started)


class Sessions:
    """The app's interviews by id, bounded, with the clock that times them (``time.monotonic``)."""

    def __init__(self, size: int = MAX_SESSIONS, clock: Callable[[], float] = time.monotonic) -> None:
        self.items: Bounded[Session] = Bounded(size)
        self.clock = clock
        self._questions: list[Question] | None = None
        self._lock = threading.Lock()

    def questions(self, config: ServeConfig) -> list[Question]:
        """Every question of the app's bank (loaded once)."""
        with self._lock:
            if self._questions is None:
                bank = load_bank(config.bank)
                self._questions = list(bank.questions(bank.entries))
            return self._questions

    def new(self, iv: Interview, user_id: int = 0) -> Session:
        now = self.clock()
        s = Session(id=secrets.token_urlsafe(16), iv=iv, started=now, step_started=now, user_id=user_id)
        self.items.put(s.id, s)
        return s

    def get(self, sid: str, user_id: int = 0) -> Session | None:
        """``user_id``'s interview ``sid`` (None when it is gone or someone else's)."""
        s = self.items.fetch(sid)
        return s if s is not None and s.user_id == user_id else None


def sessions(request: Request) -> Sessions:
    """The app's interviews (made on first use)."""
    return app_state(request, "interviews", Sessions)


def case_studies(questions: Sequence[Question]) -> list[tuple[str, list[Question]]]:
    """The case studies a mock can run on, by difficulty, each list by title."""
    out: dict[str, list[Question]] = {}
    for q in sorted((q for q in questions if q.is_case_study and q.key_points and q.sections), key=lambda q: q.title):
        out.setdefault(difficulty_label(q), []).append(q)
    order = ["Foundational", "Intermediate", "Advanced", "Unrated"]
    return [(k, out[k]) for k in order if k in out]


def grader_choices() -> list[tuple[str, str]]:
    known = graders()
    return [(name, GRADER_LABELS.get(name, name)) for name in OFFLINE_GRADERS if name in known]


# -- the start page ---------------------------------------------------------


def _start_page(
    request: Request, values: dict[str, str], *, status_code: int = 200, message: str = "", note: str = ""
) -> Response:
    config = config_of(request)
    past = list_interviews(library(request).store(), user_id=current_user_id(request))[-10:][::-1]
    return page(
        request,
        "interview.html",
        status_code=status_code,
        active="interview",
        v=values,
        studies=case_studies(sessions(request).questions(config)),
        durations=DURATIONS,
        graders=grader_choices(),
        min_minutes=MIN_MINUTES,
        max_minutes=MAX_MINUTES,
        message=message,
        note=note,
        past=past,
    )


DEFAULTS = {
    "prompt": "",
    "minutes": str(DEFAULT_MINUTES),
    "level": "senior",
    "kind": "case-study",
    "grader": DEFAULT_GRADER,
    "seed": "",
}


@requires("practice")
def start_form(request: Request) -> Response:
    """Choose the case study (or a random one), the duration, the level, the kind and the grader."""
    return _start_page(request, dict(DEFAULTS))


def _start(request: Request, form: dict[str, str]) -> tuple[Session | None, str]:
    """Start an interview from the form's values: the session, or None and the message to show."""
    try:
        minutes = int(form.get("minutes", "") or DEFAULT_MINUTES)
    except ValueError:
        return None, f"Duration: {form.get('minutes')!r} is not a whole number of minutes; choose one from the list."
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        return None, f"Duration: {minutes} minutes is out of range; choose {MIN_MINUTES} to {MAX_MINUTES} minutes."
    level = form.get("level", "senior")
    if level not in ("mid", "senior", "staff"):
        return None, f"Level: {level!r} is not a level; choose mid, senior or staff."
    kind = form.get("kind", "case-study")
    if kind not in ("case-study", "concepts"):
        return None, f"Kind: {kind!r} is not a kind of interview; choose a case study or a run of concepts."
    grader = form.get("grader", DEFAULT_GRADER)
    if grader not in dict(grader_choices()):
        return None, f"Grader: {grader!r} is not offered here; choose {' or '.join(dict(grader_choices()))}."
    raw_seed = form.get("seed", "").strip()
    try:
        seed = int(raw_seed) if raw_seed else random.SystemRandom().randrange(10_000)
    except ValueError:
        return None, f"Seed: {raw_seed!r} is not a whole number; leave it empty for a random draw."
    prompt = form.get("prompt", "").strip() or None
    if kind == "concepts":
        prompt = None  # the case-study list does not apply to a run of concepts
    store = sessions(request)
    try:
        iv = Interview.start(
            store.questions(config_of(request)),
            prompt_id=prompt,
            kind=kind,  # type: ignore[arg-type]
            level=level,  # type: ignore[arg-type]
            minutes=minutes,
            seed=seed,
            grader=grader,
        )
    except ArchqaError as exc:
        return None, str(exc)
    iv.preload()  # the grader's model loads while the first phase is read
    return store.new(iv, current_user_id(request)), ""


@requires("practice")
@csrf_protected
async def start(request: Request) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_started, request, form)


def _started(request: Request, form: dict[str, str]) -> Response:
    session, message = _start(request, form)
    if session is None:
        return _start_page(request, {**DEFAULTS, **form}, status_code=400, message=message)
    return RedirectResponse(f"/interview/{session.id}", status_code=303)


# -- the steps --------------------------------------------------------------


def _missing(request: Request) -> Response:
    return _start_page(
        request,
        dict(DEFAULTS),
        status_code=404,
        message="This interview is no longer running here (the app keeps the last "
        f"{MAX_SESSIONS}, and forgets them when it restarts). Start another one below; finished ones are listed "
        "under Saved interviews.",
    )


@requires("practice")
def step_page(request: Request) -> Response:
    """The current step of an interview: a phase, a follow-up, or the scorecard at the end."""
    store = sessions(request)
    s = store.get(request.path_params["sid"], current_user_id(request))
    if s is None:
        return _missing(request)
    with s.lock:
        if s.done:
            return _scorecard_page(request, s)
        now = store.clock()
        plan = s.iv.plan
        phase = s.current
        total = sum(p.seconds for p in plan.phases)
        turn = s.iv.transcript.turn(phase.key)
        follow_up = turn.follow_ups[s.follow_up] if turn is not None and s.follow_up is not None else None
        return page(
            request,
            "interview_step.html",
            active="interview",
            s=s,
            plan=plan,
            phase=phase,
            number=s.phase + 1,
            turn=turn,
            follow_up=follow_up,
            follow_up_number=(s.follow_up or 0) + 1,
            phase_left=phase.seconds - s.phase_spent(now),
            total_left=total - (now - s.started),
            budget=clock_text(phase.seconds),
            total=clock_text(total),
            left_text=left_text,
            clock=clock_text,
            grader_ready=s.iv.grader_ready,
        )


def _advance(s: Session) -> None:
    """Move to the next step after the current one was answered: the phase's next follow-up, or the next phase."""
    turn = s.iv.transcript.turn(s.current.key)
    assert turn is not None
    nxt = 0 if s.follow_up is None else s.follow_up + 1
    if nxt < len(turn.follow_ups):
        s.follow_up = nxt
        return
    spent = turn.seconds + sum(f.seconds for f in turn.follow_ups)
    s.note = f"{s.current.title}: {clock_text(spent)} of {clock_text(s.current.seconds)}."
    s.phase, s.follow_up = s.phase + 1, None


def _answer(request: Request, s: Session, step: str, text: str) -> None:
    """Grade the answer to the current step and move on; an answer to another step (sent twice, or from an old
    tab) is ignored."""
    store = sessions(request)
    with s.lock:
        if s.done or step != s.step():
            return
        seconds = store.clock() - s.step_started
        cut = len(text) > MAX_ANSWER
        text = text[:MAX_ANSWER]
        try:
            if s.follow_up is None:
                s.iv.answer(s.current.key, text, seconds)
            else:
                s.iv.answer_follow_up(s.current.key, s.follow_up, text, seconds)
        except ArchqaError as exc:  # a grader that fails: score what was graded, as the terminal does
            s.error = f"The interview stopped here: {exc}"
            _finish(request, s)
            return
        s.note = ""
        _advance(s)
        if cut:
            s.note = f"Your answer was cut to its first {MAX_ANSWER:,} characters. {s.note}".strip()
        s.step_started = store.clock()
        if s.done:
            _finish(request, s)


def _finish(request: Request, s: Session) -> None:
    """Score the interview and save it (nothing is saved when no phase was answered)."""
    s.card = s.iv.finish()
    s.phase = len(s.iv.plan.phases)
    if s.iv.transcript.turns:
        s.saved = save_interview(library(request).store(), s.iv.transcript, s.card, user_id=s.user_id)


@requires("practice")
@csrf_protected
async def answer(request: Request) -> Response:
    s = sessions(request).get(request.path_params["sid"], current_user_id(request))
    if s is None:
        return await run_in_threadpool(_missing, request)
    form = await request.form()
    step, text = form.get("step", ""), form.get("answer", "")
    await run_in_threadpool(
        _answer, request, s, step if isinstance(step, str) else "", text if isinstance(text, str) else ""
    )
    return RedirectResponse(f"/interview/{s.id}", status_code=303)


@requires("practice")
@csrf_protected
async def draft(request: Request) -> Response:
    """The answer typed so far to the current step (sent by the page when typing pauses): graded ahead in the
    background (``Interview.draft``), so that sending it finds the work done. Answers 204; grades are the same."""
    s = sessions(request).get(request.path_params["sid"], current_user_id(request))
    form = await request.form()
    step, text = form.get("step", ""), form.get("answer", "")
    if s is not None and isinstance(step, str) and isinstance(text, str) and text.strip():
        await run_in_threadpool(_draft, s, step, text[:MAX_ANSWER].replace("\r\n", "\n"))
    return Response(status_code=204)


def _draft(s: Session, step: str, text: str) -> None:
    if s.lock.acquire(blocking=False):  # a step being graded or scored: no head start is needed now
        try:
            if not s.done and step == s.step() and s.iv.grader_ready:
                s.iv.draft(s.current.key, text, follow_up=s.follow_up)
        finally:
            s.lock.release()


def _stop(request: Request, s: Session) -> None:
    with s.lock:
        if s.card is None:
            _finish(request, s)


@requires("practice")
@csrf_protected
async def finish(request: Request) -> Response:
    """Stop now: score the phases answered so far."""
    s = sessions(request).get(request.path_params["sid"], current_user_id(request))
    if s is None:
        return await run_in_threadpool(_missing, request)
    await run_in_threadpool(_stop, request, s)
    return RedirectResponse(f"/interview/{s.id}", status_code=303)


def _scorecard_page(request: Request, s: Session) -> Response:
    assert s.card is not None
    transcript = s.iv.transcript
    titles = {p.key: p.title for p in s.iv.plan.phases}
    diagrams = [(titles[t.phase], t.diagram) for t in transcript.turns if t.diagram is not None]
    return page(
        request,
        "interview_scorecard.html",
        active="interview",
        s=s,
        plan=s.iv.plan,
        card=s.card,
        transcript=transcript,
        diagrams=diagrams,
        answered=len(transcript.turns),
        used=clock_text(sum(t.seconds + sum(f.seconds for f in t.follow_ups) for t in transcript.turns)),
        md=lambda text: Markup(markdown_html(text or "")),
    )


@requires("practice")
def report(request: Request) -> Response:
    """The saved interview's report: the library's one-page HTML (offline, printable, no script)."""
    try:
        iid = int(request.path_params["iid"])
        transcript, card = load_interview(library(request).store(), iid, user_id=current_user_id(request))
    except (ValueError, ArchqaError):
        return error_page(
            request,
            status_code=404,
            active="interview",
            message=f"No saved interview {request.path_params['iid']!r}.",
            hint="The Interview page lists the saved ones.",
        )
    return HTMLResponse(render_report(transcript, card, iid))


ROUTES = [
    Route("/interview", start_form, methods=["GET"], name="interview"),
    Route("/interview/start", start, methods=["POST"], name="interview_start"),
    Route("/interview/report/{iid}", report, methods=["GET"], name="interview_report"),
    Route("/interview/{sid}", step_page, methods=["GET"], name="interview_step"),
    Route("/interview/{sid}/draft", draft, methods=["POST"], name="interview_draft"),
    Route("/interview/{sid}/answer", answer, methods=["POST"], name="interview_answer"),
    Route("/interview/{sid}/finish", finish, methods=["POST"], name="interview_finish"),
]
