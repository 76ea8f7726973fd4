"""`archqa migrate` / archqa.store.transfer: a whole store moved SQLite -> PostgreSQL -> SQLite without loss."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archqa.errors import ConfigError, StoreError
from archqa.importer import import_paths
from archqa.interview import Interview, Transcript, list_interviews, load_bank_questions, save_interview, scorecard
from archqa.practice.grade import get_grader
from archqa.practice.schedule import PracticeLog
from archqa.store import Store
from archqa.store import transfer as transfer_module
from archqa.store.transfer import EXCLUDED, TABLES, TransferMismatch, transfer, uncovered_tables
from tests.conftest import run_cli
from tests.pg_support import pg_url, postgres_server  # noqa: F401  (fixtures)

FIX = Path(__file__).parent / "fixtures" / "dialects"
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def fill(store: Store) -> None:
    """A store with a bit of everything: imported questions, two learners' and the local person's practice with
    graded key points, a saved interview, and team rows (accounts, a session, an assignment, a version, a set,
    a scorecard)."""
    import_paths([str(FIX)], store)
    stamp = NOW.isoformat()
    store.db.execute(
        "INSERT INTO users (id, name, display_name, role, password_hash, created_at) VALUES"
        " (7, 'ada', 'Ada L.', 'learner', '$argon2id$v=19$fake', ?), (8, 'bo', 'Bø', 'interviewer', NULL, ?)",
        (stamp, stamp),
    )
    store.db.execute(
        "INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES ('abc', 7, 'x', ?, ?)", (stamp, stamp)
    )
    store.db.execute("INSERT INTO assignments VALUES (8, 7, ?)", (stamp,))
    qids = [r[0] for r in store.iter_questions()]
    store.db.execute(
        "INSERT INTO question_versions (question_id, version, data, status, action, user_id, at, note)"
        " VALUES (?, 1, '{}', 'review', 'import', 8, ?, 'naïve – note')",
        (qids[0], stamp),
    )
    store.db.execute(
        "INSERT INTO candidate_sets (id, interviewer_id, candidate_id, created_at, title, question_ids)"
        " VALUES (3, 8, 7, ?, 'set', ?)",
        (stamp, json.dumps(qids[:3])),
    )
    store.db.execute(
        "INSERT INTO scorecards (interviewer_id, candidate_id, set_id, recorded_at, scorecard)"
        " VALUES (8, 7, 3, ?, '{}')",
        (stamp,),
    )
    grader = get_grader("lexical")
    for user_id in (0, 7, 8):
        log = PracticeLog(store, user_id=user_id)
        for i, qid in enumerate(qids[user_id % 3 :: 4][:6]):
            got = store.get(qid)
            assert got is not None
            question = got["question"]
            answer = f"{question.answer[:80]} — user {user_id} ü"  # type: ignore[attr-defined]
            grade = grader.grade(answer, question.key_points)  # type: ignore[attr-defined]
            confirmed = [j % 2 == 0 for j in range(len(grade.points))] if i % 2 else None
            log.record(
                qid,
                1 + (i % 4),
                grade=grade,
                confirmed=confirmed,
                answer=answer,
                duration_ms=1234 + i,
                now=NOW + timedelta(minutes=i),
            )
    iv = Interview.start(load_bank_questions(), kind="concepts", level="mid", minutes=27, seed=3, grader="lexical")
    t = Transcript(started_at=stamp, grader="lexical", plan=iv.plan)
    save_interview(store, t, scorecard(t), user_id=7)


def table_rows(store: Store, table: str, key: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Every row of ``table`` as plain tuples in key order, columns by name (sorted), read independently of
    the module under test."""
    if store.is_postgres:
        cols = [
            r[0]
            for r in store.db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name=? AND is_generated='NEVER'",
                (table,),
            )
        ]
    else:
        cols = [r[1] for r in store.db.execute(f"PRAGMA table_info({table})")]
        if table in ("questions", "questions_fts"):
            cols.append("rowid")
    cols.sort()
    rows = [tuple(r) for r in store.db.execute(f"SELECT {', '.join(cols)} FROM {table}")]
    index = [cols.index(k) for k in key]
    return sorted(rows, key=lambda r: tuple(r[i] for i in index))


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "source.db") as store:
        fill(store)
        yield store


