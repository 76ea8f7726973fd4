"""Who is asking, and may they: accounts, server-side sessions and permissions for team mode.

In team mode (``ServeConfig.team``) a person signs in (``serve.signin``) and gets a random token in the
``archqa_session`` cookie (HttpOnly, SameSite=Lax, Secure unless the app listens on loopback); the store keeps
only its SHA-256 (``archqa.team.accounts``). :class:`SessionAuth` looks the token up once per request, in the
thread pool, and leaves the account in the request's scope, where :func:`current_account` finds it.

Every endpoint is wrapped in :func:`requires` with the permission it needs (``"public"`` for sign-in, assets and
health; one of ``archqa.team.accounts.PERMISSIONS`` otherwise), and a test walks every route of the app as every
role. In team mode a request without a session is sent to ``/signin`` (GET; an htmx request gets 401 with
``HX-Redirect``, so the whole page goes there) or refused with 401; a signed-in person without the permission gets
a 403 page. Out of team mode nothing is checked and everyone is user 0, the
local store's one person, as before.

CSRF: the double-submit check of ``security.csrf_protected`` stays; in team mode the token is also the one the
session was started with, so a token from another session (another browser, an earlier sign-in) is refused.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from archqa.serve.config import ServeConfig, is_loopback
from archqa.serve.security import COOKIE as CSRF_COOKIE
from archqa.serve.security import FIELD as CSRF_FIELD
from archqa.serve.security import HEADER as CSRF_HEADER
from archqa.serve.templating import error_page

if TYPE_CHECKING:
    from archqa.team.accounts import Account

SESSION_COOKIE = "archqa_session"
PUBLIC = "public"
"""The permission of the pages anyone may open: sign-in, the static assets, the health check."""

TEAM_NAV = (
    ("review", "/review", "Review", "author"),
    ("candidates", "/candidates", "Candidates", "interview_candidates"),
    ("users", "/admin/users", "Users", "admin"),
)
"""The team pages' tabs: (key, link, label, the permission that shows the tab)."""

_ACCOUNT = "archqa.account"
_TOKEN = "archqa.session.token"
_CSRF = "archqa.session.csrf"
_STALE = "archqa.session.stale"
_NAV = "archqa.nav"

E = TypeVar("E", bound=Callable[..., Any])


def team_mode(conn: HTTPConnection) -> bool:
    """True when the app runs in team mode (``ServeConfig.team``)."""
    config = conn.app.state.config
    assert isinstance(config, ServeConfig)
    return config.team


def current_account(request: HTTPConnection) -> Account | None:
    """The signed-in person's account; None when nobody is signed in, and always in local mode."""
    account = request.scope.get(_ACCOUNT)
    return account


def current_user_id(request: HTTPConnection) -> int:
    """Whose practice state this request reads and writes: the account's id, or 0 (the local store's person)."""
    account = current_account(request)
    return 0 if account is None else int(account.id)


def session_token(request: HTTPConnection) -> str:
    """The raw session token the browser sent (empty when none); for sign-out."""
    return str(request.scope.get(_TOKEN) or "")


def session_ended(request: HTTPConnection) -> bool:
    """True when the browser sent a session that is unknown, expired or whose account was disabled."""
    return bool(request.scope.get(_STALE))


def session_cookie(token: str, config: ServeConfig, max_age: int) -> str:
    """The ``Set-Cookie`` value carrying ``token`` (``max_age`` 0 clears it)."""
    secure = "" if is_loopback(config.host) else "; Secure"
    return f"{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"


def csrf_cookie(token: str) -> str:
    """The ``Set-Cookie`` value for the CSRF cookie, as ``security.SecurityHeaders`` sets it."""
    return f"{CSRF_COOKIE}={token}; Path=/; SameSite=Strict; HttpOnly"


