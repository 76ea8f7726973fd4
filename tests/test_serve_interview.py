"""The mock interview without a browser: the start form, a whole interview step by step on a clock the test
drives (the seconds recorded, the time left shown), follow-ups, the scorecard, the saved report, stopping early,
bad options as a 400, CSRF, the bound on kept interviews and the grader loading in the background."""

from __future__ import annotations

import html
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from archqa.interview import list_interviews, load_interview
from archqa.practice import grade
from archqa.practice.grade import LexicalGrader
from archqa.serve import ServeConfig, create_app
from archqa.serve import interview as page_module
from archqa.serve.interview import Sessions
from archqa.store import Store

CASE = "case-rate-limiter"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_app(ServeConfig(db=tmp_path / "store.db"))


@pytest.fixture
def clock(app: Any) -> FakeClock:
    fake = FakeClock()
    app.state.interviews = Sessions(clock=fake)
    return fake


@pytest.fixture
def client(app: Any) -> TestClient:
    return TestClient(app)


def csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/interview").text)
    assert found is not None
    return found.group(1)


def start(client: TestClient, **fields: str) -> Any:
    data = {"csrf": csrf(client), "prompt": CASE, "minutes": "10", "level": "senior", "kind": "case-study"}
    return client.post(
        "/interview/start", data={**data, "grader": "lexical", "seed": "1", **fields}, follow_redirects=False
    )


def step_of(page: str) -> str | None:
    found = re.search(r'name="step" value="([^"]+)"', page)
    return found.group(1) if found else None


def remaining(page: str, which: str) -> float:
    found = re.search(rf'id="{which}-clock"[^>]*data-remaining="([^"]+)"', page)
    assert found is not None, which
    return float(found.group(1))


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_start_form_lists_the_case_studies_and_labels_every_control(client: TestClient) -> None:
    r = client.get("/interview")
    assert r.status_code == 200
    ids = re.findall(r'<option value="(case-[^"]+)"', r.text)
    assert CASE in ids and len(ids) >= 10
    controls = re.findall(r'<(?:select|input|textarea)[^>]*\bid="([^"]+)"', r.text)
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', r.text))
    assert controls and set(controls) <= labelled
    assert "Random: drawn for the level" in r.text and 'value="lexical"' in r.text
    assert "llm" not in re.findall(r'<option value="([^"]+)"', r.text.split('id="f-grader"')[1].split("</select>")[0])


