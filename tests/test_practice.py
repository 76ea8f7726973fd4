"""The practice library: FSRS cards and reviews in the store, session planning, filters, statistics."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archqa import write_set
from archqa.errors import ConfigError, GraderError, InputError
from archqa.practice import (
    Confirmation,
    Grade,
    PointGrade,
    PracticeLog,
    PracticeQuestion,
    Session,
    filter_questions,
    get_grader,
    interleave,
    load_questions,
    parse_point_numbers,
    parse_rating,
    practice_stats,
    rubric,
)
from archqa.practice import grade as grade_module
from archqa.practice.grade import LexicalGrader
from archqa.practice.progress import history_lines, practice_progress, progress_lines
from archqa.practice.schedule import describe_interval, local_midnight, stamp
from archqa.store import Store
from tests.conftest import make_set

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_DB", str(tmp_path / "store.db"))
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "practice.db") as s:
        yield s


def _questions() -> list[PracticeQuestion]:
    return [PracticeQuestion(q, "structural" if i < 3 else "data") for i, q in enumerate(make_set().questions)]


def test_record_creates_then_updates_a_card_in_one_transaction(store: Store) -> None:
    log = PracticeLog(store)
    first = log.record("q1", 3, answer="my answer", duration_ms=1234, now=NOW)
    assert first.first and first.due > NOW and first.rating == 3
    card = log.card("q1")
    assert card is not None and card.due == first.due
    second = log.record("q1", 4, now=first.due + timedelta(minutes=1))
    assert not second.first and second.due > first.due
    history = log.history("q1")
    assert [h.rating for h in history] == [3, 4]
    assert history[0].answer == "my answer" and history[0].duration_ms == 1234 and history[0].points == ()
    assert store.db.execute("SELECT introduced_at FROM cards").fetchone()[0].startswith("2026-03-10T12:00:00")


def test_a_failed_review_write_leaves_no_trace(store: Store) -> None:
    log = PracticeLog(store)
    store.db.execute("CREATE TEMP TRIGGER boom BEFORE INSERT ON reviews BEGIN SELECT RAISE(ABORT, 'boom'); END")
    with pytest.raises(sqlite3.IntegrityError):
        log.record("q1", 3, now=NOW)
    assert log.card("q1") is None
    with pytest.raises(ConfigError, match="use 1 \\(again\\)"):
        log.record("q1", 7, now=NOW)


def test_again_comes_back_sooner_than_easy(store: Store) -> None:
    log = PracticeLog(store)
    again = log.record("a", 1, now=NOW)
    easy = log.record("e", 4, now=NOW)
    assert NOW < again.due < easy.due
    assert easy.due - NOW >= timedelta(days=1)


@pytest.mark.parametrize(("text", "rating"), [("1", 1), ("a", 1), ("Again", 1), ("h", 2), ("3", 3), ("good", 3)])
def test_parse_rating(text: str, rating: int) -> None:
    assert parse_rating(text) == rating


def test_parse_rating_rejects_other_words() -> None:
    with pytest.raises(ConfigError, match="type 1-4, a/h/g/e"):
        parse_rating("5")


def test_plan_puts_due_first_then_new_up_to_the_daily_limit(store: Store) -> None:
    qs = _questions()
    session = Session(store, qs)
    plan = session.plan(new_limit=2, now=NOW)
    assert [i.kind for i in plan.items] == ["new", "new"] and plan.new == 5 and plan.due == 0
    ids = [q.question.id for q in qs]
    session.rate(qs[1].question, 1, now=NOW - timedelta(days=2))  # due long ago
    session.rate(qs[3].question, 3, now=NOW - timedelta(days=1))  # due later than qs[1]
    session.rate(qs[0].question, 4, now=NOW)  # introduced today, not due yet
    plan = session.plan(new_limit=2, now=NOW + timedelta(hours=1))
    assert [(i.kind, i.question.id) for i in plan.items] == [("due", ids[1]), ("due", ids[3]), ("new", ids[2])]
    assert plan.new_today == 1 and plan.new_allowed == 1
    assert plan.next_due is not None and plan.next_due > NOW
    assert len(session.plan(new_limit=10, limit=2, now=NOW).items) == 2
    assert session.plan(new_limit=1, now=NOW + timedelta(hours=1)).items[-1].kind == "due"


def test_filters_by_cluster_topic_name_and_difficulty() -> None:
    qs = _questions()
    assert len(filter_questions(qs, ["data"])) == 2
    assert len(filter_questions(qs, ["Structural"])) == 3
    assert len(filter_questions(qs, ["data architecture"], ["advanced"])) == 2
    assert len(filter_questions(qs, [], ["foundational", "intermediate"])) == 3
    assert len(filter_questions(qs, ["data", "structural"])) == 5
    with pytest.raises(ConfigError, match="--difficulty 'hardest'"):
        filter_questions(qs, [], ["hardest"])


def test_rubric_falls_back_to_the_key_insight() -> None:
    q = make_set().questions[0]
    assert rubric(q) == q.key_points
    assert rubric(q.model_copy(update={"key_points": []})) == [q.key_insight]
    assert rubric(q.model_copy(update={"key_points": [], "key_insight": ""})) == []


def test_load_questions_from_a_set_file_the_bank_and_errors(tmp_path: Path) -> None:
    f = tmp_path / "set.md"
    f.write_text(write_set(make_set()))
    qs = load_questions(f)
    assert [pq.cluster for pq in qs] == ["structural"] * 3 + ["data"] * 2
    from archqa.generate import load_bank

    assert len(load_questions("bank")) == len(load_bank().entries) >= 250
    with pytest.raises(InputError, match="no such file"):
        load_questions(tmp_path / "missing.md")
    with pytest.raises(InputError, match="archqa import PATH"):
        load_questions("store", tmp_path / "empty.db")


def test_stats_retention_and_due_per_day(store: Store) -> None:
    log = PracticeLog(store)
    log.record("old", 1, now=NOW - timedelta(days=40))
    log.record("x", 3, now=NOW - timedelta(days=1))
    log.record("y", 2, now=NOW)
    # Make the three cards due: overdue, today and in three days (local time).
    store.db.execute("UPDATE cards SET due=? WHERE question_id='old'", (stamp(NOW - timedelta(days=5)),))
    in_three = local_midnight(NOW, 3) + timedelta(hours=12)
    store.db.execute("UPDATE cards SET due=? WHERE question_id='x'", (stamp(in_three),))
    store.db.execute("UPDATE cards SET due=? WHERE question_id='y'", (stamp(NOW + timedelta(days=30)),))
    s = practice_stats(store, NOW)
    assert s["reviews"] == 3 and s["reviews_30d"] == 2 and s["cards"] == 3
    assert s["retention"] == pytest.approx(2 / 3, abs=1e-4) and s["retention_30d"] == 1.0
    assert s["due_now"] == 1
    days = s["due_by_day"]
    assert isinstance(days, list) and len(days) == 7
    assert [d["due"] for d in days] == [1, 0, 0, 1, 0, 0, 0]
    assert days[0]["date"] == NOW.astimezone().date().isoformat()
    assert s["ratings"] == {"again": 1, "hard": 1, "good": 1}


def test_stats_of_an_empty_store(store: Store) -> None:
    s = practice_stats(store, NOW)
    assert s["reviews"] == 0 and s["retention"] is None and s["retention_30d"] is None


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=5), "now"),
        (timedelta(minutes=10), "in 10 minutes"),
        (timedelta(hours=1), "in 1 hour"),
        (timedelta(days=3, hours=2), "in 3 days"),
    ],
)
def test_describe_interval(delta: timedelta, text: str) -> None:
    assert describe_interval(NOW + delta, NOW) == text


def test_an_existing_store_gains_the_practice_tables_and_keeps_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archqa.store import migrations

    path = tmp_path / "old.db"
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:2])
        with Store.open(path) as old:
            old.db.execute(
                "INSERT INTO sources (path, sha256, size, dialect, imported_at) VALUES ('a.md', 'x', 1, 'cards', 'now')"
            )
            assert not old.db.execute("SELECT 1 FROM sqlite_master WHERE name='reviews'").fetchone()
    with Store.open(path) as new:
        names = [r[0] for r in new.db.execute("SELECT name FROM migrations ORDER BY rowid")]
        assert "0003_practice" in names and names == [n for n, _ in migrations.MIGRATIONS]
        assert new.db.execute("SELECT path FROM sources").fetchall() == [("a.md",)]
        PracticeLog(new).record("q", 3, now=NOW)
        assert new.db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1


# -- the grader's verdicts and the user's, stored per key point ------------------------------------------------

GRADE = Grade(
    "lexical",
    (
        PointGrade("Uses a cache", 0.9, "covered", "we cache reads", "terms found: cache"),
        PointGrade("Bounds the wait", 0.4, "unsure", "", "close, not enough"),
        PointGrade("Names the cost", 0.0, "missing", "", "0 of 2 terms"),
    ),
)


def test_confirmation_flips_and_suggests_from_the_users_verdicts() -> None:
    c = Confirmation.of(GRADE)
    assert c.covered == (True, False, False) and c.flipped == () and c.suggested == 2  # 1 of 3: hard
    c = c.flip([2, 3])
    assert c.covered == (True, True, True) and c.flipped == (2, 3) and c.share == 1.0 and c.suggested == 4
    assert c.flip([2]).flip([2]).covered == c.covered
    with pytest.raises(ConfigError, match="no key point 4"):
        c.flip([4])
    with pytest.raises(ValueError, match="2 verdicts for 3 key points"):
        Confirmation(GRADE, (True, False))
    assert Confirmation.of(Grade("lexical", ())).suggested is None


@pytest.mark.parametrize(
    ("text", "count", "numbers"),
    [("2", 3, [2]), ("2 3", 3, [2, 3]), ("3,1", 3, [3, 1]), ("13", 3, [1, 3]), (" 2  2 ", 3, [2]), ("12", 12, [12])],
)
def test_parse_point_numbers(text: str, count: int, numbers: list[int]) -> None:
    assert parse_point_numbers(text, count) == numbers


@pytest.mark.parametrize(
    ("text", "message"),
    [("y", "type key-point numbers"), ("2 x", "type key-point"), ("4", "no key point 4"), ("0", "no key point 0")],
)
def test_parse_point_numbers_rejects_anything_else(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_point_numbers(text, 3)


def test_both_verdicts_are_stored_and_read_back_as_judgements(store: Store) -> None:
    log = PracticeLog(store)
    session = Session(store, _questions())
    q = _questions()[0].question
    review = session.rate(q, 3, confirmation=Confirmation.of(GRADE).flip([3]), answer="we cache reads", now=NOW)
    assert review.confirmed == pytest.approx(2 / 3) and review.suggested == 3  # from the user's 2 of 3, not 1 of 3
    log.record("other", 2, grade=GRADE, answer="x", now=NOW + timedelta(minutes=1))  # not confirmed
    stored = log.history(q.id)[0]
    assert (stored.grade, stored.suggested, stored.grader) == (pytest.approx(1 / 3), 3, "lexical")
    assert [(p.verdict, p.user_covered, p.flipped) for p in stored.points] == [
        ("covered", True, False),
        ("unsure", False, False),
        ("missing", True, True),
    ]
    assert stored.points[0].evidence == "we cache reads" and stored.points[1].reason == "close, not enough"
    unconfirmed = log.history("other")[0]
    assert unconfirmed.confirmed is None and [p.user_covered for p in unconfirmed.points] == [None] * 3
    assert unconfirmed.coverage == pytest.approx(1 / 3)  # the grader's share stands in
    judged = log.point_judgements()
    assert [(j.question_id, j.point, j.grader_verdict, j.user_covered) for j in judged] == [
        (q.id, "Uses a cache", "covered", True),
        (q.id, "Bounds the wait", "unsure", False),
        (q.id, "Names the cost", "missing", True),
    ]
    assert judged[0].answer == "we cache reads" and judged[0].grader == "lexical" and judged[0].reviewed_at == NOW
    assert log.point_judgements("lexical") == judged and log.point_judgements("semantic") == []
    with pytest.raises(ConfigError, match="2 confirmed verdicts for 3 graded key points"):
        log.record("q", 3, grade=GRADE, confirmed=[True, False])


def test_the_review_points_migration_keeps_old_grades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archqa.store import migrations

    path = tmp_path / "old.db"
    old_json = '[{"point": "A", "covered": true, "score": 0.8}, {"point": "B", "covered": false, "score": 0.1}]'
    new_json = '[{"point": "C", "verdict": "unsure", "covered": false, "score": 0.4, "evidence": "", "reason": "r"}]'
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:5])
        with Store.open(path) as old:
            for qid, covered in (("q1", old_json), ("q2", new_json), ("q3", "[]")):
                old.db.execute(
                    "INSERT INTO reviews (question_id, reviewed_at, rating, suggested, grade, grader, covered, answer,"
                    " duration_ms, due) VALUES (?, ?, 3, 3, 0.5, 'lexical', ?, 'ans', 10, ?)",
                    (qid, stamp(NOW), covered, stamp(NOW)),
                )
    with Store.open(path) as new:
        cols = [r[1] for r in new.db.execute("PRAGMA table_info(reviews)")]
        assert "covered" not in cols and "confirmed" in cols
        log = PracticeLog(new)
        assert [(p.point, p.verdict, p.score, p.user_covered) for p in log.history("q1")[0].points] == [
            ("A", "covered", 0.8, None),
            ("B", "missing", 0.1, None),
        ]
        (c,) = log.history("q2")[0].points
        assert (c.verdict, c.reason) == ("unsure", "r")
        assert log.history("q3")[0].points == () and log.point_judgements() == []


# -- new questions take turns by topic ------------------------------------------------------------------------


def test_interleave_takes_turns_by_cluster_in_first_seen_order() -> None:
    qs = make_set().questions

    def pq(i: int, cluster: str) -> PracticeQuestion:
        return PracticeQuestion(qs[i], cluster)

    given = [pq(0, "data"), pq(1, "data"), pq(2, "data"), pq(3, "quality"), pq(4, "")]
    order = [(p.cluster, p.question.id) for p in interleave(given)]
    assert order == [
        ("data", qs[0].id),
        ("quality", qs[3].id),
        ("", qs[4].id),
        ("data", qs[1].id),
        ("data", qs[2].id),
    ]
    assert interleave(given) == interleave(list(given)) and interleave([]) == []


def test_plan_interleaves_new_questions_across_topics(store: Store) -> None:
    plan = Session(store, _questions()).plan(new_limit=10, now=NOW)
    ids = [q.id for q in make_set().questions]
    assert [i.question.id for i in plan.items] == [ids[0], ids[3], ids[1], ids[4], ids[2]]


def test_a_session_constructs_its_grader_once_when_first_needed(store: Store) -> None:
    session = Session(store, _questions(), "lexical")
    assert not session.grader_loaded
    grader = session.grader
    assert session.grader_loaded and session.grader is grader
    q = _questions()[0].question
    assert session.grade(q, "").total == 3 and session.grader is grader


# -- progress and history -------------------------------------------------------------------------------------


def test_progress_figures(store: Store) -> None:
    qs = _questions()  # Q1-Q3 structural (F, I, I), Q4-Q5 data (A, A)
    session = Session(store, qs)
    lexical = get_grader("lexical")
    q1, q2, q4 = qs[0].question, qs[1].question, qs[3].question
    g1 = lexical.grade(
        "I would use a bounded context around payment retries. Every wait is bounded by timeouts.", rubric(q1)
    )
    assert [p.covered for p in g1.points] == [True, True, False]
    # Q1 answered twice: the latest answer (all three confirmed) is what coverage counts.
    session.rate(q1, 2, confirmation=Confirmation.of(g1).flip([2]), now=NOW - timedelta(days=3))
    session.rate(q1, 4, confirmation=Confirmation.of(g1).flip([3]), now=NOW + timedelta(seconds=1))
    g2 = lexical.grade("nothing relevant", rubric(q2))
    session.rate(q2, 1, confirmation=Confirmation.of(g2), now=NOW - timedelta(days=1))
    session.rate(q4, 3, grade=lexical.grade("nothing", rubric(q4)), now=NOW - timedelta(days=40))  # unconfirmed
    session.rate(make_set().questions[0].model_copy(update={"id": "elsewhere"}), 3, now=NOW)
    p = practice_progress(store, qs, now=NOW, days=14)
    assert (p.questions, p.reviews, p.outside) == (5, 5, 1)
    assert p.retention == 0.8 and p.retention_30d == 0.75
    assert len(p.days) == 14 and p.days[-1].day == NOW.astimezone().date()
    assert sum(d.reviews for d in p.days) == 4 and [d.reviews for d in p.days[-4:]] == [1, 0, 1, 2]
    cells = {(c.cluster, c.difficulty): (c.seen, c.total, c.coverage) for c in p.cells}
    assert cells == {
        ("structural", "Foundational"): (1, 1, 1.0),
        ("structural", "Intermediate"): (1, 2, 0.0),
        ("data", "Advanced"): (1, 2, 0.0),
    }
    missed = [(m.question_id, m.point, m.missed, m.judged) for m in p.missed]
    assert missed[:3] == [
        (q2.id, q2.key_points[0], 1, 1),
        (q2.id, q2.key_points[1], 1, 1),
        (q2.id, q2.key_points[2], 1, 1),
    ]
    assert (q1.id, q1.key_points[1], 1, 2) in missed and (q1.id, q1.key_points[2], 1, 2) in missed
    assert all(m.title for m in p.missed)
    text = "\n".join(progress_lines(p, width=80))
    assert "Reviews: 5 in all, 4 in the last 14 days; retention 80% (75% in the last 30 days)." in " ".join(
        text.split()
    )
    assert (
        "  structural      1/1 100%        1/2 0%            2/3 50%" in text
        and "1 reviewed question not in this source" in text
    )
    assert all(len(line) <= 80 for line in text.splitlines())
    assert practice_progress(store, qs, now=NOW).to_json()["days"][-1] == {
        "date": NOW.astimezone().date().isoformat(),
        "reviews": 2,
    }


def test_progress_of_an_empty_store(store: Store) -> None:
    p = practice_progress(store, _questions(), now=NOW)
    assert p.reviews == 0 and p.retention is None and p.missed == [] and all(c.seen == 0 for c in p.cells)
    assert "No key point missed yet." in progress_lines(p)


def test_history_lines_show_each_answer_with_both_verdicts(store: Store) -> None:
    q = _questions()[0].question
    Session(store, _questions()).rate(
        q, 2, confirmation=Confirmation.of(GRADE).flip([1]), answer="we cache reads\n\nsecond paragraph", now=NOW
    )
    lines = history_lines(q.id, q, PracticeLog(store).history(q.id), width=60)
    text = "\n".join(lines)
    assert lines[0].startswith(f"{q.id}: How would you make") and "1 answer, oldest first." in text
    assert "hard (suggested again) · lexical grader 1/3, you confirmed 0/3" in " ".join(text.split())
    assert "  ✗ Uses a cache (you flipped the grader's ✓)\n      “we cache reads”" in text
    assert "  ✗ Bounds the wait\n" in text
    assert "  Answer:\n    we cache reads\n\n    second paragraph" in text
    assert history_lines("nope", None, []) == ["nope", "No answers saved yet: practise it with `archqa practice`."]


# -- the grader loads in the background ----------------------------------------


class _SlowGrader(LexicalGrader):
    """A lexical grader that takes a moment to construct, like a model."""

    built = 0

    def __init__(self, gate: threading.Event) -> None:
        gate.wait(5)
        type(self).built += 1


def test_preload_builds_the_grader_once_in_the_background(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    monkeypatch.setitem(grade_module._GRADERS, "slow-test", lambda: _SlowGrader(gate))
    session = Session(store, [], "slow-test")
    session.preload()
    session.preload()  # a second call does not start a second load
    assert not session.grader_loaded  # still constructing: the CLI says "Loading the grader…"
    gate.set()
    assert isinstance(session.grader, _SlowGrader) and session.grader_loaded
    assert _SlowGrader.built == 1


def test_preload_reraises_the_graders_error_where_it_is_used(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> LexicalGrader:
        raise GraderError("the model file is missing; reinstall archqa")

    monkeypatch.setitem(grade_module._GRADERS, "broken-test", broken)
    session = Session(store, [], "broken-test")
    session.preload()
    with pytest.raises(GraderError, match="model file is missing"):
        session.grader  # noqa: B018
