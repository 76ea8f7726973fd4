"""Signing in with an OpenID Connect provider, in team mode when ``ServeConfig.oidc`` is set
(``archqa serve --oidc-issuer URL --oidc-client-id ID``; the library is ``archqa.team.oidc``).

``GET /signin/oidc`` sends the browser to the provider with a fresh state, nonce and PKCE verifier, kept in
this process for ten minutes under the state and bound to the browser by a random value in the ``archqa_oidc``
cookie (only its hash is kept). ``GET /signin/oidc/callback`` takes the state out (so it works once), checks the
cookie, exchanges the code, validates the ID token and starts a session as a password sign-in does. Every
failure is an error page saying what happened; nothing is signed in. The pending sign-ins live in the server
process (``archqa serve`` runs one), so a restart in the middle of one means starting it again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archqa.errors import ArchqaError
from archqa.serve.auth import PUBLIC, csrf_cookie, requires, session_cookie, session_token, team_mode
from archqa.serve.config import ServeConfig, is_loopback
from archqa.serve.data import config_of, library
from archqa.serve.signin import SESSION_LIFETIME, safe_next
from archqa.serve.templating import error_page

if TYPE_CHECKING:
    from archqa.team.oidc import OidcConfig, ProviderMetadata

COOKIE = "archqa_oidc"
PENDING_SECONDS = 600
"""How long a sign-in may take at the provider."""
MAX_PENDING = 10_000
"""At most this many sign-ins under way at once (the oldest are dropped beyond it)."""
DISCOVERY_SECONDS = 3600
"""How long the provider's discovery document is kept before it is read again."""


@dataclass(frozen=True)
class Pending:
    """A sign-in sent to the provider and not yet back."""

    browser: str  # sha256 of the cookie's value
    nonce: str
    code_verifier: str
    redirect_url: str
    next: str
    started: float


class PendingSignIns:
    """The sign-ins under way, by state; each can be taken once. Kept on the app (``app.state.oidc``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, Pending] = {}
        self._metadata: tuple[float, ProviderMetadata] | None = None

    def put(self, state: str, pending: Pending) -> None:
        with self._lock:
            now = time.monotonic()
            for key in [k for k, p in self._pending.items() if now - p.started > PENDING_SECONDS]:
                del self._pending[key]
            while len(self._pending) >= MAX_PENDING:
                del self._pending[next(iter(self._pending))]
            self._pending[state] = pending

    def take(self, state: str) -> Pending | None:
        with self._lock:
            pending = self._pending.pop(state, None)
        if pending is None or time.monotonic() - pending.started > PENDING_SECONDS:
            return None
        return pending

    def metadata(self, config: OidcConfig) -> ProviderMetadata:
        """The provider's discovery document, read at most once an hour."""
        from archqa.team.oidc import discover

        with self._lock:
            kept = self._metadata
        if kept is not None and time.monotonic() - kept[0] < DISCOVERY_SECONDS:
            return kept[1]
        found = discover(config)
        with self._lock:
            self._metadata = (time.monotonic(), found)
        return found


_CREATE = threading.Lock()


def _pending(request: Request) -> PendingSignIns:
    state = request.app.state
    with _CREATE:
        if getattr(state, "oidc", None) is None:
            state.oidc = PendingSignIns()
    found = state.oidc
    assert isinstance(found, PendingSignIns)
    return found


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _cookie(value: str, config: ServeConfig, max_age: int) -> str:
    secure = "" if is_loopback(config.host) else "; Secure"
    return f"{COOKIE}={value}; Path=/signin/oidc; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"


def _refused(request: Request, message: str, hint: str, status_code: int = 400, *, clear: bool = False) -> Response:
    """The error page; ``clear`` also forgets the browser's binding (once its sign-in was taken: a stray or forged
    callback must not spoil the one under way)."""
    response = error_page(request, status_code=status_code, active="signin", message=message, hint=hint)
    if clear:
        response.headers.append("set-cookie", _cookie("", config_of(request), 0))
    return response


