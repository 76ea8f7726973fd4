"""Browse and search: the home page, the question list with filters and full-text search, a question's page."""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archqa.export.render import answer_body_html, inline_html
from archqa.serve.answers import related_link
from archqa.serve.auth import current_user_id, requires
from archqa.serve.data import library
from archqa.serve.templating import cached_page, error_page

PAGE_SIZE = 50


@requires("practice")
async def home(request: Request) -> Response:
    lib = library(request)
    key = ("home", lib.version(), current_user_id(request))  # the header names who is signed in
    return await cached_page(request, "home.html", key, lambda: {"active": "", "facets": lib.facets()})


@requires("practice")
async def questions(request: Request) -> Response:
    """The list: ``q`` (full-text, all words), ``topic``, ``difficulty``, ``tag``, ``source`` (bank, imported)."""
    params = request.query_params
    query = params.get("q", "")[:200]
    filters = {k: (params.get(k) or None) for k in ("topic", "difficulty", "tag", "source")}
    try:
        offset = max(0, int(params.get("offset", "0")))
    except ValueError:
        offset = 0
    lib = library(request)

    def build() -> dict[str, object]:
        hits = lib.search(query, limit=offset + PAGE_SIZE + 1, **filters)
        return {
            "active": "browse",
            "query": query,
            "filters": filters,
            "facets": lib.facets(),
            "hits": hits[offset : offset + PAGE_SIZE],
            "offset": offset,
            "more": len(hits) > offset + PAGE_SIZE,
            "page_size": PAGE_SIZE,
        }

    key = (
        "questions",
        query,
        tuple(filters.items()),
        offset,
        str(request.query_params),
        lib.version(),
        current_user_id(request),  # the header names who is signed in
    )
    return await cached_page(request, "questions.html", key, build)


@requires("practice")
async def question(request: Request) -> Response:
    qid = request.path_params["qid"]
    found = library(request).find(qid)
    if found is None:
        return error_page(
            request,
            status_code=404,
            active="browse",
            message=f"No question with id {qid!r}.",
            hint="Search for it on the Browse page.",
        )
    q = found.question
    bib_ids = {b.id for b in found.bibliography} | {g.id for g in found.glossary} | {t.id for t in found.tools}

    def build() -> dict[str, object]:
        refs = [(b.id, Markup(inline_html(b.text))) for b in found.bibliography] + [
            (g.id, Markup(f"<strong>{inline_html(g.term)}</strong>: {inline_html(g.definition)}"))
            for g in found.glossary
        ]
        tools = [
            (
                t.id,
                Markup(inline_html(t.name)),
                t.url if (t.url or "").startswith(("https://", "http://")) else "",
                Markup(inline_html(t.description)),
            )
            for t in found.tools
        ]
        body = answer_body_html(q, bib_ids, related_link)
        return {"active": "browse", "found": found, "q": q, "body": Markup(body), "refs": refs, "tools": tools}

    key = ("question", qid, found.source, library(request).version(), current_user_id(request))
    return await cached_page(request, "question.html", key, build)


ROUTES = [
    Route("/", home, name="home"),
    Route("/questions", questions, name="questions"),
    Route("/questions/{qid:str}", question, name="question"),
]
