"""A single-file HTML page that works offline: contents, filters, highlighted code, answers to reveal.

The page loads nothing: styles and the small filter script are inline, and a
Content-Security-Policy lets the browser run only that script (by its hash)
and fetch nothing at all, so even a sanitizer miss could neither run nor load.
"""

from __future__ import annotations

import base64
import hashlib

from archqa.export.base import ExportOptions, TextExporter
from archqa.export.render import (
    answer_body_html,
    difficulty_label,
    esc,
    inline_html,
    markdown_html,
    page_head,
    sanitize,
    slug,
)
from archqa.formats.house import ordered_topics
from archqa.model import Difficulty, Question, QuestionSet

SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var articles = Array.prototype.slice.call(document.querySelectorAll("article.q"));
  var params = new URLSearchParams(window.location.search);
  ["topic", "difficulty"].forEach(function (name) {
    var wanted = params.getAll(name);
    if (!wanted.length) { return; }
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
      box.checked = wanted.indexOf(box.value) >= 0;
    });
  });
  function values(name) {
    var boxes = form.querySelectorAll('input[name="' + name + '"]:checked');
    return Array.prototype.map.call(boxes, function (box) { return box.value; });
  }
  function apply() {
    var topics = values("topic"), levels = values("difficulty"), shown = 0;
    articles.forEach(function (a) {
      var on = topics.indexOf(a.dataset.topic) >= 0 && levels.indexOf(a.dataset.difficulty) >= 0;
      a.hidden = !on;
      var entry = document.getElementById("toc-" + a.id);
      if (entry) { entry.hidden = !on; }
      if (on) { shown += 1; }
    });
    document.querySelectorAll("[data-section]").forEach(function (s) {
      var sel = 'article.q[data-topic="' + s.dataset.section + '"]:not([hidden])';
      s.hidden = !document.querySelector(sel);
    });
    document.getElementById("shown").textContent = String(shown);
  }
  function setOpen(open) {
    document.querySelectorAll("article.q:not([hidden]) details.answer").forEach(function (d) { d.open = open; });
  }
  form.addEventListener("change", apply);
  document.getElementById("expand").addEventListener("click", function () { setOpen(true); });
  document.getElementById("collapse").addEventListener("click", function () { setOpen(false); });
  document.documentElement.className = "js";
  apply();
})();
"""

STYLE = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; line-height: 1.55;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.layout { display: flex; align-items: flex-start; max-width: 1200px; margin: 0 auto; }
nav#toc { position: sticky; top: 0; max-height: 100vh; overflow-y: auto; width: 300px; flex: none;
  padding: 1rem; border-right: 1px solid var(--line); font-size: .85rem; }
nav#toc ol { padding-left: 1.1rem; margin: .2rem 0 .6rem; }
nav#toc ol ol { list-style: none; padding-left: .4rem; }
nav#toc li { margin: .15rem 0; }
main { flex: 1; min-width: 0; padding: 1rem 2rem 4rem; }
header h1 { margin: .2rem 0 .4rem; font-size: 1.7rem; }
a { color: var(--accent); }
.filters { display: none; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .9rem;
  background: var(--soft); margin: .8rem 0 1.2rem; }
.js .filters { display: block; }
.filters fieldset { border: 0; margin: 0 0 .4rem; padding: 0; }
.filters legend { font-weight: 600; padding: 0; margin-bottom: .2rem; }
.filters label { display: inline-block; margin: 0 1rem .2rem 0; white-space: nowrap; }
.filters button { font: inherit; margin-right: .5rem; padding: .15rem .7rem; border: 1px solid var(--line);
  border-radius: 6px; background: #fff; cursor: pointer; }
.status { color: var(--muted); }
section.topic > h2 { border-bottom: 1px solid var(--line); padding-bottom: .3rem; margin-top: 2.4rem; }
.overview { color: var(--muted); }
article.q { border: 1px solid var(--line); border-radius: 8px; padding: .2rem 1.1rem .8rem; margin: 1rem 0; }
article.q h3 { margin: .8rem 0 .3rem; font-size: 1.1rem; }
.meta { color: var(--muted); font-size: .85rem; margin: 0 0 .5rem; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; border: 1px solid var(--line);
  background: var(--soft); font-size: .8rem; }
.badge.foundational { background: #dafbe1; } .badge.intermediate { background: #fff8c5; }
.badge.advanced { background: #ffebe9; }
details.answer > summary { cursor: pointer; color: var(--accent); font-weight: 600; }
.insight { border-left: 4px solid var(--accent); background: var(--soft); padding: .4rem .8rem; }
h4 { margin: 1rem 0 .3rem; font-size: .95rem; }
figure { margin: .6rem 0; }
figcaption { font-size: .75rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
figure.code pre, pre.diagram-source { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
  padding: .6rem .8rem; overflow-x: auto; font-size: .85rem; margin: .2rem 0; }
pre.diagram-source { border-left: 4px solid #8250df; white-space: pre; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
table { border-collapse: collapse; margin: .4rem 0; font-size: .88rem; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
.references dt { font-weight: 600; }
[hidden] { display: none !important; }
@media (max-width: 820px) { .layout { display: block; } nav#toc { position: static; width: auto; max-height: none;
  border-right: 0; border-bottom: 1px solid var(--line); } main { padding: 1rem; } }
@media print { nav#toc, .filters { display: none !important; } details.answer > * { display: block; } }
"""


class HtmlExporter(TextExporter):
    """One self-contained HTML page: no network, no CDN, no web fonts."""

    suffixes = (".html", ".htm")
    description = "single-file HTML page for the browser, offline"

    def render(self, qset: QuestionSet, options: ExportOptions) -> str:
        return render_page(qset)


