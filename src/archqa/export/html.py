"""A single-file HTML page that works offline: contents, filters, highlighted code, answers to reveal.

The page loads nothing: styles and scripts are inline, and a Content-Security-Policy
lets the browser run only those scripts (by their hashes) and fetch nothing at all,
so even a sanitizer miss could neither run nor load. A set with a Mermaid diagram
carries the vendored Mermaid (3.5 MB, MIT) in the page and draws each diagram when
its answer is opened (Mermaid cannot measure text in a closed ``<details>``), themed
like the page. Light and dark follow the system; on a narrow screen the contents and
filters start folded; printing opens every answer and leaves contents and filters out.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

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

  // Mermaid is in the page only when the set has a diagram. A closed <details> has no layout, and Mermaid
  // measures its labels: each answer's diagrams are drawn when it is opened, themed like the page.
  var mermaid = window.mermaid;
  if (mermaid) {
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: dark ? "dark" : "default" });
  }
  function draw(root) {
    if (!mermaid) { return; }
    var nodes = Array.prototype.filter.call(root.querySelectorAll("pre.mermaid:not([data-processed])"),
      function (n) { return n.offsetParent !== null; });
    if (!nodes.length) { return; }
    mermaid.run({ nodes: nodes, suppressErrors: true }).then(function () {
      document.documentElement.dataset.diagrams = "drawn";
    }, function () {
      document.documentElement.dataset.diagrams = "failed";
    });
  }
  // A box that scrolls sideways (code, a wide table) takes the keyboard focus, so keys can scroll it.
  function focusable(root) {
    root.querySelectorAll("pre, table, .scroll").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); }
    });
  }
  document.addEventListener("toggle", function (e) {
    if (e.target.open && e.target.matches("details.answer")) { draw(e.target); focusable(e.target); }
  }, true);

  // Print every shown answer (a closed <details> prints only its summary), then fold back what was closed.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    openedForPrint = Array.prototype.filter.call(
      document.querySelectorAll("article.q:not([hidden]) details.answer:not([open])"), function (d) {
        d.open = true;
        return true;
      });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
  });
  document.documentElement.className = "js";
  apply();
})();
"""

FOLD = """
(function () {
  "use strict";
  // On a narrow screen the contents and the filters start folded, so the first question is on the first screen.
  if (window.matchMedia && window.matchMedia("(max-width: 40rem)").matches) {
    ["toc-box", "filter-box"].forEach(function (id) { document.getElementById(id).open = false; });
  }
})();
"""
"""Runs right after the contents and filters are parsed (before the questions), so they never show unfolded."""

