"""Team mode in a real headless Chromium on PostgreSQL, phone-wide: the practice page sends the browser to sign in,
a wrong password then the right one bring it back, one card is practised and rated, and the review is the
learner's; the sign-in page, the header and the admin's team pages pass axe in light and dark."""

from __future__ import annotations

import re
from typing import Any

import pytest
from argon2 import PasswordHasher

from archqa.practice import PracticeLog, load_questions
from archqa.serve.practice import Desk
from archqa.store import Store
from archqa.team import accounts
from archqa.team.accounts import assign, create_account
from archqa.team.review import add_questions
from tests.pg_support import pg_url, postgres_server  # noqa: F401
from tests.serve_support import axe_violations, needs_browser, start_app, watched_page

pytestmark = needs_browser

QID = "behavioral-event-notification-vs-ecst"
PASSWORD = "correct horse battery"


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _axe_clean(page: Any) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        found = axe_violations(page)
        assert found == [], (scheme, found)
    page.emulate_media(color_scheme="light")


def test_sign_in_and_practise_one_card_on_postgresql(
    chromium: Any,
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    with Store.open(pg_url) as store:
        ann = create_account(store, "ann", PASSWORD, "learner", display_name="Ann Lee")
        ada = create_account(store, "ada", PASSWORD, "admin")
        assign(store, ada.id, ann.id)
        bank = {pq.question.id: pq.question for pq in load_questions("bank")}
        (waiting,) = add_questions(store, [bank[QID].model_copy(update={"id": "written"})], "model", ada.id)
    live = start_app(pg_url, team=True)  # type: ignore[arg-type]
    live.app.state.practice = Desk("lexical")
    w = watched_page(chromium, live.url, viewport={"width": 390, "height": 844})
    page = w.page
    try:
        page.goto(live.url + f"/practice?id={QID}")
        assert re.search(r"/signin\?next=", page.url)
        _no_sideways_scroll(page)
        _axe_clean(page)
        page.fill("#signin-name", "ann")
        page.fill("#signin-password", "not the password")
        page.press("#signin-password", "Enter")
        page.locator("p.error").wait_for()
        assert "do not match an account" in page.locator("p.error").inner_text()
        page.fill("#signin-password", PASSWORD)
        page.press("#signin-password", "Enter")
        page.wait_for_url(re.compile(r"/practice\?id="))
        assert (
            "Ann Lee" in page.locator("form.who").inner_text() and "(learner)" in page.locator("form.who").inner_text()
        )
        _no_sideways_scroll(page)
        _axe_clean(page)

        page.fill("#answer", "The event only says what changed; consumers call back for the data.")
        page.locator("#answer").press("Control+Enter")
        page.locator("li.point").first.wait_for()
        page.locator('button[name="rating"][value="3"]').click()
        page.wait_for_url(re.compile(r"/practice\?after="))
        assert "Saved: good." in page.locator(".notice").inner_text()
        with Store.open(pg_url) as store:
            assert [r.rating for r in PracticeLog(store, user_id=ann.id).history(QID)] == [3]
            assert PracticeLog(store).history(QID) == []

        page.locator("form.who button").click()
        page.wait_for_url(re.compile(r"/signin$"))
        page.goto(live.url + "/progress")
        assert "/signin?next=" in page.url
        # The admin's team pages: plain forms and tables that pass axe and fit the phone.
        page.fill("#signin-name", "ada")
        page.fill("#signin-password", PASSWORD)
        page.press("#signin-password", "Enter")
        page.wait_for_url(re.compile(r"/progress$"))
        for path in ("/admin/users", f"/review/{waiting}", f"/candidates/{ann.id}"):
            page.goto(live.url + path)
            assert page.locator("h1").count() == 1, path
            _no_sideways_scroll(page)
            _axe_clean(page)
        assert w.outside == []
        assert [e for e in w.errors if "status of 400" not in e] == []  # the 400: the wrong password's page
    finally:
        page.context.close()
        live.stop()
