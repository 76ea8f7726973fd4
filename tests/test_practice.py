"""The practice library: FSRS cards and reviews in the store, session planning, filters, statistics."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archqa import write_set
from archqa.errors import ConfigError, InputError
from archqa.practice import (
    PracticeLog,
    PracticeQuestion,
    Session,
    filter_questions,
    load_questions,
    parse_rating,
    practice_stats,
    rubric,
)
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
    assert [h["rating"] for h in history] == [3, 4]
    assert history[0]["answer"] == "my answer" and history[0]["duration_ms"] == 1234
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
    assert len(load_questions("bank")) == 108
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
