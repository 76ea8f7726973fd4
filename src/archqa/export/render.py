"""HTML fragments for the HTML page and the Anki cards; every piece of user text is sanitized.

User text (titles, answers, key points, table cells) is rendered from Markdown
and then cleaned with nh3 against an allow-list: no ``<script>``, no event
handler attributes, no ``javascript:`` or ``data:`` links, nothing that makes a
browser fetch (``<img>``, ``<iframe>``, ``style``). Code is highlighted by
Pygments with inline styles (it escapes the code) and cleaned again with a
second allow-list that keeps only a few CSS properties. Plain strings (topic
names, tags, diagram sources) are HTML-escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from archqa.model import CITATION, CodeExample, Diagram, MetricRow, Question, TradeOffRow, split_refs

if TYPE_CHECKING:
    import nh3
    from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "var",
    }
)
"""Tags user text may keep. Everything else is dropped (its text kept), script and style with their content."""

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "details": {"open"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
}
"""Attributes user text may keep: no event handlers, no style, no class or id (the page's own)."""

URL_SCHEMES = frozenset({"http", "https", "mailto"})
"""Link schemes user text may keep; relative links and #anchors are kept too."""

CODE_STYLE_PROPERTIES = frozenset(
    {"color", "background-color", "font-weight", "font-style", "text-decoration", "line-height", "border"}
)
"""CSS properties kept in highlighted code: none of them can load a URL."""


@lru_cache(maxsize=1)
def _text_cleaner() -> nh3.Cleaner:
    import nh3

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


@lru_cache(maxsize=1)
def _code_cleaner() -> nh3.Cleaner:
    import nh3

    return nh3.Cleaner(
        tags={"div", "pre", "span", "code"},
        clean_content_tags={"script", "style"},
        attributes={"div": {"style"}, "pre": {"style"}, "span": {"style"}},
        url_schemes=set(),
        filter_style_properties=set(CODE_STYLE_PROPERTIES),
        strip_comments=True,
    )


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def sanitize(fragment: str) -> str:
    """Clean an HTML fragment against the allow-list for user text."""
    return _text_cleaner().clean(fragment)


def markdown_html(text: str) -> str:
    """Render Markdown (block level) to sanitized HTML."""
    return sanitize(_markdown().render(text)).strip() if text.strip() else ""


def inline_html(text: str) -> str:
    """Render one line of Markdown (no paragraph) to sanitized HTML."""
    return sanitize(_markdown().renderInline(text)).strip()


def esc(text: str) -> str:
    """HTML-escape plain text, quotes included."""
    return html.escape(text, quote=True)


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: an Anki tag, a data attribute, an anchor."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())) or "none"


def code_html(example: CodeExample) -> str:
    """A code example highlighted by Pygments with inline styles, under its language."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(example.language or "text")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    formatter = HtmlFormatter(noclasses=True, nobackground=True, style="default")
    body = _code_cleaner().clean(highlight(example.code, lexer, formatter))
    label = esc(example.language or "code")
    return f'<figure class="code"><figcaption>{label}</figcaption>{body}</figure>'


def diagram_html(diagram: Diagram) -> str:
    """A diagram's source in a ``<pre>``: readable as text where no renderer runs; a Mermaid diagram's ``<pre>``
    has class ``mermaid``, which a page that loads Mermaid turns into an SVG drawing."""
    if diagram.kind == "mermaid":
        return (
            '<figure class="diagram"><figcaption>Mermaid diagram</figcaption>'
            f'<pre class="mermaid diagram-source">{esc(diagram.source)}</pre></figure>'
        )
    kind = diagram.kind or "text"
    return (
        f'<figure class="diagram"><figcaption>{esc(kind)} diagram (source)</figcaption>'
        f'<pre class="diagram-source">{esc(diagram.source)}</pre></figure>'
    )


def table_html(header: list[str], rows: list[list[str]]) -> str:
    """A table whose cells are inline Markdown."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def metrics_html(rows: list[MetricRow]) -> str:
    """The metrics table of a question ("" when it has none)."""
    if not rows:
        return ""
    return table_html(["Metric", "Formula", "Target"], [[r.metric, r.formula, r.target] for r in rows])


def tradeoffs_html(rows: list[TradeOffRow]) -> str:
    """The trade-offs table of a question ("" when it has none)."""
    if not rows:
        return ""
    return table_html(
        ["Approach", "Pros", "Cons", "Use When"], [[r.approach, r.pros, r.cons, r.use_when] for r in rows]
    )


def key_points_html(points: list[str]) -> str:
    """The rubric as a list ("" when it has none)."""
    if not points:
        return ""
    return "<ul>" + "".join(f"<li>{inline_html(p)}</li>" for p in points) + "</ul>"


def page_head(title: str, csp: str, style: str) -> list[str]:
    """The lines of a self-contained page up to ``<body>``: its CSP, viewport, title and inline style."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="archqa">',
        f"<title>{esc(title)}</title>",
        '<link rel="icon" href="data:,">',
        f"<style>{style}</style>",
        "</head>",
        "<body>",
    ]


def sections_html(q: Question) -> str:
    """A case study's sections, each under its heading."""
    return "".join(f"<h5>{esc(sec.title)}</h5>{markdown_html(sec.text)}" for sec in q.sections)


def follow_ups_html(q: Question) -> str:
    """The follow-ups as a list, each with the key point it probes."""
    if not q.follow_ups:
        return ""
    items = []
    for f in q.follow_ups:
        probes = f' <span class="probes">(key point {f.key_point})</span>' if f.key_point else ""
        items.append(f"<li>{inline_html(f.question)}{probes}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def level_signals_html(q: Question) -> str:
    """What a mid, senior and staff answer adds, as a definition list."""
    if q.level_signals is None or not q.level_signals.items():
        return ""
    rows = "".join(f"<dt>{esc(label)}</dt><dd>{inline_html(text)}</dd>" for label, text in q.level_signals.items())
    return f'<dl class="levels">{rows}</dl>'


def difficulty_label(q: Question) -> str:
    """The difficulty's name, or "Unrated"."""
    return q.difficulty.value if q.difficulty is not None else "Unrated"


def link_citations(fragment: str, bib_ids: set[str], href: Callable[[str], str] = lambda r: f"#ref-{r}") -> str:
    """Turn ``[Ref: A1, A3]`` in rendered HTML into links to the bibliography entries in ``bib_ids``; a citation
    naming any entry that is not there stays text."""

    def link(m: re.Match[str]) -> str:
        refs = split_refs(m.group(1))
        if not refs or any(r not in bib_ids for r in refs):
            return m.group(0)
        return "[Ref: " + ", ".join(f'<a href="{esc(href(r))}">{esc(r)}</a>' for r in refs) + "]"

    return CITATION.sub(link, fragment)


def answer_body_html(q: Question, bib_ids: set[str], related: Callable[[str], str] | None = None) -> str:
    """Everything a question has beyond its title, rendered and sanitized, citations linked to ``bib_ids``:
    key insight, answer, sections, key points, follow-ups, level signals, code, diagrams, tables, related."""
    body: list[str] = []
    if q.key_insight:
        insight = link_citations(inline_html(q.key_insight), bib_ids)
        body.append(f'<div class="insight"><strong>Key insight:</strong> {insight}</div>')
    if q.answer:
        body.append(f"<h4>Answer</h4>{link_citations(markdown_html(q.answer), bib_ids)}")
    if q.sections:
        body.append(link_citations(sections_html(q), bib_ids))
    if q.key_points:
        body.append(f"<h4>Key points</h4>{link_citations(key_points_html(q.key_points), bib_ids)}")
    if q.follow_ups:
        body.append(f"<h4>Follow-ups</h4>{follow_ups_html(q)}")
    if q.level_signals is not None and q.level_signals.items():
        body.append(f"<h4>Level signals</h4>{level_signals_html(q)}")
    if q.code:
        body.append("<h4>Implementation</h4>" + "".join(code_html(c) for c in q.code))
    if q.diagrams:
        body.append("<h4>Diagram</h4>" + "".join(diagram_html(d) for d in q.diagrams))
    if q.metrics:
        body.append(f'<h4>Metrics</h4><div class="scroll">{metrics_html(q.metrics)}</div>')
    if q.tradeoffs:
        body.append(f'<h4>Trade-offs</h4><div class="scroll">{tradeoffs_html(q.tradeoffs)}</div>')
    if q.related:
        show = related or (lambda rid: f"<code>{esc(rid)}</code>")
        body.append(f"<p><strong>Related:</strong> {', '.join(show(rid) for rid in q.related)}</p>")
    return "\n".join(body)