class SessionAuth:
    """ASGI middleware: in team mode, the account of the request's session cookie, looked up in the thread pool
    (a query per request) and kept in the scope for :func:`current_account`, with the tabs its role may see.

    The CSRF token the pages carry becomes the session's: the middleware puts it where ``security.csrf_token``
    looks first and has the cookie set to it when the browser's differs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith("/static/"):  # assets: public
            conn = HTTPConnection(scope)
            if team_mode(conn):
                token = conn.cookies.get(SESSION_COOKIE, "")
                found = await run_in_threadpool(_lookup, conn, token) if token else None
                scope[_TOKEN] = token
                if found is None:
                    scope[_STALE] = bool(token)
                else:
                    account, csrf = found
                    scope[_ACCOUNT] = account
                    scope[_CSRF] = csrf
                    scope["archqa.csrf.bound"] = csrf
                    if conn.cookies.get(CSRF_COOKIE) != csrf:
                        scope["archqa.csrf.new"] = csrf
                    scope[_NAV] = _nav(account.role)
        await self.app(scope, receive, send)


def _lookup(conn: HTTPConnection, token: str) -> tuple[Account, str] | None:
    from archqa.team.accounts import session_account

    return session_account(conn.app.state.library.store(), token)


def _nav(role: str) -> list[tuple[str, str, str]]:
    from archqa.team.accounts import may

    return [(key, href, label) for key, href, label, permission in TEAM_NAV if may(role, permission)]


def allowed(request: HTTPConnection, permission: str) -> bool:
    """True when this request may use a page that needs ``permission`` (always in local mode)."""
    if permission == PUBLIC or not team_mode(request):
        return True
    account = current_account(request)
    if account is None:
        return False
    from archqa.team.accounts import may

    return may(account.role, permission)


def _refusal(request: Request, permission: str) -> Response | None:
    """The response that refuses this request, or None when it may go on."""
    if allowed(request, permission):
        return None
    if current_account(request) is None:
        if request.headers.get("hx-request"):  # htmx would swap the sign-in page into a fragment: go there instead
            shown = urlsplit(request.headers.get("hx-current-url", ""))
            target = (shown.path or "/") + (f"?{shown.query}" if shown.query else "")
            signin = "/signin?next=" + quote(target, safe="")
            return Response(status_code=401, headers={"hx-redirect": signin})
        if request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/signin?next=" + quote(target, safe=""), status_code=303)
        return error_page(
            request,
            status_code=401,
            active="",
            message="You are not signed in (or your session has ended): nothing was saved.",
            hint="Sign in on the Sign-in page, then send the form again.",
        )
    account = current_account(request)
    assert account is not None
    return error_page(
        request,
        status_code=403,
        active="",
        message=f"Your role ({account.role}) may not open this page: it needs the {permission!r} permission.",
        hint="Ask an admin to change your role on the Users page if you need it.",
    )


async def _foreign_csrf(request: Request) -> Response | None:
    """In team mode, a form sent with a CSRF token that is not this session's gets 403."""
    bound = request.scope.get(_CSRF)
    if not bound or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        value = (await request.form()).get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if sent and hmac.compare_digest(str(bound).encode(), sent.encode()):
        return None
    return error_page(
        request,
        status_code=403,
        active="",
        message="This form's security token does not belong to your session: nothing was saved.",
        hint="Reload the page (you may have signed in again elsewhere) and send the form again.",
    )


def requires(permission: str) -> Callable[[E], E]:
    """Wrap an endpoint (plain function or coroutine) so that it runs only for someone with ``permission``;
    sets ``endpoint.permission``. Put it outside ``csrf_protected``."""

    def decorate(endpoint: E) -> E:
        if _is_async(endpoint):
            async_endpoint: Callable[[Request], Awaitable[Response]] = endpoint

            @wraps(endpoint)
            async def async_wrapper(request: Request) -> Response:
                refused = _refusal(request, permission) or await _foreign_csrf(request)
                return refused if refused is not None else await async_endpoint(request)

            wrapper: Any = async_wrapper
        else:

            @wraps(endpoint)
            def sync_wrapper(request: Request) -> Response:
                refused = _refusal(request, permission)
                return refused if refused is not None else endpoint(request)

            wrapper = sync_wrapper
        wrapper.permission = permission
        return wrapper

    return decorate


def _is_async(endpoint: Callable[..., Any]) -> bool:
    import inspect

    return inspect.iscoroutinefunction(endpoint)
