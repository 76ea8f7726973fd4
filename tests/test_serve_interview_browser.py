"""Generate and the mock interview in a real headless Chromium: a set generated from the form and downloaded;
a short mock with its timer counting down, answered with Ctrl+Enter, axe-core on a phase page in light and
dark, a phone-wide phase page, the scorecard and the saved report, and no request to anything but the app."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.serve_support import Watched, axe_violations, needs_browser

pytestmark = needs_browser


def seconds(text: str) -> int:
    found = re.fullmatch(r"(\d+):(\d\d) (left|over)", text.strip())
    assert found is not None, text
    value = int(found.group(1)) * 60 + int(found.group(2))
    return value if found.group(3) == "left" else -value


def test_generate_a_set_from_the_form_and_download_it(browser_page: Watched, live_app: Any, tmp_path: Path) -> None:
    page = browser_page.page
    page.goto(live_app.url + "/generate")
    page.fill("#f-count", "4")
    page.fill("#f-seed", "3")
    page.check("#topic-data")
    page.click("button:has-text('Generate the set')")
    page.wait_for_url("**/generate?set=**")
    assert "4 questions" in page.locator("#preview-summary").inner_text()
    titles = page.locator("ol.gen-titles li a").all_inner_texts()
    assert len(titles) == 4
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        found = axe_violations(page)
        assert found == [], (scheme, found)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_download() as info:
        page.click("a[data-format='json']")
    download = info.value
    assert download.suggested_filename.endswith(".json")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert {q["topic"] for q in doc["set"]["questions"]} == {"Data Architecture"}
    assert [q["title"] for q in doc["set"]["questions"]] == titles
    assert browser_page.outside == []
    assert browser_page.errors == []


def test_a_short_mock_interview_with_its_timer_reaches_the_scorecard(browser_page: Watched, live_app: Any) -> None:
    page = browser_page.page
    page.goto(live_app.url + "/interview")
    assert axe_violations(page) == []
    page.select_option("#f-prompt", "case-rate-limiter")
    page.select_option("#f-minutes", "5")
    page.select_option("#f-grader", "lexical")
    page.click("button:has-text('Start the interview')")
    page.wait_for_url(re.compile(r".*/interview/[A-Za-z0-9_-]{16,}$"))
    assert page.locator("#step-title").inner_text() == "Requirements"

    # The timer counts down in the page, from the seconds the server gave.
    phase_clock = page.locator("#phase-clock")
    first = seconds(phase_clock.inner_text())
    page.wait_for_function(
        "t => document.getElementById('phase-clock').textContent !== t", arg=phase_clock.inner_text(), timeout=4000
    )
    later = seconds(phase_clock.inner_text())
    assert 0 < later < first <= 36
    assert seconds(page.locator("#total-clock").inner_text()) <= 300

    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        found = axe_violations(page)
        assert found == [], (scheme, found)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})

    # Answer two phases with Ctrl+Enter in the focused text box, then stop and read the scorecard.
    for title in ("Requirements", "Estimation"):
        assert page.locator("#step-title").inner_text() == title
        page.locator("#answer").fill("Limit each API key with a token bucket in Redis; answer 429 with Retry-After.")
        page.locator("#answer").press("Control+Enter")
        page.wait_for_function(f"document.getElementById('step-title').textContent !== {json.dumps(title)}")
    assert re.fullmatch(r"Estimation: 0:0\d of 0:30\.", page.locator("#iv-status").inner_text())  # its time
    page.click("button:has-text('Finish now and see the scorecard')")
    page.locator("#overall").wait_for()
    assert page.locator("#overall").inner_text().startswith("Overall:")
    rows = page.locator("table.iv-scorecard tbody tr").count()
    assert rows == 6  # five key-point dimensions and time management
    assert "2 of 7 phases answered" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.click("#report-link")
    page.wait_for_url("**/interview/report/*")
    assert "Scorecard" in page.locator("h2").first.inner_text()
    assert browser_page.outside == []
    assert browser_page.errors == []
