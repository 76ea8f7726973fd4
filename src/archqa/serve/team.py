"""The team pages: the shared bank's review queue, the interviewer's candidates, and the admin's users.

Each page only calls ``archqa.team`` (``review``, ``interviewer``, ``accounts``) and shows what it returns;
permissions are ``auth.requires``'s (``author`` for the queue and edits, ``review`` to approve or reject,
``interview_candidates`` for candidates, ``admin`` for users). An interviewer sees only the candidates assigned to
them (the library refuses the others with ``AccessDenied``, shown here as "no such candidate", so the page does
not tell which accounts exist); an admin sees every account, and acts on a candidate once assigned to them.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from archqa.errors import ArchqaError
from archqa.model import Blueprint, Question
from archqa.serve.auth import current_account, current_user_id, requires, team_mode
from archqa.serve.data import library
from archqa.serve.security import csrf_protected
from archqa.serve.templating import error_page, page
from archqa.store import Store

SET_SIZES = (3, 5, 8, 10, 15, 20)
"""The sizes the candidate page offers for a new set."""
OVERALL = ("strong-no", "no", "mixed", "yes", "strong-yes")
"""The overall verdicts a recorded scorecard may carry."""


E = TypeVar("E", bound=Callable[..., Any])


def team_only(endpoint: E) -> E:
    """Wrap a team page so that out of team mode it is not there (404): a local store has no accounts."""

    def missing(request: Request) -> Response:
        return error_page(
            request,
            status_code=404,
            active="",
            message="This page is part of a team server.",
            hint="Start one with `archqa serve --team` (or --db postgresql://...) and sign in.",
        )

    if inspect.iscoroutinefunction(endpoint):

        @wraps(endpoint)
        async def async_wrapper(request: Request) -> Response:
            return missing(request) if not team_mode(request) else await endpoint(request)

        return async_wrapper  # type: ignore[return-value]

    @wraps(endpoint)
    def wrapper(request: Request) -> Response:
        return missing(request) if not team_mode(request) else endpoint(request)

    return wrapper  # type: ignore[return-value]


def _store(request: Request) -> Store:
    return library(request).store()


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _is_admin(request: Request) -> bool:
    account = current_account(request)
    return account is not None and account.role == "admin"


# -- the review queue ---------------------------------------------------------


@requires("author")
@team_only
def review_queue(request: Request) -> Response:
    """The questions waiting for review, oldest first."""
    from archqa.team import review

    return page(request, "review.html", active="review", items=review.queue(_store(request)))


def _review_page(
    request: Request, qid: str, *, status_code: int = 200, message: str = "", draft: str | None = None
) -> Response:
    from archqa.team import review
    from archqa.team.accounts import may

    store = _store(request)
    versions = review.history(store, qid)
    if not versions:
        return error_page(
            request,
            status_code=404,
            active="review",
            message=f"No question {qid!r} has a review history.",
            hint="Pick one from the Review page.",
        )
    latest = versions[-1]
    account = current_account(request)
    role = account.role if account is not None else ""
    if draft is None:
        draft = json.dumps(latest.question.model_dump(mode="json", exclude_defaults=True), indent=2, ensure_ascii=False)
    return page(
        request,
        "review_question.html",
        status_code=status_code,
        active="review",
        qid=qid,
        versions=versions,
        latest=latest,
        title=latest.question.title,
        draft=draft,
        message=message,
        can_review=may(role, "review"),
        own=latest.user_id == current_user_id(request),
    )


@requires("author")
@team_only
def review_question(request: Request) -> Response:
    """A question under review: every version with who and when, the validator's findings, the edit form (authors)
    and approve or reject (reviewers)."""
    return _review_page(request, request.path_params["qid"])


@requires("author")
@csrf_protected
@team_only
async def review_edit(request: Request) -> Response:
    """Save an edit as a new version (back to review; the validator runs on it)."""
    form = await request.form()
    return await run_in_threadpool(_edit, request, form)


def _edit(request: Request, form: FormData) -> Response:
    from archqa.team import review

    qid = request.path_params["qid"]
    raw = form.get("question", "")
    draft = raw if isinstance(raw, str) else ""
    try:
        question = Question.model_validate_json(draft)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the text"
        message = f"The edit was not saved: {where}: {first.get('msg', 'invalid')}. Fix it and save again."
        return _review_page(request, qid, status_code=400, message=message, draft=draft)
    if question.id != qid:
        message = f"The edit was not saved: its id is {question.id!r}, not {qid!r}. Keep the id as it was."
        return _review_page(request, qid, status_code=400, message=message, draft=draft)
    try:
        review.edit(_store(request), qid, question, current_user_id(request), note=_text(form, "note"))
    except ArchqaError as exc:
        return _review_page(request, qid, status_code=400, message=f"The edit was not saved: {exc}", draft=draft)
    return RedirectResponse(f"/review/{qid}", status_code=303)


@requires("review")
@csrf_protected
@team_only
async def review_decide(request: Request) -> Response:
    """Approve (publish) or reject the question's latest version."""
    form = await request.form()
    return await run_in_threadpool(_decide, request, form)