def test_every_table_of_the_schema_is_copied_or_left_out_on_purpose(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        assert uncovered_tables(store) == []
        names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {t for t, _ in TABLES} | set(EXCLUDED) <= names


def test_sqlite_to_sqlite_keeps_every_row(source: Store, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    with Store.open(tmp_path / "copy.db") as dest:
        report = transfer(source, dest, progress=lambda t, d, n: seen.append((t, d, n)))
        assert report.ok and not report.replaced and report.sequences == {}
        for table, key in TABLES:
            assert table_rows(dest, table, key) == table_rows(source, table, key), table
        assert dest.db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        assert [h.id for h in dest.search("cache")] == [h.id for h in source.search("cache")]
    by_table = {t.table: t for t in report.tables}
    assert by_table["reviews"].source_rows == 18 and by_table["review_points"].source_rows > 0
    assert by_table["users"].source_rows == 3 and by_table["interviews"].dest_rows == 1
    assert ("reviews", 18, 18) in seen


def test_a_destination_with_data_is_refused_unless_replace(source: Store, tmp_path: Path) -> None:
    with Store.open(tmp_path / "busy.db") as dest:
        PracticeLog(dest).record("q-other", 3, answer="mine", now=NOW)
        with pytest.raises(ConfigError) as exc:
            transfer(source, dest)
        text = str(exc.value)
        assert str(tmp_path / "busy.db") in text and "1 reviews" in text and "--replace" in text
        assert [r.answer for r in PracticeLog(dest).reviews()] == ["mine"]  # untouched
        report = transfer(source, dest, replace=True)
        assert report.ok and report.replaced
        assert "mine" not in [r.answer for r in PracticeLog(dest).reviews()]
        assert table_rows(dest, "reviews", ("id",)) == table_rows(source, "reviews", ("id",))


def test_a_mismatch_rolls_the_copy_back(source: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = transfer_module.checksum
    with Store.open(tmp_path / "copy.db") as dest:

        def lying(store: Store, table: str, key: Any, columns: Any) -> tuple[int, str]:
            n, sha = real(store, table, key, columns)
            return (n, "0" * 64) if store is dest and table == "review_points" else (n, sha)

        monkeypatch.setattr(transfer_module, "checksum", lying)
        with pytest.raises(TransferMismatch) as exc:
            transfer(source, dest)
        assert [t.table for t in exc.value.report.tables if not t.ok] == ["review_points"]
        assert "rolled back" in str(exc.value) and exc.value.exit_code == 1
        assert dest.db.execute("SELECT count(*) FROM questions").fetchone()[0] == 0
        assert dest.db.execute("SELECT count(*) FROM users").fetchone()[0] == 1  # only the local person


def test_the_same_store_is_refused(source: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with Store.open(Path("sub/../source.db")) as again, pytest.raises(ConfigError, match="same store"):
        transfer(source, again)


@pytest.mark.slow
def test_sqlite_to_postgres_and_back_loses_nothing(source: Store, pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    with Store.open(pg_url) as pg:
        report = transfer(source, pg)
        assert report.ok
        counts = {t.table: t.dest_rows for t in report.tables}
        for table, _ in TABLES:
            n = source.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert counts[table] == n == pg.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
        assert {t.table: t.source_sha256 for t in report.tables} == {t.table: t.dest_sha256 for t in report.tables}
        hits = pg.search("cache stampede")
        assert hits and hits[0].id in {h.id for h in source.search("cache stampede")}
        for user_id in (0, 7, 8):
            assert PracticeLog(pg, user_id=user_id).reviews() == PracticeLog(source, user_id=user_id).reviews()
        assert list_interviews(pg, user_id=7) == list_interviews(source, user_id=7)
        assert pg.db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        # the identity sequences were moved past the copied ids: new rows get new ids
        top = pg.db.execute("SELECT max(id) FROM reviews").fetchone()[0]
        new = PracticeLog(pg, user_id=7).record("q-new", 3, answer="after the move", now=NOW)
        assert new.first and pg.db.execute("SELECT max(id) FROM reviews").fetchone()[0] == top + 1
        user = pg.db.execute(
            "INSERT INTO users (name, role, created_at) VALUES ('cy', 'learner', 'now') RETURNING id"
        ).fetchone()[0]
        assert user == 9 and report.sequences["users.id"] == 9
        pg.db.execute("DELETE FROM review_points WHERE review_id = ?", (top + 1,))
        pg.db.execute("DELETE FROM reviews WHERE id = ?", (top + 1,))
        pg.db.execute("DELETE FROM cards WHERE question_id = 'q-new'")
        pg.db.execute("DELETE FROM users WHERE id = 9")
        with Store.open(tmp_path / "back.db") as back:
            assert transfer(pg, back).ok
            for table, key in TABLES:
                assert table_rows(back, table, key) == table_rows(source, table, key), table
            assert [h.id for h in back.search("cache")] == [h.id for h in source.search("cache")]


@pytest.mark.slow
def test_a_row_postgres_cannot_hold_leaves_it_empty(source: Store, pg_url: str) -> None:  # noqa: F811
    PracticeLog(source, user_id=7).record("q-nul", 2, answer="a NUL \x00 in an answer", now=NOW)
    with Store.open(pg_url) as pg:
        with pytest.raises(StoreError) as exc:
            transfer(source, pg)
        assert "copying table reviews" in str(exc.value) and "rolled back" in str(exc.value)
        assert pg.location in str(exc.value)
        for table, _ in TABLES:
            n = pg.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert n == (1 if table == "users" else 0), table
        assert not pg.db.in_transaction


@pytest.mark.slow
def test_the_command_end_to_end(source: Store, pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    done = run_cli("migrate", "--db", str(source.path), "--to", pg_url)
    assert done.returncode == 0, done.stderr
    assert "reviews" in done.stdout and "18 rows" in done.stdout and "sessions" in done.stdout
    assert "copying" not in done.stderr  # progress is for tables of 10,000 rows and more
    again = run_cli("migrate", "--db", str(source.path), "--to", pg_url)
    assert again.returncode == 2 and "already holds data" in again.stderr and "--replace" in again.stderr
    replaced = run_cli("migrate", "--db", str(source.path), "--to", pg_url, "--replace", "--format", "json")
    assert replaced.returncode == 0, replaced.stderr
    data = json.loads(replaced.stdout)
    assert data["ok"] and data["replaced"] and {t["table"] for t in data["tables"]} == {t for t, _ in TABLES}
    back = tmp_path / "back.db"
    home = run_cli("migrate", "--db", pg_url, "--to", str(back))
    assert home.returncode == 0, home.stderr
    with Store.open(back) as store:
        assert table_rows(store, "reviews", ("id",)) == table_rows(source, "reviews", ("id",))


def test_the_command_shows_progress_for_a_big_table(source: Store, tmp_path: Path) -> None:
    source.db.execute("BEGIN")
    source.db.executemany(
        "INSERT INTO reviews (question_id, reviewed_at, rating, grader, answer, duration_ms, due)"
        " VALUES (?, ?, 3, 'lexical', ?, 10, ?)",
        [("q-bulk", NOW.isoformat(), f"answer {i}", NOW.isoformat()) for i in range(10_000)],
    )
    source.db.execute("COMMIT")
    done = run_cli("migrate", "--db", str(source.path), "--to", str(tmp_path / "copy.db"))
    assert done.returncode == 0, done.stderr
    assert "copying reviews: 10,000 of 10,018 rows" in done.stderr
    assert "copying reviews: 10,018 of 10,018 rows" in done.stderr
    assert "copying questions" not in done.stderr
    assert "10,018 rows" in done.stdout and "DIFFERS" not in done.stdout


TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40)
"""Any text either database can hold (PostgreSQL refuses NUL; neither stores lone surrogates)."""


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(TEXT, st.one_of(st.none(), st.floats(allow_nan=False)), st.integers(-(2**31), 2**31 - 1)),
        max_size=4,
    )
)
def test_any_text_float_and_integer_reads_back_the_same_on_postgresql(
    pg_url: str,  # noqa: F811
    rows: list[tuple[str, float | None, int]],
) -> None:
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "s.db") as lite, Store.open(pg_url) as pg:
        for text, grade, number in rows:
            lite.db.execute(
                "INSERT INTO reviews (question_id, reviewed_at, rating, grade, grader, answer, duration_ms, due)"
                " VALUES (?, ?, 3, ?, ?, ?, ?, ?)",
                (text, text, grade, text, text, number, text),
            )
        assert transfer(lite, pg, replace=True).ok
        assert table_rows(pg, "reviews", ("id",)) == table_rows(lite, "reviews", ("id",))
