"""The web app in team mode, on SQLite and on PostgreSQL: every route called as nobody, as each role and as another
learner (only what the role may; a route without a permission fails the walk), signing in and out, a wrong
password, an expired session, a CSRF token from another session, and two learners practising the same question
who each see only their own reviews, progress and interviews."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from starlette.routing import Route
from starlette.testclient import TestClient

from archqa.practice import PracticeLog
from archqa.serve import ServeConfig, create_app
from archqa.serve.auth import PUBLIC, SESSION_COOKIE
from archqa.serve.interview import Sessions
from archqa.serve.practice import Desk
from archqa.serve.security import COOKIE as CSRF_COOKIE
from archqa.store import Store
from archqa.team import accounts
from archqa.team.accounts import PERMISSIONS, create_account, may, start_session
from tests.pg_support import pg_url, postgres_server  # noqa: F401

PASSWORD = "correct horse battery"
QID = "behavioral-event-notification-vs-ecst"
CASE = "case-rate-limiter"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "sqlite":
        return tmp_path / "team.db"
    return str(request.getfixturevalue("pg_url"))


@dataclass
class Team:
    app: Any
    location: str | Path
    ids: dict[str, int]

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def signed_in(self, name: str) -> TestClient:
        c = self.client()
        r = c.post("/signin", data={"csrf": csrf_of(c, "/signin"), "name": name, "password": PASSWORD})
        assert r.status_code == 303, (name, r.status_code, r.text[:300])
        return c


PEOPLE = {"ann": "learner", "bob": "learner", "ivy": "interviewer", "al": "author", "rex": "reviewer", "ada": "admin"}
"""One account per role, and a second learner."""


@pytest.fixture
def team(store_location: str | Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Team]:
    # argon2 at its smallest cost: the default takes 0.6 s a hash on a busy CI machine, and these tests sign in
    # dozens of times; what is tested here is who may do what, not the hash (tests/test_team.py covers that).
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    with Store.open(store_location) as store:
        ids = {name: create_account(store, name, PASSWORD, role).id for name, role in PEOPLE.items()}
    app = create_app(ServeConfig(db=store_location, team=True))
    app.state.practice = Desk("lexical")  # instant grading
    app.state.interviews = Sessions()
    yield Team(app, store_location, ids)


def csrf_of(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert found is not None, path
    return found.group(1)


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# -- the authorization walk -----------------------------------------------------


def _refused(r: Any, method: str) -> bool:
    """True when the response is auth.requires's refusal (sign in first, or not for this role)."""
    if r.status_code == 403:
        return True
    if method == "GET":
        return r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    return r.status_code == 401


def _calls(app: Any) -> list[tuple[str, str, str]]:
    """(method, path with its parameters filled, the permission it should need) for every route; sign-out last
    (it ends the session). Fails for a route without a permission or with another than the policy's."""
    out = []
    for route in app.routes:
        assert isinstance(route, Route), f"{route!r} is not a plain Route: the walk cannot check it"
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: {"name": "app.css"}.get(m[1], "x"), route.path)
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            declared = getattr(route.endpoint, "permission", None)
            assert declared == PUBLIC or declared in PERMISSIONS, f"{route.path} has no permission (use requires)"
            wanted = expected_permission(method, route.path)
            assert declared == wanted, f"{method} {route.path} needs {declared!r}; the policy says {wanted!r}"
            out.append((method, path, wanted))
    return sorted(out, key=lambda c: c[1] == "/signout")


def expected_permission(method: str, path: str) -> str:
    """The policy, written out apart from the code: what each route should need (anything new: practice)."""
    if path.startswith(("/static/", "/signin/oidc")) or path in ("/signin", "/signout", "/health"):
        return PUBLIC
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/candidates"):
        return "interview_candidates"
    if path == "/review/{qid:str}/decide":
        return "review"
    if path.startswith("/review"):
        return "author"
    return "practice"


BAD_FORM = {"minutes": "x", "count": "x", "action": "none", "grader": "none", "token": "none"}
"""Fields that make every allowed POST stop at its own checks (no interview, set or account is made)."""


