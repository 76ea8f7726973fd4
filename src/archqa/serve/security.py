"""What keeps the app safe on a shared machine: CSRF tokens on every form, headers that forbid loading or
running anything from elsewhere.

CSRF: each browser gets a random token in a ``SameSite=Strict`` cookie; every page carries the same token in
a ``<meta>`` tag (htmx sends it as the ``X-CSRF-Token`` header) and in each form's hidden ``csrf`` field.
A POST without a matching token gets 403. Every POST route is wrapped in ``csrf_protected``, and a test checks
that no POST route lacks it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "archqa_csrf"
HEADER = "x-csrf-token"
FIELD = "csrf"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""Scripts only from the app itself (no inline script, so imported text could never run one); Mermaid's SVG
carries inline styles, hence ``'unsafe-inline'`` for styles alone."""

Endpoint = Callable[[Request], Awaitable[Response]]


def csrf_token(request: Request) -> str:
    """The browser's token: its session's in team mode (``auth.SessionAuth``), the cookie's, or a new one that
    ``SecurityHeaders`` sets on the response."""
    scope = request.scope
    token = scope.get("archqa.csrf.bound") or request.cookies.get(COOKIE) or scope.get("archqa.csrf.new")
    if not token:
        token = secrets.token_urlsafe(24)
        request.scope["archqa.csrf.new"] = token
    return str(token)


def csrf_protected(endpoint: Endpoint) -> Endpoint:
    """Wrap a POST endpoint: 403 unless the form field or header matches the cookie."""

    @wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            cookie = request.cookies.get(COOKIE, "")
            sent = request.headers.get(HEADER, "")
            if not sent:
                form = await request.form()
                value = form.get(FIELD, "")
                sent = value if isinstance(value, str) else ""
            if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
                return PlainTextResponse(
                    "archqa: this form's security token is missing or stale; reload the page and send it again.",
                    status_code=403,
                )
        return await endpoint(request)

    wrapper.csrf_protected = True  # type: ignore[attr-defined]
    return wrapper


class SecurityHeaders:
    """ASGI middleware: the CSP and friends on every response, and the CSRF cookie when a page made one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", CSP)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("referrer-policy", "no-referrer")
                headers.setdefault("x-frame-options", "DENY")
                headers.setdefault("cross-origin-opener-policy", "same-origin")
                new = scope.get("archqa.csrf.new")
                if new:
                    headers.append("set-cookie", f"{COOKIE}={new}; Path=/; SameSite=Strict; HttpOnly")
            await send(message)

        await self.app(scope, receive, send_with_headers)