def test_a_whole_interview_times_each_step_on_the_server_and_ends_on_a_saved_scorecard(
    client: TestClient, clock: FakeClock, app: Any, tmp_path: Path
) -> None:
    r = start(client)
    assert r.status_code == 303
    url = r.headers["location"]
    sid = url.rsplit("/", 1)[1]
    iv = app.state.interviews.get(sid).iv
    phases = iv.plan.phases
    total = sum(p.seconds for p in phases)
    token = csrf(client)

    page = client.get(url).text
    assert step_of(page) == "requirements"
    assert remaining(page, "phase") == phases[0].seconds and remaining(page, "total") == total
    clock.now += 20
    page = client.get(url).text  # a reload: the time keeps running on the server
    assert remaining(page, "phase") == phases[0].seconds - 20 and remaining(page, "total") == total - 20
    reference = phases[0].reference  # the model answer's own requirements section makes the phase's points
    clock.now += 5
    client.post(url + "/answer", data={"csrf": token, "step": "requirements", "answer": reference})

    steps: list[str] = []
    while (step := step_of(page := client.get(url).text)) is not None:
        steps.append(step)
        assert "Interviewer:" in page
        if ":" in step:
            assert "follow-up" in page.split('id="step-title"')[1][:200]
        clock.now += 7
        answer = {"csrf": token, "step": step, "answer": "Shard the counters by key."}
        r = client.post(url + "/answer", data=answer, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == url
    assert [s for s in steps if ":" not in s] == [p.key for p in phases[1:]]
    assert any(":" in s for s in steps), "no follow-up was asked"

    transcript = iv.transcript
    assert transcript.turns[0].seconds == 25.0  # from when the phase was shown to when the answer came
    assert all(t.seconds == 7.0 for t in transcript.turns[1:])
    assert all(f.seconds == 7.0 for t in transcript.turns for f in t.follow_ups)
    assert any(p.covered for p in transcript.turns[0].points)

    text = text_of(page)
    assert "Overall:" in text and "Time management" in text and "Requirements" in text
    for d in ("Estimation", "API and data model", "High-level design", "Deep dives and trade-offs"):
        assert d in text
    with Store.open(tmp_path / "store.db") as store:
        saved = list_interviews(store)
        assert len(saved) == 1 and saved[0].question_id == CASE
        _, card = load_interview(store, saved[0].id)
    assert f"Overall: {card.overall}" in text
    report = re.search(r'href="(/interview/report/\d+)"', page)
    assert report is not None
    rep = client.get(report.group(1))
    assert rep.status_code == 200 and "<script" not in rep.text and "Scorecard" in rep.text
    assert client.get("/interview").text.count('href="/interview/report/') == 1


def test_an_answer_sent_twice_or_for_another_step_is_ignored(client: TestClient, clock: FakeClock, app: Any) -> None:
    url = start(client).headers["location"]
    token = csrf(client)
    for _ in range(2):
        client.post(url + "/answer", data={"csrf": token, "step": "requirements", "answer": "Limit per key."})
    client.post(url + "/answer", data={"csrf": token, "step": "wrap_up", "answer": "out of turn"})
    iv = app.state.interviews.get(url.rsplit("/", 1)[1]).iv
    assert [t.phase for t in iv.transcript.turns] == ["requirements"]
    assert step_of(client.get(url).text) == "estimation"


def test_finishing_early_scores_what_was_answered_and_nothing_answered_saves_nothing(
    client: TestClient, clock: FakeClock, tmp_path: Path
) -> None:
    token = csrf(client)
    empty = start(client).headers["location"]
    r = client.post(empty + "/finish", data={"csrf": token}, follow_redirects=True)
    assert "nothing was saved" in r.text
    url = start(client).headers["location"]
    clock.now += 30
    client.post(url + "/answer", data={"csrf": token, "step": "requirements", "answer": "Per-key limits."})
    page = client.post(url + "/finish", data={"csrf": token}, follow_redirects=True).text
    assert "1 of 7 phases answered in 0:30" in text_of(page)
    with Store.open(tmp_path / "store.db") as store:
        assert len(list_interviews(store)) == 1
    # the finished interview stays on its scorecard; a late answer changes nothing
    client.post(url + "/answer", data={"csrf": token, "step": "estimation", "answer": "late"})
    assert step_of(client.get(url).text) is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"minutes": "3"}, "Duration: 3 minutes is out of range"),
        ({"minutes": "soon"}, "is not a whole number of minutes"),
        ({"prompt": "no-such-question"}, "'no-such-question': no question has this id"),
        ({}, None),
        ({"level": "principal"}, "Level: 'principal' is not a level"),
        ({"kind": "quiz"}, "Kind: 'quiz' is not a kind of interview"),
        ({"grader": "llm"}, "Grader: 'llm' is not offered here"),
        ({"seed": "x"}, "Seed: 'x' is not a whole number"),
    ],
)
def test_bad_options_are_a_400_on_the_form(client: TestClient, fields: dict[str, str], message: str | None) -> None:
    if message is None:  # a question that is not a case study, by a real id of the bank
        page = client.get("/questions", params={"q": "outbox", "topic": "Integration Architecture"}).text
        concept = next(i for i in re.findall(r'href="/questions/([^"?]+)"', page) if not i.startswith("case-"))
        fields, message = {"prompt": concept}, "not a case study"
    r = start(client, **fields)
    assert r.status_code == 400
    assert 'role="alert"' in r.text and message in html.unescape(r.text)
    assert 'id="iv-start-form" method="post" action="/interview/start"' in r.text


def test_posts_need_the_token_and_a_forgotten_interview_is_a_404(client: TestClient, clock: FakeClock) -> None:
    assert client.post("/interview/start", data={"prompt": CASE, "grader": "lexical"}).status_code == 403
    url = start(client).headers["location"]
    assert client.post(url + "/answer", data={"step": "requirements", "answer": "x"}).status_code == 403
    assert client.post(url + "/finish", data={"csrf": "forged"}).status_code == 403
    gone = client.get("/interview/not-a-session")
    assert gone.status_code == 404 and "no longer running" in gone.text
    assert client.get("/interview/report/999").status_code == 404


def test_the_app_keeps_a_bounded_number_of_interviews(client: TestClient, app: Any) -> None:
    app.state.interviews = Sessions(size=2)
    urls = [start(client).headers["location"] for _ in range(3)]
    assert client.get(urls[0]).status_code == 404
    assert all(client.get(u).status_code == 200 for u in urls[1:])