def _decide(request: Request, form: FormData) -> Response:
    from archqa.team import review

    qid = request.path_params["qid"]
    action = _text(form, "action", 20)
    if action not in ("approve", "reject"):
        return _review_page(request, qid, status_code=400, message=f"Unknown action {action!r}: approve or reject.")
    decide = review.approve if action == "approve" else review.reject
    try:
        decide(_store(request), qid, current_user_id(request), note=_text(form, "note"))
    except ArchqaError as exc:
        return _review_page(request, qid, status_code=400, message=f"Nothing changed: {exc}")
    return RedirectResponse("/review", status_code=303)


# -- candidates ---------------------------------------------------------------


@requires("interview_candidates")
@team_only
def candidates(request: Request) -> Response:
    """The candidates assigned to the interviewer (an admin: every account)."""
    from archqa.team.accounts import candidates_of, list_accounts

    store = _store(request)
    admin = _is_admin(request)
    people = list_accounts(store) if admin else candidates_of(store, current_user_id(request))
    return page(request, "candidates.html", active="candidates", people=people, admin=admin)


def _candidate(request: Request) -> Any:
    """The candidate the path names, if this interviewer may see them (an admin: any account), else None."""
    from archqa.team.accounts import get_account, is_assigned

    try:
        cid = int(request.path_params["cid"])
    except ValueError:
        return None
    store = _store(request)
    person = get_account(store, cid)
    if person is None:
        return None
    if _is_admin(request) or is_assigned(store, current_user_id(request), cid):
        return person
    return None


def _no_candidate(request: Request) -> Response:
    return error_page(
        request,
        status_code=404,
        active="candidates",
        message=f"No candidate {request.path_params['cid']!r} is assigned to you.",
        hint="The Candidates page lists yours; an admin assigns them on the Users page.",
    )


def _candidate_page(request: Request, *, status_code: int = 200, message: str = "") -> Response:
    from archqa.team import interviewer
    from archqa.team.accounts import is_assigned

    person = _candidate(request)
    if person is None:
        return _no_candidate(request)
    store = _store(request)
    me = current_user_id(request)
    assigned = is_assigned(store, me, person.id)
    seen = interviewer.exposure(store, person.id)
    return page(
        request,
        "candidate.html",
        status_code=status_code,
        active="candidates",
        person=person,
        exposure=sorted(seen.items()),
        assigned=assigned,
        sets=interviewer.candidate_sets(store, me, person.id) if assigned else [],
        scorecards=interviewer.scorecards_of(store, me, person.id) if assigned else [],
        sizes=SET_SIZES,
        overall=OVERALL,
        message=message,
    )


@requires("interview_candidates")
@team_only
def candidate(request: Request) -> Response:
    """A candidate: what they have seen (exposure), their sets with pack downloads, the scorecards recorded."""
    return _candidate_page(request)


@requires("interview_candidates")
@csrf_protected
@team_only
async def candidate_set(request: Request) -> Response:
    """Build a set for the candidate (questions they have not seen, unless asked)."""
    form = await request.form()
    return await run_in_threadpool(_build_set, request, form)


def _build_set(request: Request, form: FormData) -> Response:
    from archqa.team import interviewer

    person = _candidate(request)
    if person is None:
        return _no_candidate(request)
    try:
        count = int(_text(form, "count", 5) or "5")
        seed = int(_text(form, "seed", 12) or "0")
    except ValueError:
        return _candidate_page(request, status_code=400, message="Size and seed are whole numbers; choose again.")
    try:
        blueprint = Blueprint(count=count, seed=seed)
        interviewer.build_set(
            _store(request), current_user_id(request), person.id, blueprint, exclude_seen=form.get("seen") != "1"
        )
    except (ArchqaError, ValidationError) as exc:
        return _candidate_page(request, status_code=400, message=f"No set was built: {exc}")
    return RedirectResponse(f"/candidates/{person.id}", status_code=303)


@requires("interview_candidates")
@team_only
def candidate_pack(request: Request) -> Response:
    """A set's interviewer pack (HTML, printable)."""
    from archqa.team import interviewer

    person = _candidate(request)
    if person is None:
        return _no_candidate(request)
    try:
        sid = int(request.path_params["sid"])
        found = interviewer.get_set(_store(request), sid, current_user_id(request))
        if found.candidate_id != person.id:
            raise LookupError(sid)
        html = interviewer.pack(_store(request), sid, current_user_id(request))
    except (ValueError, LookupError, ArchqaError):
        return error_page(
            request,
            status_code=404,
            active="candidates",
            message=f"No set {request.path_params['sid']!r} of yours for this candidate.",
            hint="The candidate's page lists their sets.",
        )
    disposition = "attachment" if request.query_params.get("download") else "inline"
    headers = {"content-disposition": f'{disposition}; filename="interviewer-pack-{sid}.html"'}
    return HTMLResponse(html, headers={**headers, "cache-control": "no-store"})


