"""Practice and progress in the web app without a browser: the queue, attempt first, the grade, the rating stored
once with the grader's verdicts and the user's flips, CSRF, and progress figures that match the library's."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from archqa import Store, write_set
from archqa.importer import import_paths
from archqa.practice import (
    Confirmation,
    Grader,
    PracticeLog,
    Session,
    filter_questions,
    get_grader,
    load_questions,
    practice_progress,
    rubric,
)
from archqa.practice.grade import Grade, PointGrade
from archqa.practice.schedule import utcnow
from archqa.practice.spans import MAX_ANSWER_CHARS
from archqa.serve import ServeConfig, create_app
from archqa.serve.practice import MAX_ANSWER, Desk
from tests.conftest import make_set

QID = "behavioral-event-notification-vs-ecst"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def client(db: Path) -> TestClient:
    app = create_app(ServeConfig(db=db))
    app.state.practice = Desk("lexical")  # the lexical grader: instant, and its verdicts are easy to predict
    return TestClient(app)


def _bank() -> dict[str, Any]:
    return {pq.question.id: pq.question for pq in load_questions("bank")}


def _fields(page: str, form_class: str) -> dict[str, str]:
    """The hidden fields of the form with ``form_class`` on ``page``."""
    m = re.search(rf'<form class="{form_class}".*?</form>', page, re.S)
    assert m, f"no form.{form_class} in the page"
    return {k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', m[0])}


def _shown_id(page: str) -> str:
    m = re.search(r'name="qid" value="([^"]+)"', page)
    assert m, "no question in the page"
    return m[1]


def _grade(client: TestClient, qid: str, answer: str, **headers: str) -> Any:
    shown = client.get("/practice", params={"id": qid})
    form = {**_fields(shown.text, "answer-form"), "answer": answer}
    return client.post("/practice/grade", data=form, headers=headers)


def _history(db: Path, qid: str) -> list[Any]:
    with Store.open(db) as store:
        return PracticeLog(store).history(qid)


def test_the_queue_is_the_terminals_plan_and_filters_narrow_it(client: TestClient, db: Path) -> None:
    questions = load_questions("bank")
    with Store.open(db) as store:
        first = Session(store, questions).plan(new_limit=10).items[0].question
        data_adv = filter_questions(questions, ["data"], ["advanced"])
        filtered = Session(store, data_adv).plan(new_limit=10).items[0].question
    r = client.get("/practice")
    assert r.status_code == 200 and _shown_id(r.text) == first.id
    assert "256 never seen (0 of 10 new today)" in r.text
    r = client.get("/practice", params={"topic": "data", "difficulty": "Advanced"})
    assert _shown_id(r.text) == filtered.id and filtered.id != first.id
    # Skipping moves on without saving; ?id= practises one question, however far down the queue it is.
    nxt = client.get("/practice", params={"skip": first.id})
    assert _shown_id(nxt.text) != first.id and _history(db, first.id) == []
    assert _shown_id(client.get("/practice", params={"id": QID}).text) == QID
    assert client.get("/practice", params={"id": "no-such-question"}).status_code == 404
    bad = client.get("/practice", params={"difficulty": "hardest"})
    assert bad.status_code == 200 and "use foundational, intermediate or advanced" in bad.text
    none = client.get("/practice", params={"topic": "zzqx", "difficulty": "advanced"})
    assert "No question in the bank matches topic 'zzqx' and difficulty 'advanced'" in html.unescape(none.text)
    assert "The store has no questions: import some with `archqa import PATH`" in html.unescape(
        client.get("/practice", params={"source": "store"}).text
    )
    empty = client.get("/practice", params={"new": "0"})
    assert "Nothing to practise now." in empty.text and 'name="qid"' not in empty.text


def test_the_attempt_comes_first_nothing_of_the_answer_is_in_the_page(client: TestClient) -> None:
    q = _bank()[QID]
    r = client.get("/practice", params={"id": QID})
    page = html.unescape(r.text)
    assert q.title in page
    assert re.search(r'<label for="answer">Your answer</label>', r.text) and '<textarea id="answer"' in r.text
    hidden = [*q.key_points, q.key_insight, q.answer.split("\n")[0]]
    for text in hidden:
        assert text[:40] not in page, text
    assert "Model answer" not in page
    assert 'src="/static/practice.js"' in r.text and "<script>" not in r.text


def test_the_grade_shows_verdicts_with_evidence_flips_ratings_and_then_the_model_answer(client: TestClient) -> None:
    q = _bank()[QID]
    answer = f"{q.key_points[0]}\n\nAlso: {q.key_points[2]}"
    expected = get_grader("lexical").grade(answer, rubric(q))
    r = _grade(client, QID, answer, **{"HX-Request": "true"})
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="attempt"') and "<html" not in r.text
    verdicts = re.findall(r'<li class="point" data-grader="(\w+)">', r.text)
    assert verdicts == [p.verdict for p in expected.points] and verdicts.count("covered") >= 2
    page = html.unescape(r.text)
    for n, p in enumerate(expected.points, 1):
        if p.evidence:
            assert f"“{p.evidence}”" in page
        box = re.search(rf'<input type="checkbox" id="pt-{n}" name="covered" value="{n}"[^>]*>', r.text)
        assert box and ("checked" in box[0]) == p.covered
        assert f'data-key="{n}"' in r.text
    suggested = Confirmation.of(expected).suggested
    assert suggested is not None
    assert re.search(rf'<button type="submit" name="rating" value="{suggested}" data-key="\w" class="primary"', r.text)
    assert [k for k in re.findall(r'name="rating" value="\d" data-key="(\w)"', r.text)] == ["a", "h", "g", "e"]
    wrote = re.search(r'<div class="your-answer">(.*?)</div>', r.text, re.S)
    assert wrote and html.unescape(re.sub(r"</?mark>", "", wrote[1])) == answer
    marks = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", wrote[1], re.S)]
    assert marks and all(m in answer for m in marks)
    assert all(any(p.evidence in m for m in marks) for p in expected.points if p.evidence)
    assert "Model answer" in page and q.key_points[1] in page and q.key_insight[:40] in page
    full = _grade(client, QID, answer)
    assert "<html" in full.text and "<h1>Practice</h1>" in full.text


def test_a_rating_stores_the_graders_verdicts_and_the_flips_once(client: TestClient, db: Path) -> None:
    q = _bank()[QID]
    answer = q.key_points[0]
    expected = get_grader("lexical").grade(answer, rubric(q))
    graded = _grade(client, QID, answer)
    fields = _fields(graded.text, "rate")
    covered = [n for n, p in enumerate(expected.points, 1) if p.covered]
    flips = {1, 4}  # the user says point 1 is not covered after all, and point 4 is
    ticked = sorted(set(covered) ^ flips)
    form = {**fields, "rating": "g", "covered": [str(n) for n in ticked]}
    before = utcnow()
    first = client.post("/practice/rate", data=form, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/practice?after=")
    again = client.post("/practice/rate", data=form, follow_redirects=False)  # a double click, a reload
    assert again.status_code == 303
    stored = _history(db, QID)
    assert len(stored) == 1
    r = stored[0]
    assert r.rating == 3 and r.answer == answer and r.grader == "lexical"
    assert [p.verdict for p in r.points] == [p.verdict for p in expected.points]
    assert [p.evidence for p in r.points] == [p.evidence for p in expected.points]
    assert [p.user_covered for p in r.points] == [n in ticked for n in range(1, len(expected.points) + 1)]
    assert {n for n, p in enumerate(r.points, 1) if p.flipped} == flips
    want = Confirmation.of(expected).flip(sorted(flips))
    assert r.confirmed == want.share and r.suggested == want.suggested and r.grade == expected.share
    with Store.open(db) as store:
        card = PracticeLog(store).card(QID)
    assert card is not None and card.due > before
    after = client.get(first.headers["location"])
    assert "Saved: good. Next review" in after.text and _shown_id(after.text) != QID


def test_posts_without_the_csrf_token_are_refused_and_store_nothing(client: TestClient, db: Path) -> None:
    graded = _grade(client, QID, "anything")
    fields = _fields(graded.text, "rate")
    bare = TestClient(client.app)
    assert bare.post("/practice/grade", data={"qid": QID, "answer": "x"}).status_code == 403
    no_token = {k: v for k, v in fields.items() if k != "csrf"}
    assert client.post("/practice/rate", data={**no_token, "rating": "3"}).status_code == 403
    wrong = client.post("/practice/rate", data={**fields, "csrf": "forged", "rating": "3"})
    assert wrong.status_code == 403 and _history(db, QID) == []
    # The grade still waits for its rating: the real form saves it.
    ok = client.post("/practice/rate", data={**fields, "rating": "3"}, follow_redirects=False)
    assert ok.status_code == 303 and len(_history(db, QID)) == 1


def test_a_bad_rating_keeps_the_grade_and_an_unknown_token_saves_nothing(client: TestClient, db: Path) -> None:
    fields = _fields(_grade(client, QID, "an answer").text, "rate")
    bad = client.post("/practice/rate", data={**fields, "rating": "7"})
    assert bad.status_code == 400 and "type 1-4, a/h/g/e" in bad.text and _history(db, QID) == []
    flip = client.post("/practice/rate", data={**fields, "rating": "1", "covered": "99"})
    assert flip.status_code == 400 and "there is no key point 99" in flip.text and _history(db, QID) == []
    stale = client.post("/practice/rate", data={**fields, "token": "not-a-token", "rating": "3"})
    assert stale.status_code == 409 and "nothing was saved" in stale.text and _history(db, QID) == []
    ok = client.post("/practice/rate", data={**fields, "rating": "1"}, follow_redirects=False)
    assert ok.status_code == 303 and [r.rating for r in _history(db, QID)] == [1]


def test_a_long_answer_is_graded_on_its_start_as_in_the_terminal_and_a_huge_one_is_refused(client: TestClient) -> None:
    long = "Event notification carries an identifier. " + "more words here. " * (MAX_ANSWER_CHARS // 17)
    r = _grade(client, QID, long)
    assert r.status_code == 200 and 'name="token"' in r.text
    assert f"graded on its first {MAX_ANSWER_CHARS:,} characters" in r.text
    huge = "word " * (MAX_ANSWER // 5 + 10)
    r = _grade(client, QID, huge)
    assert r.status_code == 200 and f"archqa keeps answers up to {MAX_ANSWER:,}" in r.text
    assert '<textarea id="answer"' in r.text and 'name="token"' not in r.text


def test_the_page_says_loading_until_the_grader_is_ready(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = get_grader

    def slow(name: str) -> Any:
        release.wait(10)
        return real("lexical")

    monkeypatch.setattr("archqa.practice.session.get_grader", slow)
    app = create_app(ServeConfig(db=db))
    app.state.practice = Desk("semantic")
    client = TestClient(app)
    r = client.get("/practice", params={"id": QID})
    assert 'data-state="loading"' in r.text and "Loading the grader…" in r.text
    assert 'hx-get="/practice/grader"' in r.text
    assert "Loading the grader…" in client.get("/practice/grader").text
    started = time.monotonic()
    other = client.get("/practice", params={"skip": QID})  # another question while loading: shown, not held up
    assert 'data-state="loading"' in other.text and time.monotonic() - started < 5
    release.set()
    graded = _grade(client, QID, "Event notification carries an identifier.")  # waits for the grader
    assert 'name="token"' in graded.text and "lexical grader" in graded.text
    ready = client.get("/practice/grader").text
    assert 'data-state="ready"' in ready and "hx-get" not in ready


def test_a_grader_that_fails_to_load_says_so_and_keeps_the_answer(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archqa.errors import GraderError

    def broken(name: str) -> Any:
        raise GraderError("the model file is missing; use --grader lexical")

    monkeypatch.setattr("archqa.practice.session.get_grader", broken)
    app = create_app(ServeConfig(db=db))
    app.state.practice = Desk("semantic")
    client = TestClient(app)
    r = _grade(client, QID, "my careful answer")
    assert r.status_code == 200 and "could not be graded: the model file is missing" in r.text
    assert "my careful answer" in r.text and 'name="token"' not in r.text


def test_imported_questions_are_a_source(tmp_path: Path, client: TestClient, db: Path) -> None:
    f = tmp_path / "set.md"
    f.write_text(write_set(make_set()), encoding="utf-8")
    with Store.open(db) as store:
        import_paths([str(f)], store)
        ids = {pq.question.id for pq in load_questions("store", db)}
    r = client.get("/practice", params={"source": "store"})
    assert _shown_id(r.text) in ids and "5 never seen" in r.text
    assert 'value="store" selected' in r.text
    progress = client.get("/progress", params={"source": "store"})
    assert "5 questions in the store" in progress.text


def _seed_reviews(db: Path) -> list[str]:
    """Three bank questions reviewed: one twice (a miss, then flips), one without key-point confirmation."""
    bank = _bank()
    ids = [QID, "case-payment-system", next(i for i in bank if i.startswith("data-"))]
    now = utcnow() - timedelta(days=2)
    with Store.open(db) as store:
        log = PracticeLog(store)
        for n, qid in enumerate(ids):
            points = rubric(bank[qid])
            grade = Grade(
                "lexical",
                tuple(
                    PointGrade(p, 0.9, "covered", p[:20]) if i % 2 == 0 else PointGrade(p, 0.1, "missing")
                    for i, p in enumerate(points)
                ),
            )
            confirmed = None if n == 2 else [i % 2 == 0 for i in range(len(points))]
            log.record(qid, 1 if n == 1 else 3, grade=grade, confirmed=confirmed, answer=f"answer {n}", now=now)
        points = rubric(bank[QID])
        grade = Grade("lexical", tuple(PointGrade(p, 0.1, "missing") for p in points))
        log.record(QID, 2, grade=grade, confirmed=[True] + [False] * (len(points) - 1), answer="second", now=utcnow())
    return ids


def test_progress_shows_the_figures_practice_progress_computes(client: TestClient, db: Path) -> None:
    ids = _seed_reviews(db)
    with Store.open(db) as store:
        want = practice_progress(store, load_questions("bank"), days=14)
    r = client.get("/progress")
    assert r.status_code == 200
    page = html.unescape(r.text)
    assert f"{want.reviews} reviews in all" in page
    assert want.retention is not None and f'data-figure="retention">{want.retention:.0%}<' in page
    cells = {
        key: (int(seen), int(total), cov)
        for key, seen, total, cov in re.findall(
            r'data-cell="([^"]+)"><span class="seen">(\d+)/(\d+)</span> <span class="cov">([^<]+)</span>', page
        )
    }
    for c in want.cells:
        cov = "–" if c.coverage is None else f"{c.coverage:.0%}"
        assert cells[f"{c.cluster}/{c.difficulty}"] == (c.seen, c.total, cov)
    assert cells["all"][:2] == (sum(c.seen for c in want.cells), sum(c.total for c in want.cells))
    assert '<table class="heatmap"' in r.text and '<th scope="row">' in r.text
    days = re.findall(r'<td class="num">(\d+)</td>', r.text)
    assert [int(d) for d in days] == [d.reviews for d in want.days]
    assert want.missed and all(m.point in page for m in want.missed)
    for qid in ids:
        assert f'href="/progress/{qid}"' in r.text


def test_a_questions_history_shows_each_answer_its_rating_and_the_flips(client: TestClient, db: Path) -> None:
    ids = _seed_reviews(db)
    r = client.get(f"/progress/{QID}")
    assert r.status_code == 200
    page = html.unescape(r.text)
    assert page.index("answer 0") < page.index("second")
    assert re.findall(r"<h2 id=\"r-\d+\">[^<]*: (\w+)", r.text) == ["Good", "Hard"]
    assert "(you flipped the grader's ✗ missing)" in page
    assert f'href="/practice?id={QID}"' in r.text
    unseen = next(i for i in _bank() if i not in ids)
    empty = client.get(f"/progress/{unseen}")
    assert empty.status_code == 200 and "No answers saved yet." in empty.text
    assert client.get("/progress/no-such-question").status_code == 404


def test_a_question_without_key_points_is_rated_by_hand(tmp_path: Path, client: TestClient, db: Path) -> None:
    qs = make_set()
    bare = qs.questions[0].model_copy(update={"key_points": [], "key_insight": ""})
    f = tmp_path / "set.md"
    f.write_text(write_set(qs.model_copy(update={"questions": [bare, *qs.questions[1:]]})), encoding="utf-8")
    with Store.open(db) as store:
        import_paths([str(f)], store)
    graded = _grade(client, bare.id, "whatever I remember")
    assert "no key points to grade against" in graded.text and '<li class="point"' not in graded.text
    ratings = re.search(r'<fieldset class="ratings">.*?</fieldset>', graded.text, re.S)
    assert ratings and 'class="primary"' not in ratings[0]
    fields = _fields(graded.text, "rate")
    assert client.post("/practice/rate", data={**fields, "rating": "2"}, follow_redirects=False).status_code == 303
    (stored,) = _history(db, bare.id)
    assert stored.rating == 2 and stored.points == () and stored.confirmed is None and stored.suggested is None


class _Watchful(Grader):
    """A grader that notes how many threads are inside it at once (grading, or preparing a question)."""

    name = "watchful"

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.lock = threading.Lock()
        self.drafts: list[str] = []

    def _enter(self) -> None:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.02)
        with self.lock:
            self.inside -= 1

    def prepare(self, key_points: Sequence[str]) -> None:
        self._enter()

    def draft(self, answer: str, key_points: Sequence[str]) -> None:
        self.drafts.append(answer)
        self._enter()

    def grade(self, answer: str, key_points: Sequence[str]) -> Grade:
        self._enter()
        return Grade(self.name, tuple(PointGrade(p, 0.0) for p in key_points))


def test_requests_never_use_the_grader_from_two_threads_at_once(client: TestClient) -> None:
    grader = _Watchful()
    client.app.state.practice = Desk(grader)  # type: ignore[attr-defined]
    questions = list(_bank().values())[:6]
    errors: list[BaseException] = []
    client.get("/practice")  # one browser: its CSRF cookie is set before the threads share it

    def work(n: int) -> None:
        try:
            for q in questions[n::3]:
                shown = client.get("/practice", params={"id": q.id})  # prepares the question
                form = _fields(shown.text, "answer-form")
                for typed in (f"answer {n}", f"answer {n}, longer"):  # typing pauses: drafts
                    assert client.post("/practice/draft", data={**form, "answer": typed}).status_code == 204
                assert 'name="token"' in _grade(client, q.id, f"answer {n}, longer, done").text
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and grader.most == 1  # drafts included (when they ran: a grade cancels a waiting one)


def test_the_answer_typed_so_far_is_drafted_in_the_background(client: TestClient) -> None:
    """The page posts the answer when typing pauses; the server answers 204 at once and drafts it off the request."""
    grader = _Watchful()
    desk = Desk(grader)
    client.app.state.practice = desk  # type: ignore[attr-defined]
    shown = client.get("/practice", params={"id": QID})
    assert 'hx-post="/practice/draft"' in shown.text and 'hx-trigger="input changed delay:600ms"' in shown.text
    form = _fields(shown.text, "answer-form")
    session = desk._session
    assert session is not None and session.grader is grader  # the page made the session; its grader is loaded
    assert client.post("/practice/draft", data={**form, "answer": "Events notify;\r\nstate moves."}).status_code == 204
    assert client.post("/practice/draft", data={**form, "qid": "no-such-question", "answer": "x"}).status_code == 204
    assert client.post("/practice/draft", data={"qid": QID, "answer": "no token"}).status_code == 403
    for _ in range(200):
        if not session.drafts.busy and grader.drafts:
            break
        time.sleep(0.02)
    assert grader.drafts == ["Events notify;\nstate moves."]  # only the known question's, with the form's newlines


def test_a_new_store_opened_by_several_threads_at_once_is_migrated_once(db: Path) -> None:
    # The web app's worker threads each open the store: the first requests to a new one arrive together.
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_it() -> None:
        try:
            start.wait(5)
            Store.open(db).close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with Store.open(db) as store:
        names = [r[0] for r in store.db.execute("SELECT name FROM migrations")]
    assert len(names) == len(set(names)) > 0


def test_a_hostile_answer_stays_text_in_the_grade_and_the_history(client: TestClient, db: Path) -> None:
    q = _bank()[QID]
    answer = f'{q.key_points[0]} <script>alert(1)</script> <img src=x onerror="alert(2)"> <a href="javascript:x">y</a>'
    graded = _grade(client, QID, answer)
    client.post("/practice/rate", data={**_fields(graded.text, "rate"), "rating": "3"})
    history = client.get(f"/progress/{QID}")
    for page in (graded.text, history.text):
        assert "<script>alert" not in page and "<img" not in page and 'href="javascript:' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_grades_waiting_for_a_rating_are_bounded_oldest_out(db: Path) -> None:
    app = create_app(ServeConfig(db=db))
    app.state.practice = Desk("lexical", limit=2)
    client = TestClient(app)
    tokens = [_fields(_grade(client, QID, f"answer {n}").text, "rate") for n in range(3)]
    oldest = client.post("/practice/rate", data={**tokens[0], "rating": "3"})
    assert oldest.status_code == 409 and _history(db, QID) == []
    newest = client.post("/practice/rate", data={**tokens[2], "rating": "3"}, follow_redirects=False)
    assert newest.status_code == 303 and [r.answer for r in _history(db, QID)] == ["answer 2"]


def test_the_model_answer_is_rendered_once_per_version_of_a_question() -> None:
    from archqa.generate.bank import load_bank
    from archqa.serve import practice

    bank = load_bank()
    q = bank.questions(bank.entries[:1])[0]
    first = practice.model_answer_html(q)
    assert practice.model_answer_html(q) is first  # kept, not rendered again
    edited = q.model_copy(update={"answer": q.answer + "\n\nOne more sentence about quorum reads."})
    again = practice.model_answer_html(edited)
    assert again is not first and "quorum reads" in again and "quorum reads" not in first
