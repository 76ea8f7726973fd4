"""Jinja2 templates from the package, autoescaped, and the one ``page`` helper every endpoint renders with.

A request from htmx (header ``HX-Request``) gets the template's ``content`` block alone when the endpoint
asks for a fragment; a plain request gets the whole page, so every page also works without script.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from archqa.export.render import difficulty_label, inline_html, markdown_html, slug
from archqa.serve.security import FIELD, csrf_token

NAV = [
    ("browse", "/questions", "Browse"),
    ("practice", "/practice", "Practice"),
    ("generate", "/generate", "Generate"),
    ("interview", "/interview", "Interview"),
    ("progress", "/progress", "Progress"),
]


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("archqa.serve", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["inline"] = lambda text: Markup(inline_html(text or ""))
    env.filters["markdown"] = lambda text: Markup(markdown_html(text or ""))
    env.filters["slug"] = slug
    env.filters["snippet"] = _snippet
    env.filters["level"] = difficulty_label
    env.globals["nav"] = NAV
    env.globals["csrf_field_name"] = FIELD
    return env


TOKEN_SLOT = f"csrf-slot-{secrets.token_hex(12)}"
"""What templates are rendered with in place of the browser's CSRF token; each response gets its own token
put in, so a rendered page can be kept and served to anyone."""


class PageCache:
    """Rendered pages by key, least recently used first out; safe across the worker threads."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            body = self._pages.get(key)
            if body is not None:
                self._pages.move_to_end(key)
            return body

    def put(self, key: Hashable, body: str) -> None:
        with self._lock:
            self._pages[key] = body
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


PAGES = PageCache()


def page(
    request: Request, template: str, status_code: int = 200, cache_key: Hashable | None = None, **context: Any
) -> HTMLResponse:
    """Render ``template`` with the request's CSRF token and navigation; an htmx request for a template that
    defines a ``fragment`` block gets that block alone.

    With ``cache_key`` (which must name everything the page shows: the query, and the data's version), the
    rendered page is kept and later requests with the same key skip rendering; the context is then unused.
    """
    fragment = bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")
    key = (template, fragment, cache_key) if cache_key is not None else None
    body = PAGES.get(key) if key is not None else None
    if body is None:
        tmpl = environment().get_template(template)
        ctx = {"request": request, "csrf": TOKEN_SLOT, "csrf_input": _csrf_input(TOKEN_SLOT), **context}
        if fragment and "fragment" in tmpl.blocks:
            body = "".join(tmpl.blocks["fragment"](tmpl.new_context(ctx)))
        else:
            body = tmpl.render(ctx)
        if key is not None:
            PAGES.put(key, body)
    return HTMLResponse(body.replace(TOKEN_SLOT, csrf_token(request)), status_code=status_code)


def error_page(request: Request, *, status_code: int, active: str, message: str, hint: str) -> HTMLResponse:
    """The error page: what went wrong and what to do about it, under the navigation tab ``active``."""
    return page(request, "error.html", status_code=status_code, active=active, message=message, hint=hint)


async def cached_page(
    request: Request, template: str, cache_key: Hashable, build: Callable[[], dict[str, Any]], status_code: int = 200
) -> HTMLResponse:
    """``page`` with a kept rendering: a kept page is served from the event loop at once; otherwise ``build``
    (which looks the data up) and the rendering run in the thread pool."""
    fragment = bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")
    body = PAGES.get((template, fragment, cache_key))
    if body is not None:
        return HTMLResponse(body.replace(TOKEN_SLOT, csrf_token(request)), status_code=status_code)

    def render() -> HTMLResponse:
        return page(request, template, status_code=status_code, cache_key=cache_key, **build())

    return await run_in_threadpool(render)


_MATCH = re.compile(r"\[([^\[\]<>]{1,80})\]")


def _snippet(text: str) -> Markup:
    """A search snippet (the store marks matched words ``[so]``) escaped, with the matches in ``<mark>``."""
    return Markup(_MATCH.sub(r"<mark>\1</mark>", str(Markup.escape(text or ""))))


def _csrf_input(token: str) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token)