def _redirect_url(request: Request, oidc: OidcConfig) -> str:
    return oidc.redirect_url or str(request.url_for("oidc_callback"))


@requires(PUBLIC)
async def oidc_start(request: Request) -> Response:
    """Send the browser to the provider to sign in."""
    oidc = config_of(request).oidc
    if not team_mode(request) or oidc is None:
        return _refused(
            request,
            "This server has no OpenID Connect sign-in.",
            "Sign in with your name and password, or start archqa serve with --oidc-issuer and --oidc-client-id.",
            status_code=404,
        )
    from archqa.team.oidc import start

    pending = _pending(request)
    redirect_url = _redirect_url(request, oidc)
    try:
        metadata = await run_in_threadpool(pending.metadata, oidc)
        auth = start(oidc, metadata, redirect_url)
    except ArchqaError as exc:
        return _refused(request, f"Could not start signing in: {exc}", "Try again later, or ask an admin.", 502)
    browser = secrets.token_urlsafe(32)
    target = safe_next(request.query_params.get("next", "/"))
    pending.put(
        auth.state,
        Pending(_hash(browser), auth.nonce, auth.code_verifier, redirect_url, target, time.monotonic()),
    )
    response = RedirectResponse(auth.url, status_code=303)
    response.headers.append("set-cookie", _cookie(browser, config_of(request), PENDING_SECONDS))
    return response


@requires(PUBLIC)
async def oidc_callback(request: Request) -> Response:
    """Back from the provider: check the state and the ID token, then start a session."""
    oidc = config_of(request).oidc
    if not team_mode(request) or oidc is None:
        return _refused(request, "This server has no OpenID Connect sign-in.", "Sign in on the Sign-in page.", 404)
    again = f"Start again from the Sign-in page with “Sign in with {oidc.shown_name}”."
    params = request.query_params
    if params.get("error"):
        said = params.get("error_description") or params["error"]
        if params.get("state"):
            _pending(request).take(params["state"])  # this sign-in is over
        return _refused(request, f"{oidc.shown_name} did not sign you in: {said[:300]}", again, clear=True)
    state, code = params.get("state", ""), params.get("code", "")
    pending = _pending(request).take(state) if state else None
    if pending is None:
        return _refused(
            request,
            "This sign-in link is unknown, was used already, or is older than ten minutes: nobody was signed in.",
            again,
        )
    browser = request.cookies.get(COOKIE, "")
    if not browser or not hmac.compare_digest(_hash(browser), pending.browser):
        return _refused(request, "This sign-in was started in another browser: nobody was signed in.", again)
    if not code:
        return _refused(request, f"{oidc.shown_name} sent no sign-in code: nobody was signed in.", again, clear=True)
    try:
        token, csrf = await run_in_threadpool(_sign_in, request, oidc, code, pending)
    except ArchqaError as exc:
        return _refused(request, f"Signing in with {oidc.shown_name} failed: {exc}", again, clear=True)
    response = RedirectResponse(pending.next, status_code=303)
    config = config_of(request)
    response.headers.append("set-cookie", session_cookie(token, config, int(SESSION_LIFETIME.total_seconds())))
    response.headers.append("set-cookie", csrf_cookie(csrf))
    response.headers.append("set-cookie", _cookie("", config, 0))
    return response


def _sign_in(request: Request, oidc: OidcConfig, code: str, pending: Pending) -> tuple[str, str]:
    from archqa.team.accounts import end_session, start_session
    from archqa.team.oidc import finish, link_account

    metadata = _pending(request).metadata(oidc)
    claims = finish(oidc, metadata, code, pending.code_verifier, pending.nonce, pending.redirect_url)
    store = library(request).store()
    account = link_account(store, oidc, claims)
    old = session_token(request)
    if old:
        end_session(store, old)
    return start_session(store, account.id, lifetime=SESSION_LIFETIME)


ROUTES = [
    Route("/signin/oidc", oidc_start, methods=["GET"], name="oidc_start"),
    Route("/signin/oidc/callback", oidc_callback, methods=["GET"], name="oidc_callback"),
]
