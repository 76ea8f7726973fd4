"""Browse and search: the home page, the question list with filters and full-text search, a question's page."""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archqa.export.render import answer_body_html, esc, inline_html, link_citations
from archqa.serve.data import Library
from archqa.serve.templating import page

PAGE_SIZE = 50


def library(request: Request) -> Library:
    lib = request.app.state.library
    assert isinstance(lib, Library)
    return lib


def home(request: Request) -> Response:
    facets = library(request).facets()
    return page(request, "home.html", active="", facets=facets)


def questions(request: Request) -> Response:
    """The list: ``q`` (full-text, all words), ``topic``, ``difficulty``, ``tag``, ``source`` (bank, imported)."""
    params = request.query_params
    query = params.get("q", "")[:200]
    filters = {k: (params.get(k) or None) for k in ("topic", "difficulty", "tag", "source")}
    try:
        offset = max(0, int(params.get("offset", "0")))
    except ValueError:
        offset = 0
    lib = library(request)
    hits = lib.search(query, limit=offset + PAGE_SIZE + 1, **filters)
    shown = hits[offset : offset + PAGE_SIZE]
    return page(
        request,
        "questions.html",
        active="browse",
        query=query,
        filters=filters,
        facets=lib.facets(),
        hits=shown,
        offset=offset,
        more=len(hits) > offset + PAGE_SIZE,
        page_size=PAGE_SIZE,
    )


def question(request: Request) -> Response:
    qid = request.path_params["qid"]
    found = library(request).find(qid)
    if found is None:
        return page(
            request,
            "error.html",
            status_code=404,
            active="browse",
            message=f"No question with id {qid!r}.",
            hint="Search for it on the Browse page.",
        )
    q = found.question
    bib_ids = {b.id for b in found.bibliography} | {g.id for g in found.glossary} | {t.id for t in found.tools}

    def related(rid: str) -> str:
        return f'<a href="/questions/{esc(rid)}"><code>{esc(rid)}</code></a>'

    body = answer_body_html(q, bib_ids, related)
    refs = [(b.id, Markup(inline_html(b.text))) for b in found.bibliography] + [
        (g.id, Markup(f"<strong>{inline_html(g.term)}</strong>: {inline_html(g.definition)}")) for g in found.glossary
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
    return page(
        request,
        "question.html",
        active="browse",
        found=found,
        q=q,
        body=Markup(body),
        refs=refs,
        tools=tools,
        cite=lambda text: Markup(link_citations(inline_html(text), bib_ids)),
    )


ROUTES = [
    Route("/", home, name="home"),
    Route("/questions", questions, name="questions"),
    Route("/questions/{qid:str}", question, name="question"),
]