def test_every_route_carries_a_permission_and_answers_only_the_roles_that_have_it(team: Team) -> None:
    calls = _calls(team.app)
    assert len(calls) >= 30
    actors: dict[str, TestClient] = {"anonymous": team.client()}
    actors |= {name: team.signed_in(name) for name in PEOPLE}
    tokens = {who: csrf_of(c, "/signin") for who, c in actors.items()}
    checked = 0
    for who, client in actors.items():
        role = PEOPLE.get(who, "")
        for method, path, permission in calls:
            if method == "GET":
                r = client.get(path)
            else:
                r = client.post(path, data={"csrf": tokens[who], **BAD_FORM})
            may_use = permission == PUBLIC or (bool(role) and may(role, permission))
            assert _refused(r, method) != may_use, (who, role, method, path, permission, r.status_code)
            if not may_use and role:
                assert r.status_code == 403 and f"Your role ({role})" in text_of(r.text)
            checked += 1
    assert checked == len(calls) * (len(PEOPLE) + 1)
    # A role sees the tabs of the team pages it may open, and no others.
    assert 'href="/admin/users"' in team.signed_in("ada").get("/signin").text
    learner = team.signed_in("ann").get("/questions").text
    assert 'href="/review"' not in learner and 'href="/candidates"' not in learner
    assert "Signed in as <strong>ann</strong>" in learner and "(learner)" in learner


def test_another_learners_pending_grade_interview_and_report_are_not_found(team: Team) -> None:
    ann, bob = team.signed_in("ann"), team.signed_in("bob")
    # ann's grade waits for her rating; bob cannot rate it with its token.
    shown = ann.get("/practice", params={"id": QID})
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', shown.text))
    graded = ann.post("/practice/grade", data={**form, "answer": "Events notify; state transfer carries data."})
    token = re.search(r'name="token" value="([^"]+)"', graded.text)
    assert graded.status_code == 200 and token is not None
    stolen = bob.post("/practice/rate", data={"csrf": csrf_of(bob, "/practice"), "token": token[1], "rating": "3"})
    assert stolen.status_code == 409
    with Store.open(team.location) as store:
        assert PracticeLog(store, user_id=team.ids["bob"]).history(QID) == []
        assert PracticeLog(store, user_id=team.ids["ann"]).history(QID) == []
    mine = ann.post("/practice/rate", data={"csrf": csrf_of(ann, "/practice"), "token": token[1], "rating": "3"})
    assert mine.status_code == 303
    # ann's running interview and her saved report are nowhere for bob.
    sid, iid = _interview(ann)
    assert ann.get(f"/interview/{sid}").status_code == 200
    assert bob.get(f"/interview/{sid}").status_code == 404
    assert bob.post(f"/interview/{sid}/finish", data={"csrf": csrf_of(bob, "/interview")}).status_code == 404
    assert ann.get(f"/interview/report/{iid}").status_code == 200
    assert bob.get(f"/interview/report/{iid}").status_code == 404


def _interview(client: TestClient) -> tuple[str, int]:
    """Start a mock interview, answer its first phase, stop it: (its session id, the saved interview's id)."""
    token = csrf_of(client, "/interview")
    data = {"csrf": token, "prompt": CASE, "minutes": "10", "level": "senior", "kind": "case-study"}
    r = client.post("/interview/start", data={**data, "grader": "lexical", "seed": "1"})
    assert r.status_code == 303, r.text[:500]
    sid = r.headers["location"].rsplit("/", 1)[1]
    step = re.search(r'name="step" value="([^"]+)"', client.get(f"/interview/{sid}").text)
    assert step is not None
    client.post(f"/interview/{sid}/answer", data={"csrf": token, "step": step[1], "answer": "Token bucket per key."})
    client.post(f"/interview/{sid}/finish", data={"csrf": token})
    saved = re.search(r'href="/interview/report/(\d+)"', client.get(f"/interview/{sid}").text)
    assert saved is not None
    return sid, int(saved[1])


def test_an_interviewer_sees_only_assigned_candidates_and_an_admin_everyone(team: Team) -> None:
    from archqa.team.accounts import assign

    ann, bob = team.ids["ann"], team.ids["bob"]
    with Store.open(team.location) as store:
        assign(store, team.ids["ivy"], ann)
    ivy, ada = team.signed_in("ivy"), team.signed_in("ada")
    listed = ivy.get("/candidates").text
    assert f'href="/candidates/{ann}"' in listed and f'href="/candidates/{bob}"' not in listed
    assert ivy.get(f"/candidates/{ann}").status_code == 200
    assert ivy.get(f"/candidates/{bob}").status_code == 404
    assert f'href="/candidates/{bob}"' in ada.get("/candidates").text
    assert ada.get(f"/candidates/{bob}").status_code == 200


# -- signing in and out --------------------------------------------------------