@requires("interview_candidates")
@csrf_protected
@team_only
async def candidate_scorecard(request: Request) -> Response:
    """Record a scorecard for the candidate (overall verdict, notes, the set it was for)."""
    form = await request.form()
    return await run_in_threadpool(_scorecard, request, form)


def _scorecard(request: Request, form: FormData) -> Response:
    from archqa.team import interviewer

    person = _candidate(request)
    if person is None:
        return _no_candidate(request)
    overall = _text(form, "overall", 20)
    if overall not in OVERALL:
        return _candidate_page(request, status_code=400, message=f"Choose an overall verdict ({', '.join(OVERALL)}).")
    raw_set = _text(form, "set_id", 12)
    card = {"overall": overall, "notes": _text(form, "notes", 20_000)}
    try:
        interviewer.record_scorecard(
            _store(request), current_user_id(request), person.id, card, set_id=int(raw_set) if raw_set else None
        )
    except (ArchqaError, ValueError) as exc:
        return _candidate_page(request, status_code=400, message=f"The scorecard was not recorded: {exc}")
    return RedirectResponse(f"/candidates/{person.id}", status_code=303)


# -- users (admin) -------------------------------------------------------------


def _users_page(request: Request, *, status_code: int = 200, message: str = "", done: str = "") -> Response:
    from archqa.team.accounts import ROLES, candidates_of, list_accounts

    store = _store(request)
    people = list_accounts(store)
    interviewers = [p for p in people if p.role in ("interviewer", "admin")]
    assigned = {p.id: candidates_of(store, p.id) for p in interviewers}
    return page(
        request,
        "users.html",
        status_code=status_code,
        active="users",
        people=people,
        roles=ROLES,
        interviewers=interviewers,
        assigned=assigned,
        message=message,
        done=done or request.query_params.get("done", "")[:200],
    )


@requires("admin")
@team_only
def users(request: Request) -> Response:
    """Every account with its role, the add-user form, role changes and assignments."""
    return _users_page(request)


@requires("admin")
@csrf_protected
@team_only
async def users_post(request: Request) -> Response:
    """Add an account, change a role, disable an account, or assign / unassign a candidate."""
    form = await request.form()
    return await run_in_threadpool(_users_action, request, form)


def _users_action(request: Request, form: FormData) -> Response:
    from archqa.team import accounts

    store = _store(request)
    action = _text(form, "action", 20)
    name = _text(form, "name", 64)
    try:
        if action == "add":
            raw = form.get("password", "")
            password = raw if isinstance(raw, str) else ""
            made = accounts.create_account(store, name, password, _text(form, "role", 20), _text(form, "display", 200))
            done = f"Added {made.name} ({made.role})."
        elif action == "role":
            changed = accounts.set_role(store, name, _text(form, "role", 20))
            done = f"{changed.name} is now {changed.role}."
        elif action == "disable":
            accounts.disable(store, name)
            done = f"{name} is disabled (signed out everywhere)."
        elif action in ("assign", "unassign"):
            interviewer_id, candidate_id = int(_text(form, "interviewer", 12)), int(_text(form, "candidate", 12))
            if action == "assign":
                accounts.assign(store, interviewer_id, candidate_id)
            else:
                accounts.unassign(store, interviewer_id, candidate_id)
            done = "Assignment saved." if action == "assign" else "Assignment removed."
        else:
            return _users_page(request, status_code=400, message=f"Unknown action {action!r}.")
    except ValueError:
        return _users_page(request, status_code=400, message="Choose an interviewer and a candidate from the lists.")
    except ArchqaError as exc:
        return _users_page(request, status_code=400, message=f"Nothing changed: {exc}")
    from urllib.parse import quote

    return RedirectResponse("/admin/users?done=" + quote(done), status_code=303)


ROUTES = [
    Route("/review", review_queue, methods=["GET"], name="review"),
    Route("/review/{qid:str}", review_question, methods=["GET"], name="review_question"),
    Route("/review/{qid:str}/edit", review_edit, methods=["POST"], name="review_edit"),
    Route("/review/{qid:str}/decide", review_decide, methods=["POST"], name="review_decide"),
    Route("/candidates", candidates, methods=["GET"], name="candidates"),
    Route("/candidates/{cid:str}", candidate, methods=["GET"], name="candidate"),
    Route("/candidates/{cid:str}/sets", candidate_set, methods=["POST"], name="candidate_set"),
    Route("/candidates/{cid:str}/sets/{sid:str}/pack", candidate_pack, methods=["GET"], name="candidate_pack"),
    Route("/candidates/{cid:str}/scorecards", candidate_scorecard, methods=["POST"], name="candidate_scorecard"),
    Route("/admin/users", users, methods=["GET"], name="users"),
    Route("/admin/users", users_post, methods=["POST"], name="users_post"),
]
