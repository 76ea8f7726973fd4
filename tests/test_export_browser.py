"""The exported HTML page in a real browser (Debian's headless Chromium, driven by Playwright).

The pages are served by a loopback HTTP server that records every request. In them: the filters work and
nothing imported runs or loads; a Mermaid diagram is drawn as SVG when its answer is opened; dark mode
follows the system and passes axe-core; at 390 px the first question is on the first screen and nothing
scrolls sideways; printing opens every answer; and in a bank export every citation links to a listed work.
One browser for the session (the ``chromium`` fixture), a fresh context per page.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from archqa.export import export_set, load_source, number_questions
from tests.conftest import make_set
from tests.serve_support import Watched, axe_violations, needs_browser, watched_page
from tests.test_export import hostile_set

pytestmark = needs_browser

BEACONS = [
    '<img src="/beacon-img">',
    '<link rel="stylesheet" href="/beacon-css">',
    '<iframe src="/beacon-frame"></iframe>',
    '<script src="/beacon-js"></script>',
    '<span style="background-image:url(/beacon-bg)">bg</span>',
    '<video poster="/beacon-poster"></video>',
    "<img src=x onerror=\"document.title='pwned'\">",
    "<script>document.title='pwned'</script>",
    "<details open ontoggle=\"document.title='pwned'\"><summary>s</summary>t</details>",
]


class _Recorder(SimpleHTTPRequestHandler):
    requests: list[str]

    def parse_request(self) -> bool:
        ok = super().parse_request()
        self.requests.append(f"{self.command} {self.path}")
        return ok

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Site:
    """The exported pages on a loopback server, and every request it received."""

    url: str
    requests: list[str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site")
    hostile = hostile_set()
    hostile.questions[0].answer += "\n\n" + "\n\n".join(BEACONS)
    export_set(number_questions(hostile), root / "hostile.html")
    export_set(number_questions(make_set()), root / "set.html")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARCHQA_CACHE_DIR", str(tmp_path_factory.mktemp("bank-cache")))
        export_set(load_source("bank"), root / "bank.html")
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _open(chromium: Any, site: Site, path: str, **context: Any) -> Watched:
    w = watched_page(chromium, site.url, **context)
    site.requests.clear()
    w.page.goto(site.url + path)
    return w


def _open_answer(page: Any, article: Any) -> None:
    """Open an answer and wait until its Mermaid diagrams are drawn."""
    article.locator("details.answer > summary").click()
    page.wait_for_function(
        "a => !a.querySelector('pre.mermaid:not([data-processed])') && !!a.querySelector('pre.mermaid svg')",
        arg=article.element_handle(),
    )


def test_filters_work_and_nothing_imported_runs_or_loads(chromium: Any, site: Site) -> None:
    w = _open(chromium, site, "/hostile.html?difficulty=advanced")
    page = w.page
    try:
        s = number_questions(hostile_set())
        assert page.locator("#filters input[type=checkbox]").count() == 5
        # The page's script ran (allowed by its CSP hash) and applied the filter from the URL.
        assert page.evaluate("document.documentElement.className") == "js"
        assert page.locator("#shown").inner_text() == "2"
        for q in s.questions:
            hidden = page.locator(f"#q{q.number}").get_attribute("hidden") is not None
            assert hidden == (q.difficulty is None or q.difficulty.value != "Advanced"), q.number
            assert page.locator(f"#toc-q{q.number}").count() == 1
        # Every answer open, the hostile diagram drawn: still nothing imported runs or loads.
        page.locator("#filters input[value=foundational]").check()
        page.locator("#expand").click()
        page.wait_for_function("document.documentElement.dataset.diagrams === 'drawn'")
        page.wait_for_timeout(200)
        assert page.title() == "Fixture set"
        assert page.evaluate("document.querySelectorAll('[onerror], [ontoggle], iframe, img, video').length") == 0
        assert site.requests == ["GET /hostile.html?difficulty=advanced"]
        assert w.outside == [] and w.errors == []
    finally:
        page.context.close()


def test_diagram_is_drawn_dark_mode_passes_axe_and_print_shows_the_answers(chromium: Any, site: Site) -> None:
    backgrounds = {}
    for scheme in ("light", "dark"):
        w = _open(chromium, site, "/set.html", color_scheme=scheme)
        page = w.page
        try:
            article = page.locator("article.q", has=page.locator("pre.mermaid")).first
            assert article.locator("pre.mermaid svg").count() == 0  # not drawn while closed
            _open_answer(page, article)
            box = article.locator("pre.mermaid svg").bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 20
            assert article.locator("pre.mermaid svg").get_attribute("aria-roledescription") == "flowchart-v2"
            backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
            # Pygments' light colours keep a light box in either scheme.
            assert article.locator("figure.code pre").evaluate("e => getComputedStyle(e).backgroundColor") == (
                "rgb(246, 248, 250)"
            )
            assert axe_violations(page) == [], scheme
            assert site.requests == ["GET /set.html"] and w.outside == [] and w.errors == []
        finally:
            page.context.close()
    assert backgrounds == {"light": "rgb(255, 255, 255)", "dark": "rgb(13, 17, 23)"}

    # Print: page.pdf() fires beforeprint/afterprint like the print dialog; every answer is open while it prints.
    w = _open(chromium, site, "/set.html", color_scheme="dark")
    page = w.page
    try:
        page.evaluate(
            """() => { window.printed = [];
            addEventListener('beforeprint', () => printed.push([...document.querySelectorAll('details.answer')]
              .map(d => d.open && d.querySelector('h4').checkVisibility())));
            addEventListener('afterprint', () => printed.push([...document.querySelectorAll('details.answer')]
              .map(d => d.open))); }"""
        )
        assert len(page.pdf()) > 10_000
        printed = page.evaluate("printed")
        assert printed == [[True] * 5, [False] * 5]
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
        for sel in ("#toc", "#filter-box", "details.answer > summary"):
            assert page.locator(sel).first.evaluate("e => getComputedStyle(e).display") == "none", sel
        assert page.locator("details.overview p").first.evaluate("e => e.checkVisibility()")
    finally:
        page.context.close()


def test_bank_on_a_phone_first_question_on_screen_no_sideways_scroll_every_citation_listed(
    chromium: Any, site: Site
) -> None:
    w = _open(chromium, site, "/bank.html", viewport={"width": 390, "height": 844}, color_scheme="dark")
    page = w.page
    try:
        # Contents, filters and the topic's overview start folded: the first question is on the first screen.
        assert page.locator("#toc-box").get_attribute("open") is None
        assert page.locator("#filter-box").get_attribute("open") is None
        first = page.locator("article.q h3").first.bounding_box()
        assert first is not None and first["y"] + first["height"] <= 844, first
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Answers with code, tables and diagrams open: wide ones scroll in their own box, never the page.
        articles = page.locator("article.q", has=page.locator("pre.mermaid"))
        assert articles.count() > 100
        for i in (0, 1, 2):
            _open_answer(page, articles.nth(i))
        assert page.locator("figure.code").count() > 0 and page.locator("details[open] table").count() > 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        overflowing = page.evaluate(
            "[...document.querySelectorAll('details[open] pre, details[open] table, details[open] .scroll')]"
            ".filter(e => e.scrollWidth > e.clientWidth).map(e => getComputedStyle(e).overflowX)"
        )
        assert overflowing and all(o in ("auto", "scroll") for o in overflowing)

        # Every [Ref: ...] names works listed on the page, each one a link to its entry.
        cited = page.evaluate(
            r"""() => [...document.querySelector('main').textContent.matchAll(/\[Ref: ([^\]]*)\]/g)]
                 .flatMap(m => m[1].split(/,\s*/))"""
        )
        links = page.evaluate("[...document.querySelectorAll('main a[href^=\"#ref-\"]')].map(a => a.textContent)")
        listed = page.evaluate("[...document.querySelectorAll('#references [id^=\"ref-\"]')].map(e => e.id.slice(4))")
        assert len(cited) > 300 and sorted(cited) == sorted(links)
        assert set(cited) <= set(listed)
        assert len(listed) == len(set(listed))
        assert all(re.fullmatch(r"[AGT]\d+", r) for r in cited)
        assert site.requests == ["GET /bank.html"] and w.outside == [] and w.errors == []
    finally:
        page.context.close()