STYLE = """
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --accent: #0969da; --found: #dafbe1; --inter: #fff8c5; --adv: #ffebe9; --diagram: #8250df; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --soft: #151b23; --accent: #4493f8;
    --found: #12361f; --inter: #3a2d05; --adv: #4a1a1d; --diagram: #ab7df8; }
}
@media print {
  :root { color-scheme: light; --bg: #fff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
    --accent: #0969da; --found: #dafbe1; --inter: #fff8c5; --adv: #ffebe9; --diagram: #8250df; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.55;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.layout { display: flex; align-items: flex-start; max-width: 1200px; margin: 0 auto; }
nav#toc { position: sticky; top: 0; max-height: 100vh; overflow-y: auto; width: 300px; flex: none;
  padding: 1rem; border-right: 1px solid var(--line); font-size: .85rem; }
nav#toc summary, .filters > summary { cursor: pointer; font-weight: 600; }
nav#toc ol { padding-left: 1.1rem; margin: .2rem 0 .6rem; }
nav#toc ol ol { list-style: none; padding-left: .4rem; }
nav#toc li { margin: .15rem 0; }
main { flex: 1; min-width: 0; padding: 1rem 2rem 4rem; }
header h1 { margin: .2rem 0 .4rem; font-size: 1.7rem; line-height: 1.25; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.filters { display: none; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .9rem;
  background: var(--soft); margin: .8rem 0 1.2rem; }
.js .filters { display: block; }
.filters form { margin-top: .4rem; }
.filters fieldset { border: 0; margin: 0 0 .4rem; padding: 0; }
.filters legend { font-weight: 600; padding: 0; margin-bottom: .2rem; }
.filters label { display: inline-block; margin: 0 1rem .2rem 0; white-space: nowrap; }
.filters button { font: inherit; color: var(--fg); margin: 0 .5rem .3rem 0; padding: .15rem .7rem;
  border: 1px solid var(--line); border-radius: 6px; background: var(--bg); cursor: pointer; }
.status { color: var(--muted); }
section.topic > h2 { border-bottom: 1px solid var(--line); padding-bottom: .3rem; margin-top: 2.4rem; }
.overview { color: var(--muted); }
.overview > summary { cursor: pointer; margin: .6rem 0; }
/* A topic's overview is folded on a narrow screen only (wider, and in print, its text shows and its summary not). */
@media print, (min-width: 40.01rem) {
  details.overview::details-content { content-visibility: visible; }
  details.overview > summary { display: none; }
}
article.q { border: 1px solid var(--line); border-radius: 8px; padding: .2rem 1.1rem .8rem; margin: 1rem 0; }
article.q h3 { margin: .8rem 0 .3rem; font-size: 1.1rem; }
main p, main li, main dd, main dt, main td, main h3 { overflow-wrap: anywhere; }
.meta { color: var(--muted); font-size: .85rem; margin: 0 0 .5rem; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; border: 1px solid var(--line);
  background: var(--soft); color: var(--fg); font-size: .8rem; }
.badge.foundational { background: var(--found); } .badge.intermediate { background: var(--inter); }
.badge.advanced { background: var(--adv); }
details.answer > summary { cursor: pointer; color: var(--accent); font-weight: 600; }
.insight { border-left: 4px solid var(--accent); background: var(--soft); padding: .4rem .8rem; }
h4 { margin: 1rem 0 .3rem; font-size: .95rem; }
figure { margin: .6rem 0; max-width: 100%; }
figcaption { font-size: .75rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
figure.code pre, pre.diagram-source { background: var(--soft); color: var(--fg); border: 1px solid var(--line);
  border-radius: 6px; padding: .6rem .8rem; overflow-x: auto; font-size: .85rem; margin: .2rem 0; max-width: 100%; }
pre.diagram-source { border-left: 4px solid var(--diagram); white-space: pre; }
pre.mermaid[data-processed] { white-space: normal; text-align: center; }
pre.mermaid svg { max-width: 100%; height: auto; }
/* Code is highlighted with Pygments' light colours (inline styles): its box stays light in dark mode. */
figure.code pre { background: #f6f8fa; color: #1f2328; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .4rem 0; font-size: .88rem; display: block; overflow-x: auto;
  max-width: 100%; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
.references dt { font-weight: 600; }
[hidden] { display: none !important; }
@media (max-width: 820px) { .layout { display: block; } nav#toc { position: static; width: auto; max-height: none;
  border-right: 0; border-bottom: 1px solid var(--line); padding: .6rem 1rem; } main { padding: 1rem; } }
@media (max-width: 40rem) { header h1 { font-size: 1.35rem; } main { padding: .75rem; }
  article.q { padding: .2rem .75rem .6rem; } section.topic > h2 { margin-top: 1.2rem; } }
@media print {
  nav#toc, .filters, details.answer > summary { display: none !important; }
  .layout { display: block; } main { padding: 0; }
  pre, figure.code pre, pre.diagram-source { white-space: pre-wrap; overflow: visible; }
  table { display: table; }
  article.q { break-inside: avoid-page; }
}
"""

MERMAID = "vendor/mermaid.min.js"
"""The vendored Mermaid the web app serves; the page embeds the same file."""


@lru_cache(maxsize=1)
def mermaid_script() -> str:
    """Mermaid's script with its name, version and MIT licence in a leading comment, ready to put in a page."""
    from archqa.serve.assets import asset_bytes

    js = asset_bytes(MERMAID).decode("utf-8")
    version = asset_bytes("vendor/VERSION").decode("utf-8")
    version = next((line.strip() for line in version.splitlines() if line.startswith("mermaid ")), "mermaid")
    licence = asset_bytes("vendor/LICENSE.mermaid").decode("utf-8").replace("*/", "* /")
    if re.search(r"</?script", js, re.IGNORECASE):
        # Inside <script>, "</script" would end the element early; the vendored build has none.
        raise RuntimeError(f"{MERMAID} contains a script tag and cannot be inlined; vendor a minified build")
    return f"/*! {version} https://mermaid.js.org\n\n{licence.strip()}\n*/\n{js}"


def _digest(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


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


def has_mermaid(qset: QuestionSet) -> bool:
    """Whether any question of ``qset`` has a Mermaid diagram (and so the page needs Mermaid)."""
    return any(d.kind == "mermaid" for q in qset.questions for d in q.diagrams)


def render_page(qset: QuestionSet) -> str:
    """The whole HTML document for ``qset``."""
    topics = [t for t in ordered_topics(qset) if any(q.topic == t.name for q in qset.questions)]
    slugs = _unique_slugs([t.name for t in topics])
    ids = {q.id: q for q in qset.questions}
    ref_ids = {b.id for b in qset.bibliography} | {g.id for g in qset.glossary} | {t.id for t in qset.tools}
    total = len(qset.questions)

    toc = ['<nav id="toc" aria-label="Contents"><details id="toc-box" open><summary>Contents</summary><ol>']
    sections = []
    for i, t in enumerate(topics, 1):
        qs = [q for q in qset.questions if q.topic == t.name]
        s = slugs[t.name]
        toc.append(f'<li data-section="{s}"><a href="#topic-{i}">{esc(t.name)}</a><ol>')
        toc += [
            f'<li id="toc-q{q.number}"><a href="#q{q.number}">Q{q.number}. {inline_html(q.title)}</a></li>' for q in qs
        ]
        toc.append("</ol></li>")
        overview = (
            f'<details class="overview"><summary>About this topic</summary>{markdown_html(t.overview)}</details>'
            if t.overview
            else ""
        )
        articles = "\n".join(_question(q, s, ids, ref_ids) for q in qs)
        sections.append(
            f'<section class="topic" id="topic-{i}" data-section="{s}">\n<h2>{esc(t.name)}</h2>\n{overview}\n'
            f"{articles}\n</section>"
        )
    if qset.glossary or qset.bibliography or qset.tools:
        toc.append('<li><a href="#references">References</a></li>')
    toc.append("</ol></details></nav>")

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
        '<details class="filters" id="filter-box" open><summary>Filters</summary>'
        '<form id="filters" aria-label="Filters">'
        f"<fieldset><legend>Topic</legend>{topic_boxes}</fieldset>"
        f"<fieldset><legend>Difficulty</legend>{level_boxes}</fieldset>"
        '<button type="button" id="expand">Show all answers</button>'
        '<button type="button" id="collapse">Hide all answers</button>'
        "</form></details>"
    )
    scripts = [SCRIPT]
    if has_mermaid(qset):
        scripts.insert(0, mermaid_script())
    csp = (
        f"default-src 'none'; script-src {' '.join(_digest(js) for js in [FOLD, *scripts])}; "
        "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    return "\n".join(
        [
            *page_head(qset.title, csp, STYLE),
            '<div class="layout">',
            "\n".join(toc),
            '<main id="main">',
            f"<header><h1>{esc(qset.title)}</h1>",
            f'<p class="status"><span id="shown">{total}</span> of {total} questions shown. '
            "Read a question, answer it aloud, then open <em>Show answer</em>.</p>",
            filters,
            "</header>",
            f"<script>{FOLD}</script>",
            "\n".join(sections),
            _references(qset),
            "</main>",
            "</div>",
            *(f"<script>{js}</script>" for js in scripts),
            "</body>",
            "</html>",
            "",
        ]
    )
