"""Signing in and out in team mode, and the health check.

``POST /signin`` checks the name and password with ``archqa.team.accounts.authenticate`` (argon2id, the same
cost for an unknown name as for a wrong password); a failure shows one message whichever it was, after a short
pause, so the page tells nobody which names exist. A success ends any session the browser had, starts a new
one and sets its cookies (``auth.session_cookie``; the CSRF cookie becomes the session's token).
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from archqa.serve.auth import (
    PUBLIC,
    csrf_cookie,
    current_account,
    requires,
    session_cookie,
    session_ended,
    session_token,
    team_mode,
)
from archqa.serve.data import config_of, library
from archqa.serve.security import csrf_protected
from archqa.serve.templating import page

SESSION_LIFETIME = timedelta(hours=12)
"""How long a sign-in lasts."""
FAILED_PAUSE = (0.25, 0.5)
"""Seconds a failed sign-in waits before it answers (drawn from this range), to slow down guessing."""
WRONG = "That name and password do not match an account. Check both and try again."


def safe_next(target: str) -> str:
    """Where to go after signing in: a path on this site, or ``/`` for anything else (an open redirect)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or any(c in target for c in "\r\n"):
        return "/"
    return target


def _form(request: Request, *, status_code: int = 200, name: str = "", message: str = "", next_: str = "") -> Response:
    return page(
        request,
        "signin.html",
        status_code=status_code,
        active="signin",
        name=name,
        message=message,
        next=safe_next(next_ or request.query_params.get("next", "/")),
        ended=session_ended(request),
    )


@requires(PUBLIC)
def signin_form(request: Request) -> Response:
    """The sign-in form (local mode has no accounts: it goes home)."""
    if not team_mode(request):
        return RedirectResponse("/", status_code=303)
    return _form(request)


@requires(PUBLIC)
@csrf_protected
async def signin(request: Request) -> Response:
    """Check the name and password; on success start a session and go to ``next``."""
    if not team_mode(request):
        return RedirectResponse("/", status_code=303)
    form = await request.form()
    name = form.get("name", "")
    password = form.get("password", "")
    target = form.get("next", "/")
    name = name.strip()[:200] if isinstance(name, str) else ""
    password = password[:1000] if isinstance(password, str) else ""
    target = safe_next(target if isinstance(target, str) else "/")
    started = await run_in_threadpool(_start, request, name, password)
    if started is None:
        await asyncio.sleep(random.uniform(*FAILED_PAUSE))
        return _form(request, status_code=400, name=name, message=WRONG, next_=target)
    token, csrf = started
    response = RedirectResponse(target, status_code=303)
    response.headers.append(
        "set-cookie", session_cookie(token, config_of(request), int(SESSION_LIFETIME.total_seconds()))
    )
    response.headers.append("set-cookie", csrf_cookie(csrf))
    return response


def _start(request: Request, name: str, password: str) -> tuple[str, str] | None:
    from archqa.team.accounts import authenticate, end_session, start_session

    store = library(request).store()
    account = authenticate(store, name, password) if name and password else None
    if account is None:
        return None
    old = session_token(request)
    if old:
        end_session(store, old)
    return start_session(store, account.id, lifetime=SESSION_LIFETIME)


@requires(PUBLIC)
@csrf_protected
async def signout(request: Request) -> Response:
    """End the session (if any) and clear its cookie."""
    token = session_token(request)
    if token:
        await run_in_threadpool(_end, request, token)
    response = RedirectResponse("/signin" if team_mode(request) else "/", status_code=303)
    response.headers.append("set-cookie", session_cookie("", config_of(request), 0))
    return response


def _end(request: Request, token: str) -> None:
    from archqa.team.accounts import end_session

    end_session(library(request).store(), token)


@requires(PUBLIC)
def health(request: Request) -> Response:
    """``ok`` when the store answers (for a load balancer or a supervisor)."""
    library(request).store().db.execute("SELECT 1").fetchone()
    return PlainTextResponse("ok", headers={"cache-control": "no-store"})


def who(request: Request) -> str:
    """The signed-in person as the header shows them (empty when nobody is)."""
    account = current_account(request)
    return "" if account is None else account.display_name or account.name


ROUTES = [
    Route("/signin", signin_form, methods=["GET"], name="signin_form"),
    Route("/signin", signin, methods=["POST"], name="signin"),
    Route("/signout", signout, methods=["POST"], name="signout"),
    Route("/health", health, methods=["GET"], name="health"),
]