def _unique_slugs(names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    seen: set[str] = set()
    for name in names:
        base = slug(name)
        s, n = base, 2
        while s in seen:
            s, n = f"{base}-{n}", n + 1
        seen.add(s)
        out[name] = s
    return out


def _question(q: Question, topic_slug: str, ids: dict[str, Question], bib_ids: set[str]) -> str:
    level = difficulty_label(q)
    meta = [f'<span class="badge {slug(level)}">{esc(level)}</span>']
    if q.type:
        meta.append(esc(q.type))
    if q.tags:
        meta.append(" ".join(f"<code>{esc(t)}</code>" for t in q.tags))
    meta.append(f"<code>{esc(q.id)}</code>")

    def related(rid: str) -> str:
        target = ids.get(rid)
        return f'<a href="#q{target.number}">Q{target.number}</a>' if target else f"<code>{esc(rid)}</code>"

    answer = answer_body_html(q, bib_ids, related)
    return (
        f'<article class="q" id="q{q.number}" data-topic="{topic_slug}" data-difficulty="{slug(level)}">\n'
        f"<h3>Q{q.number}. {inline_html(q.title)}</h3>\n"
        f'<p class="meta">{" · ".join(meta)}</p>\n'
        f'<details class="answer"><summary>Show answer</summary>\n{answer}\n</details>\n'
        "</article>"
    )


def _references(qset: QuestionSet) -> str:
    if not (qset.glossary or qset.bibliography or qset.tools):
        return ""
    out = ['<section class="references" id="references"><h2>References</h2>']
    if qset.glossary:
        out.append("<h3>Glossary</h3><dl>")
        for g in qset.glossary:
            out.append(f'<dt id="ref-{esc(g.id)}">{esc(g.id)}. {inline_html(g.term)}</dt>')
            out.append(f"<dd>{inline_html(g.definition)}</dd>")
        out.append("</dl>")
    if qset.bibliography:
        out.append("<h3>Bibliography</h3><ul>")
        out += [
            f'<li id="ref-{esc(b.id)}"><strong>{esc(b.id)}.</strong> {inline_html(b.text)}</li>'
            for b in qset.bibliography
        ]
        out.append("</ul>")
    if qset.tools:
        out.append("<h3>Tools</h3><ul>")
        for t in qset.tools:
            link = " " + sanitize(f'<a href="{esc(t.url)}">{esc(t.url)}</a>') if t.url else ""
            out.append(
                f'<li id="ref-{esc(t.id)}"><strong>{esc(t.id)}. {inline_html(t.name)}</strong> – '
                f"{inline_html(t.description)}{link}</li>"
            )
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


def _checkbox(name: str, value: str, label: str, count: int) -> str:
    return (
        f'<label><input type="checkbox" name="{name}" value="{value}" checked> {esc(label)} '
        f'<span class="status">({count})</span></label>'
    )


def render_page(qset: QuestionSet) -> str:
    """The whole HTML document for ``qset``."""
    topics = [t for t in ordered_topics(qset) if any(q.topic == t.name for q in qset.questions)]
    slugs = _unique_slugs([t.name for t in topics])
    ids = {q.id: q for q in qset.questions}
    bib_ids = {b.id for b in qset.bibliography}
    total = len(qset.questions)

    toc = ['<nav id="toc" aria-label="Contents"><strong>Contents</strong><ol>']
    sections = []
    for i, t in enumerate(topics, 1):
        qs = [q for q in qset.questions if q.topic == t.name]
        s = slugs[t.name]
        toc.append(f'<li data-section="{s}"><a href="#topic-{i}">{esc(t.name)}</a><ol>')
        toc += [
            f'<li id="toc-q{q.number}"><a href="#q{q.number}">Q{q.number}. {inline_html(q.title)}</a></li>' for q in qs
        ]
        toc.append("</ol></li>")
        overview = f'<div class="overview">{markdown_html(t.overview)}</div>' if t.overview else ""
        articles = "\n".join(_question(q, s, ids, bib_ids) for q in qs)
        sections.append(
            f'<section class="topic" id="topic-{i}" data-section="{s}">\n<h2>{esc(t.name)}</h2>\n{overview}\n'
            f"{articles}\n</section>"
        )
    if qset.glossary or qset.bibliography or qset.tools:
        toc.append('<li><a href="#references">References</a></li>')
    toc.append("</ol></nav>")

    levels = [d.value for d in Difficulty if any(q.difficulty == d for q in qset.questions)]
    if any(q.difficulty is None for q in qset.questions):
        levels.append("Unrated")
    topic_boxes = "".join(
        _checkbox("topic", slugs[t.name], t.name, sum(1 for q in qset.questions if q.topic == t.name)) for t in topics
    )
    level_boxes = "".join(
        _checkbox("difficulty", slug(lv), lv, sum(1 for q in qset.questions if difficulty_label(q) == lv))
        for lv in levels
    )
    filters = (
        '<form class="filters" id="filters" aria-label="Filters">'
        f"<fieldset><legend>Topic</legend>{topic_boxes}</fieldset>"
        f"<fieldset><legend>Difficulty</legend>{level_boxes}</fieldset>"
        '<button type="button" id="expand">Show all answers</button>'
        '<button type="button" id="collapse">Hide all answers</button>'
        "</form>"
    )
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    csp = (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    return "\n".join(
        [
            *page_head(qset.title, csp, STYLE),
            '<div class="layout">',
            "\n".join(toc),
            "<main>",
            f"<header><h1>{esc(qset.title)}</h1>",
            f'<p class="status"><span id="shown">{total}</span> of {total} questions shown. '
            "Read a question, answer it aloud, then open <em>Show answer</em>.</p>",
            filters,
            "</header>",
            "\n".join(sections),
            _references(qset),
            "</main>",
            "</div>",
            f"<script>{SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )
