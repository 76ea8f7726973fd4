"""The web app in a real headless Chromium: browse, search, a question with its diagram drawn, dark mode,
a phone-wide viewport, axe-core, and no request to anything but the app."""

from __future__ import annotations

from typing import Any

import pytest

from tests.serve_support import Watched, axe_violations, needs_browser, watched_page

pytestmark = needs_browser


def _open_diagram_question(w: Watched, base: str) -> None:
    page = w.page
    page.goto(base + "/questions?q=outbox")
    page.locator("ol.hits a", has_text="").first.wait_for()
    page.goto(base + "/questions/case-payment-system")
    page.locator("details.answer > summary").click()
    page.wait_for_function("document.documentElement.dataset.diagrams === 'drawn'")


def test_search_filters_and_question_page_draw_the_diagram_as_svg(browser_page: Watched, live_app: Any) -> None:
    page = browser_page.page
    page.goto(live_app.url + "/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "home-q"
    page.keyboard.type("idempotency key")
    page.keyboard.press("Enter")
    page.wait_for_url("**/questions?q=idempotency+key")
    first = page.locator("ol.hits > li").count()
    assert first > 0
    page.select_option("#f-difficulty", "Advanced")
    page.wait_for_url("**difficulty=Advanced**")
    badges = page.locator("ol.hits .badge").all_inner_texts()
    assert badges and set(badges) == {"Advanced"}
    _open_diagram_question(browser_page, live_app.url)
    svg = page.locator("figure.diagram svg")
    assert svg.count() >= 1 and svg.first.bounding_box()["width"] > 100
    assert page.locator("#references li").count() >= 1
    link = page.locator("details.answer a[href^='#ref-']").first
    target = link.get_attribute("href")
    assert page.locator(target).count() == 1
    assert browser_page.outside == []
    assert browser_page.errors == []


def test_dark_mode_follows_the_system_and_the_phone_layout_scrolls_inside_boxes(chromium: Any, live_app: Any) -> None:
    w = watched_page(chromium, live_app.url, color_scheme="dark", viewport={"width": 390, "height": 844})
    try:
        _open_diagram_question(w, live_app.url)
        page = w.page
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(13, 17, 23)"
        # Nothing wider than the screen: the page never scrolls sideways; wide code and tables scroll in their box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        boxes = page.evaluate(
            "Array.from(document.querySelectorAll('pre, .scroll, figure')).filter(e => e.scrollWidth > e.clientWidth)"
            ".map(e => getComputedStyle(e).overflowX)"
        )
        assert all(o in ("auto", "scroll") for o in boxes)
        assert page.locator("figure.diagram svg").count() >= 1
        assert w.outside == []
    finally:
        w.page.context.close()


@pytest.mark.parametrize("path", ["/", "/questions?q=cache", "/questions/case-payment-system"])
def test_pages_pass_axe_in_light_and_dark(chromium: Any, live_app: Any, path: str) -> None:
    for scheme in ("light", "dark"):
        w = watched_page(chromium, live_app.url, color_scheme=scheme)
        try:
            w.page.goto(live_app.url + path)
            if path.startswith("/questions/"):
                w.page.locator("details.answer > summary").click()
                w.page.wait_for_function("document.documentElement.dataset.diagrams === 'drawn'")
            found = axe_violations(w.page)
            assert found == [], (scheme, found)
        finally:
            w.page.context.close()


def test_imported_hostile_text_never_runs_script_in_the_browser(browser_page: Watched, live_app: Any) -> None:
    from archqa import Store, write_set
    from archqa.importer import import_paths
    from tests.test_export import hostile_set

    bank = live_app.db.parent / "hostile.md"
    bank.write_text(write_set(hostile_set()), encoding="utf-8")
    with Store.open(live_app.db) as store:
        import_paths([str(bank)], store)
        qid = store.list(limit=1)[0].id
    dialogs: list[str] = []
    page = browser_page.page
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_app.url + "/questions?source=imported&q=safe")
    page.goto(f"{live_app.url}/questions/{qid}")
    page.locator("details.answer > summary").click()
    page.wait_for_function("['drawn', 'failed'].includes(document.documentElement.dataset.diagrams)")
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("document.querySelectorAll('[onerror], [onclick], [ontoggle], iframe').length") == 0
    assert browser_page.outside == []
