"""Jinja2 templates from the package, autoescaped, and the one ``page`` helper every endpoint renders with.

A request from htmx (header ``HX-Request``) gets the template's ``content`` block alone when the endpoint
asks for a fragment; a plain request gets the whole page, so every page also works without script.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
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
    env.filters["level"] = difficulty_label
    env.globals["nav"] = NAV
    env.globals["csrf_field_name"] = FIELD
    return env


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the request's CSRF token and navigation; an htmx request for a template that
    defines a ``fragment`` block gets that block alone."""
    env = environment()
    tmpl = env.get_template(template)
    token = csrf_token(request)
    ctx = {"request": request, "csrf": token, "csrf_input": _csrf_input(token), **context}
    if request.headers.get("hx-request") and "fragment" in tmpl.blocks and not request.headers.get("hx-boosted"):
        body = "".join(tmpl.blocks["fragment"](tmpl.new_context(ctx)))
    else:
        body = tmpl.render(ctx)
    return HTMLResponse(body, status_code=status_code)


def _csrf_input(token: str) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token)