def test_the_grader_loads_in_the_background_while_the_first_phase_shows(
    client: TestClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    loaded_in: list[str] = []

    def slow() -> LexicalGrader:
        loaded_in.append(threading.current_thread().name)
        release.wait(10)
        return LexicalGrader()

    monkeypatch.setitem(grade._GRADERS, "slow", slow)
    monkeypatch.setattr(page_module, "OFFLINE_GRADERS", (*page_module.OFFLINE_GRADERS, "slow"))
    t0 = time.monotonic()
    r = start(client, grader="slow")
    page = client.get(r.headers["location"]).text
    assert time.monotonic() - t0 < 8  # the page did not wait for the grader
    assert "The grader is still loading" in page
    release.set()
    token = csrf(client)
    client.post(r.headers["location"] + "/answer", data={"csrf": token, "step": "requirements", "answer": "x"})
    assert loaded_in == ["archqa-interview-grader"]
    assert step_of(client.get(r.headers["location"]).text) == "estimation"


def test_a_run_of_concepts_asks_one_question_per_phase_and_rates_each(client: TestClient, clock: FakeClock) -> None:
    url = start(client, kind="concepts", minutes="20", prompt="").headers["location"]
    token = csrf(client)
    titles = []
    while (step := step_of(page := client.get(url).text)) is not None:
        if ":" not in step:
            titles.append(re.search(r'<h2 id="step-title">([^<]+)', page).group(1))  # type: ignore[union-attr]
        clock.now += 60
        client.post(url + "/answer", data={"csrf": token, "step": step, "answer": "I would add an index."})
    assert titles == ["Question 1 of 2", "Question 2 of 2"]
    rows = re.findall(r'<tr data-dimension="([^"]+)">', page)
    assert rows == ["q1", "q2", "time"]


def test_the_default_grader_credits_a_phase_answer_with_its_evidence(client: TestClient, app: Any) -> None:
    data = {"csrf": csrf(client), "prompt": CASE, "minutes": "10", "level": "senior", "kind": "case-study", "seed": ""}
    url = client.post("/interview/start", data=data, follow_redirects=False).headers["location"]
    iv = app.state.interviews.get(url.rsplit("/", 1)[1]).iv
    assert iv.transcript.grader == "semantic"
    phase = iv.plan.phases[0]
    client.post(url + "/answer", data={"csrf": data["csrf"], "step": phase.key, "answer": phase.reference})
    made = [p for p in iv.transcript.turns[0].points if p.covered]
    assert made and all(p.evidence and p.evidence in phase.reference for p in made)


def test_a_very_long_answer_is_cut_and_the_page_says_so(
    client: TestClient, clock: FakeClock, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_module, "MAX_ANSWER", 40)
    url = start(client).headers["location"]
    token = csrf(client)
    client.post(url + "/answer", data={"csrf": token, "step": "requirements", "answer": "word " * 100})
    iv = app.state.interviews.get(url.rsplit("/", 1)[1]).iv
    assert len(iv.transcript.turns[0].answer) == 40
    assert "Your answer was cut to its first 40 characters." in client.get(url).text


class _Drafting(LexicalGrader):
    """The lexical grader, noting each draft it is given."""

    name = "drafting"
    drafts: list[tuple[str, list[str]]] = []

    def draft(self, answer: str, key_points: Any) -> None:
        type(self).drafts.append((answer, list(key_points)))


def test_the_answer_typed_so_far_is_drafted_against_the_current_steps_points(
    client: TestClient, clock: FakeClock, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Drafting.drafts = []
    monkeypatch.setitem(grade._GRADERS, "drafting", _Drafting)
    monkeypatch.setattr(page_module, "OFFLINE_GRADERS", (*page_module.OFFLINE_GRADERS, "drafting"))
    url = start(client, grader="drafting").headers["location"]
    page = client.get(url).text
    assert f'hx-post="{url}/draft"' in page and 'hx-trigger="input changed delay:600ms"' in page
    token = csrf(client)
    iv = app.state.interviews.get(url.rsplit("/", 1)[1]).iv
    assert iv.grader is not None  # loaded
    phase = iv.plan.phases[0]
    ok = client.post(url + "/draft", data={"csrf": token, "step": step_of(page), "answer": "Limit\r\nper key."})
    assert ok.status_code == 204
    other = client.post(url + "/draft", data={"csrf": token, "step": "wrap_up", "answer": "out of turn"})
    assert other.status_code == 204  # another step's draft is ignored
    assert client.post(url + "/draft", data={"step": step_of(page), "answer": "x"}).status_code == 403
    for _ in range(200):
        if not iv.drafts.busy:
            break
        time.sleep(0.02)
    assert _Drafting.drafts == [("Limit\nper key.", [p.text for p in phase.points])]
    assert client.post(url + "/draft", data={"csrf": token, "step": "x", "answer": "y"}).status_code == 204
    assert client.post("/interview/nosuch/draft", data={"csrf": token, "step": "x", "answer": "y"}).status_code == 204