def test_sign_in_sign_out_and_a_wrong_password_that_names_no_account(team: Team) -> None:
    c = team.client()
    first = c.get("/practice?topic=data")
    assert first.status_code == 303 and first.headers["location"] == "/signin?next=%2Fpractice%3Ftopic%3Ddata"
    polled = c.get(
        "/practice/grader", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/practice?id=q"}
    )
    assert polled.status_code == 401 and polled.headers["hx-redirect"] == "/signin?next=%2Fpractice%3Fid%3Dq"
    token = csrf_of(c, "/signin")
    wrong = c.post("/signin", data={"csrf": token, "name": "ann", "password": "not her password"})
    unknown = c.post("/signin", data={"csrf": token, "name": "nobody-here", "password": "not her password"})
    assert wrong.status_code == unknown.status_code == 400
    assert text_of(wrong.text).replace("ann", "NAME") == text_of(unknown.text).replace("nobody-here", "NAME")
    assert SESSION_COOKIE not in c.cookies
    ok = c.post("/signin", data={"csrf": token, "name": "ann", "password": PASSWORD, "next": "/practice?topic=data"})
    assert ok.status_code == 303 and ok.headers["location"] == "/practice?topic=data"
    cookie = next(v for k, v in ok.headers.multi_items() if k == "set-cookie" and v.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # loopback: no TLS
    with Store.open(team.location) as store:  # only the token's hash is kept
        assert c.cookies[SESSION_COOKIE] not in str(store.db.execute("SELECT id FROM sessions").fetchall())
    assert c.get("/practice").status_code == 200
    offsite = c.post(
        "/signin",
        data={"csrf": csrf_of(c, "/practice"), "name": "ann", "password": PASSWORD, "next": "//evil.example/"},
    )
    assert offsite.headers["location"] == "/"
    out = c.post("/signout", data={"csrf": csrf_of(c, "/practice")})
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert c.get("/practice").status_code == 303


def test_an_expired_session_is_sent_to_sign_in_and_its_forms_are_refused(team: Team) -> None:
    with Store.open(team.location) as store:
        token, csrf = start_session(store, team.ids["ann"], lifetime=timedelta(seconds=-1))
    c = team.client()
    c.cookies.set(SESSION_COOKIE, token)
    c.cookies.set(CSRF_COOKIE, csrf)
    r = c.get("/progress")
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    assert "Your session has ended" in c.get(r.headers["location"]).text
    assert c.post("/practice/rate", data={"csrf": csrf, "token": "x", "rating": "3"}).status_code == 401


def test_a_csrf_token_from_another_session_is_refused(team: Team) -> None:
    ann, bob = team.signed_in("ann"), team.signed_in("bob")
    ann_token, bob_token = csrf_of(ann, "/interview"), csrf_of(bob, "/interview")
    assert ann_token != bob_token
    form = {"minutes": "x", "grader": "lexical"}  # a bad duration: allowed requests stop at 400
    ann.cookies.set(CSRF_COOKIE, bob_token)  # the double submit alone would pass
    refused = ann.post("/interview/start", data={**form, "csrf": bob_token})
    assert refused.status_code == 403 and "does not belong to your session" in text_of(refused.text)
    ann.cookies.set(CSRF_COOKIE, ann_token)
    assert ann.post("/interview/start", data={**form, "csrf": ann_token}).status_code == 400


# -- each learner's own practice ---------------------------------------------


def _practise(client: TestClient, answer: str, rating: str) -> None:
    shown = client.get("/practice", params={"id": QID})
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', shown.text))
    graded = client.post("/practice/grade", data={**form, "answer": answer})
    token = re.search(r'name="token" value="([^"]+)"', graded.text)
    assert token is not None, graded.text[:500]
    rated = client.post("/practice/rate", data={"csrf": form["csrf"], "token": token[1], "rating": rating})
    assert rated.status_code == 303


def test_two_learners_practise_the_same_question_and_each_sees_only_their_own(team: Team) -> None:
    ann, bob = team.signed_in("ann"), team.signed_in("bob")
    _practise(ann, "Ann's answer: event notification only says something happened.", "1")
    _practise(ann, "Ann again: carried state lets consumers skip the call back.", "3")
    _practise(bob, "Bob's answer: ECST ships the state itself.", "4")
    with Store.open(team.location) as store:
        ann_log = PracticeLog(store, user_id=team.ids["ann"]).history(QID)
        bob_log = PracticeLog(store, user_id=team.ids["bob"]).history(QID)
        assert [r.rating for r in ann_log] == [1, 3] and [r.rating for r in bob_log] == [4]
        assert PracticeLog(store).history(QID) == []  # nothing landed on the local user
    ann_page, bob_page = text_of(ann.get(f"/progress/{QID}").text), text_of(bob.get(f"/progress/{QID}").text)
    assert "Ann's answer" in ann_page and "Ann again" in ann_page and "Bob's answer" not in ann_page
    assert "Bob's answer" in bob_page and "Ann" not in bob_page
    assert "2 reviews" in text_of(ann.get("/progress").text) and "1 review" in text_of(bob.get("/progress").text)
    _, ann_iid = _interview(ann)
    assert f"/interview/report/{ann_iid}" in ann.get("/interview").text
    assert f"/interview/report/{ann_iid}" not in bob.get("/interview").text
    assert "/interview/report/" not in bob.get("/interview").text


# -- the team pages --------------------------------------------------------------


WRITTEN = {
    "id": "team-written",
    "title": "When does event notification beat event-carried state transfer?",
    "topic": "Messaging",
    "difficulty": "Intermediate",
    "key_insight": "Pick by who should own the data and how much staleness the consumers can bear.",
    "answer": " ".join(
        [
            "A notification says that something changed and lets each consumer fetch what it needs, so the",
            "producer keeps sole ownership of its data and consumers always read the current state.",
            "Carried state puts the changed fields in the event itself, which spares every consumer the call back",
            "and lets it keep working while the producer is down, at the cost of copies that must be kept in step.",
            "Notifications suit data that changes often or is large, where consumers need only part of it and",
            "stale copies would mislead; the price is a burst of reads against the producer after each event,",
            "which can overload it when many consumers react at once. Carried state suits read-heavy consumers",
            "that must stay available, such as a search index or a cache, and teams that accept eventual",
            "consistency. Schema ownership matters more with carried state: every field in the event becomes a",
            "contract, so version the schema, add fields rather than change them, and let consumers ignore what",
            "they do not know. Personal data in events spreads to every consumer and every retained log segment,",
            "which complicates deletion requests; keep it out or encrypt it per subject. Many systems mix both:",
            "thin events for most changes and fat events for the few consumers that need autonomy, with a replay",
            "from a compacted topic to build a new consumer's copy. Measure the call-back load and the lag of the",
            "copies before choosing, and write the choice down so the next team knows why it was made.",
        ]
    ),
    "key_points": [
        "A notification carries only the fact of the change",
        "Consumers call back for the data they need",
        "Carried state removes the call back but spreads copies",
    ],
    "related": ["behavioral-orchestration-vs-choreography"],
}
"""A model-written question; its related link names a question the team's bank does not have (a finding)."""


def _written(team: Team, **changes: Any) -> str:
    """The model-written question in the team's bank, waiting for review; its id."""
    from archqa.model import Question
    from archqa.team.review import add_questions

    with Store.open(team.location) as store:
        (qid,) = add_questions(store, [Question.model_validate(WRITTEN | changes)], "model", team.ids["al"])
    return qid


def test_a_written_question_is_hidden_until_an_author_edits_and_another_reviewer_approves(team: Team) -> None:
    qid = _written(team)
    ann, al, rex = team.signed_in("ann"), team.signed_in("al"), team.signed_in("rex")
    assert ann.get(f"/questions/{qid}").status_code == 404
    assert qid not in ann.get("/questions", params={"q": "notification"}).text
    queued = al.get("/review").text
    assert f'href="/review/{qid}"' in queued and "by al" in queued
    page = al.get(f"/review/{qid}").text
    draft = html.unescape(re.search(r'<textarea id="edit-question"[^>]*>(.*?)</textarea>', page, re.S)[1])  # type: ignore[index]
    assert 'action="/review/' + qid + '/decide"' not in page  # an author edits, does not decide
    assert "links.related" in page  # the validator's finding: it names questions this bank does not have
    token = csrf_of(al, "/review")
    bad = al.post(f"/review/{qid}/edit", data={"csrf": token, "question": draft.replace('"title"', '"titel"', 1)})
    assert bad.status_code == 400 and "The edit was not saved" in text_of(bad.text)
    edited = json.loads(draft) | {"title": "Event notification or carried state?", "related": []}
    r = al.post(f"/review/{qid}/edit", data={"csrf": token, "question": json.dumps(edited), "note": "clearer title"})
    assert r.status_code == 303
    assert "Event notification or carried state?" in text_of(rex.get(f"/review/{qid}").text)
    approved = rex.post(f"/review/{qid}/decide", data={"csrf": csrf_of(rex, "/review"), "action": "approve"})
    assert approved.status_code == 303, re.findall(r"<p class=.error.>.*?</p>|<li><strong>.*?</li>", approved.text)
    assert ann.get(f"/questions/{qid}").status_code == 200
    assert qid in ann.get("/questions", params={"q": "notification"}).text  # not the page kept from before
    history = text_of(rex.get(f"/review/{qid}").text)
    assert "clearer title" in history and "approve" in history and "published" in history


def test_an_interviewer_builds_a_set_downloads_its_pack_and_records_a_scorecard(team: Team) -> None:
    from archqa.team.accounts import assign
    from archqa.team.review import approve

    qid = _written(team, related=[])
    with Store.open(team.location) as store:
        approve(store, qid, team.ids["rex"])
        assign(store, team.ids["ivy"], team.ids["ann"])
    ivy = team.signed_in("ivy")
    page = f"/candidates/{team.ids['ann']}"
    token = csrf_of(ivy, page)
    built = ivy.post(page + "/sets", data={"csrf": token, "count": "1", "seed": "0"})
    assert built.status_code == 303, text_of(built.text)
    shown = ivy.get(page).text
    pack = re.search(rf'href="({page}/sets/(\d+)/pack)"', shown)
    assert pack is not None and qid in shown  # the set counts as exposure
    got = ivy.get(pack[1])
    assert got.status_code == 200 and "When does event notification beat" in html.unescape(got.text)
    form = {"csrf": token, "overall": "yes", "set_id": pack[2], "notes": "Clear on trade-offs."}
    assert ivy.post(page + "/scorecards", data=form).status_code == 303
    assert "Clear on trade-offs." in text_of(ivy.get(page).text)
    # The admin sees the candidate but, not assigned, neither their sets nor scorecards.
    admin_view = text_of(team.signed_in("ada").get(page).text)
    assert "Clear on trade-offs." not in admin_view and "You are not assigned" in admin_view


def test_the_admin_adds_a_user_changes_a_role_and_assigns_a_candidate(team: Team) -> None:
    ada = team.signed_in("ada")
    token = csrf_of(ada, "/admin/users")
    add = {"csrf": token, "action": "add", "name": "cy", "password": PASSWORD, "role": "learner"}
    assert ada.post("/admin/users", data=add).status_code == 303
    short = ada.post("/admin/users", data={**add, "name": "dee", "password": "short"})
    assert short.status_code == 400 and "Nothing changed" in text_of(short.text)
    assert (
        ada.post(
            "/admin/users", data={"csrf": token, "action": "role", "name": "cy", "role": "interviewer"}
        ).status_code
        == 303
    )
    cy = team.signed_in("cy")
    assert cy.get("/candidates").status_code == 200
    with Store.open(team.location) as store:
        from archqa.team.accounts import account_by_name

        cy_id = account_by_name(store, "cy").id  # type: ignore[union-attr]
    assign = {"csrf": token, "action": "assign", "interviewer": str(cy_id), "candidate": str(team.ids["bob"])}
    assert ada.post("/admin/users", data=assign).status_code == 303
    assert cy.get(f"/candidates/{team.ids['bob']}").status_code == 200
    assert ada.post("/admin/users", data={"csrf": token, "action": "disable", "name": "cy"}).status_code == 303
    assert cy.get("/candidates").status_code == 303  # signed out everywhere


def test_the_session_cookie_is_secure_off_loopback_and_local_mode_has_no_sign_in(tmp_path: Path) -> None:
    from archqa.serve.auth import session_cookie

    assert "; Secure" in session_cookie("t", ServeConfig(host="0.0.0.0"), 60)
    assert "; Secure" not in session_cookie("t", ServeConfig(host="127.0.0.1"), 60)
    local = TestClient(create_app(ServeConfig(db=tmp_path / "local.db")), follow_redirects=False)
    assert local.get("/signin").headers["location"] == "/"
    assert local.get("/progress").status_code == 200  # nobody signs in on a local store
    assert local.get("/admin/users").status_code == 404 and local.get("/review").status_code == 404


def test_sets_and_practice_from_a_team_store_take_only_published_questions(team: Team) -> None:
    from archqa.serve.generate import Options, build
    from archqa.team.review import approve

    published = _written(team, related=[])
    waiting = _written(team, related=[], title="A second written question, still under review")
    with Store.open(team.location) as store:
        approve(store, published, team.ids["rex"])
    opts = Options(source="store", count=2, mix=(0, 100, 0), shortfall=True)
    assert [q.id for q in build(team.app.state.config, opts).set.questions] == [published]
    ann = team.signed_in("ann")
    page = ann.get("/practice", params={"source": "store"}).text
    assert f'name="qid" value="{published}"' in page
    assert ann.get("/practice", params={"source": "store", "id": waiting}).status_code == 404
