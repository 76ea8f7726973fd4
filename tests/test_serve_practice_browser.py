"""Practice in a real headless Chromium with the default grader, keyboard only, on a phone-wide screen: type the
answer (a pause sends it as a draft), Ctrl+Enter, flip a point with its digit, rate with a letter; the review is
in the store as rated."""

from __future__ import annotations

import re
import time
from typing import Any

from archqa.practice import PracticeLog
from archqa.store import Store
from tests.serve_support import axe_violations, needs_browser, watched_page

pytestmark = needs_browser

QID = "behavioral-event-notification-vs-ecst"
ANSWER = (
    "With event notification the event only carries an id, so every consumer calls the producer back for the "
    "details: that couples them at runtime and loads the producer.\n\nWith event-carried state transfer the "
    "event holds the data, and consumers keep their own copy."
)


def _until(page: Any, script: str, timeout: float = 15.0) -> None:
    """Wait until ``script`` is true in the page (evaluated through DevTools: the page's CSP forbids eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        page.wait_for_timeout(50)


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_practise_a_question_with_the_keyboard_alone(chromium: Any, live_app: Any) -> None:
    w = watched_page(chromium, live_app.url, viewport={"width": 390, "height": 844})
    page = w.page
    try:
        page.goto(live_app.url + f"/practice?id={QID}")
        assert page.locator("#grader-state").get_attribute("data-state") == "loading"  # the first page of the app
        assert page.evaluate("document.activeElement.id") == "answer"
        assert page.locator(".model-answer, li.point").count() == 0
        _no_sideways_scroll(page)
        drafts: list[int] = []
        page.on("response", lambda r: drafts.append(r.status) if r.url.endswith("/practice/draft") else None)
        page.keyboard.type(ANSWER)
        page.locator('#grader-state[data-state="ready"]').wait_for(timeout=30000)  # polled while typing
        deadline = time.monotonic() + 10
        while not drafts:  # a pause in typing sends the answer so far, to be graded ahead
            assert time.monotonic() < deadline, "no draft was sent after typing paused"
            page.wait_for_timeout(50)
        assert set(drafts) == {204}
        page.keyboard.press("Control+Enter")
        _until(page, "document.activeElement && document.activeElement.id === 'grade-title'")

        verdicts = page.locator("li.point").evaluate_all("els => els.map(e => e.dataset.grader)")
        assert len(verdicts) >= 2 and page.locator("blockquote.evidence").count() >= 1
        before = page.locator("#pt-2").is_checked()
        assert before == (verdicts[1] == "covered")
        page.keyboard.press("2")
        assert page.locator("#pt-2").is_checked() != before
        ticked = page.locator('input[name="covered"]:checked').count()
        suggestion = page.locator("#suggestion").inner_text()
        assert suggestion.startswith(f"You confirmed {ticked} of {len(verdicts)} key points")
        primary = page.locator("button.primary[name=rating]").inner_text()
        assert re.sub(r"\s+\S$", "", primary) in suggestion
        assert page.locator(".model-answer h4", has_text="Key points").count() == 1
        _no_sideways_scroll(page)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            found = axe_violations(page)
            assert found == [], (scheme, found)
        page.emulate_media(color_scheme="light")

        page.keyboard.press("g")  # Good; on this view g rates rather than starting a jump
        page.wait_for_url(re.compile(r"/practice\?after="))
        assert "Saved: good." in page.locator(".notice").inner_text()
        with Store.open(live_app.db) as store:
            stored = PracticeLog(store).history(QID)
        assert len(stored) == 1 and stored[0].rating == 3 and stored[0].answer == ANSWER
        assert [p.verdict for p in stored[0].points] == verdicts
        assert [n for n, p in enumerate(stored[0].points, 1) if p.flipped] == [2]

        page.goto(live_app.url + "/progress")
        assert page.locator(f'a[href="/progress/{QID}"]').count() >= 1
        _no_sideways_scroll(page)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            found = axe_violations(page)
            assert found == [], (scheme, found)
        assert w.outside == []
        assert w.errors == []
    finally:
        page.context.close()
