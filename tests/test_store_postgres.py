"""The store on PostgreSQL: the same migrations (exact schema), the same interface, each person's practice apart."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archqa.importer import import_paths
from archqa.practice.schedule import PracticeLog
from archqa.store import Store
from archqa.store.migrations import MIGRATIONS, POSTGRES, migrations_for
from tests.pg_support import pg_url, postgres_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow

FIX = Path(__file__).parent / "fixtures" / "dialects"
SCHEMA = Path(__file__).parent / "fixtures" / "schema.postgresql.sql"


def postgres_schema(store: Store) -> str:
    """Every table's columns (type, null, default), constraints and indexes, one normalized line each."""
    db = store.db
    out: list[str] = []
    tables = [
        r[0]
        for r in db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY table_name"
        )
    ]
    for t in tables:
        out.append(f"-- table {t}")
        for name, typ, null, default, generated in db.execute(
            "SELECT column_name, data_type, is_nullable, column_default, generation_expression"
            " FROM information_schema.columns WHERE table_schema='public' AND table_name=? ORDER BY ordinal_position",
            (t,),
        ):
            line = f"{name} {typ}{'' if null == 'YES' else ' NOT NULL'}"
            if default is not None:
                line += f" DEFAULT {default}"
            if generated:
                line += f" GENERATED {' '.join(generated.split())}"
            out.append(line)
        for con, definition in db.execute(
            "SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid"
            " WHERE r.relname=? AND r.relnamespace='public'::regnamespace ORDER BY conname",
            (t,),
        ):
            out.append(f"constraint {con} {definition}")
        for (definition,) in db.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname='public' AND tablename=? ORDER BY indexname", (t,)
        ):
            out.append(definition)
    return "\n".join(out) + "\n"


def test_both_databases_have_the_same_migrations_in_the_same_order() -> None:
    assert [n for n, _ in migrations_for("postgresql")] == [n for n, _ in MIGRATIONS]
    assert set(POSTGRES) == {n for n, _ in MIGRATIONS}


def test_postgres_schema_is_exactly_the_migrated_one(pg_url: str) -> None:  # noqa: F811
    with Store.open(pg_url) as store:
        got = postgres_schema(store)
        names = [r[0] for r in store.db.execute("SELECT name FROM migrations ORDER BY seq")]
    assert names == [n for n, _ in MIGRATIONS]
    assert got == SCHEMA.read_text(), "the PostgreSQL schema changed: only a new migration may change it"


def test_migrations_run_once_and_two_first_opens_at_once_agree(pg_url: str) -> None:  # noqa: F811
    from archqa.store import migrate

    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            Store.open(pg_url).close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store.open(pg_url) as store:
        assert migrate(store.db) == []
        assert store.db.execute("SELECT count(*) FROM migrations").fetchone()[0] == len(MIGRATIONS)


def test_the_same_import_reads_back_the_same_on_both(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    with Store.open(tmp_path / "s.db") as lite, Store.open(pg_url) as pg:
        import_paths([str(FIX)], lite)
        import_paths([str(FIX)], pg)
        a, b = lite.stats(), pg.stats()
        assert a["questions"] and a == {**b, "sources": a["sources"]}
        assert [s["questions"] for s in a["sources"]] == [s["questions"] for s in b["sources"]]  # type: ignore[index]
        ids_lite = [row[0] for row in lite.iter_questions()]
        ids_pg = [row[0] for row in pg.iter_questions()]
        assert ids_lite == ids_pg
        qid = ids_lite[0]
        got_lite, got_pg = lite.get(qid), pg.get(qid)
        assert got_lite and got_pg and got_lite["question"] == got_pg["question"]
        assert got_lite["duplicates"] == got_pg["duplicates"]
        assert [h.id for h in lite.list(difficulty="intermediate")] == [
            h.id for h in pg.list(difficulty="intermediate")
        ]
        assert [p.a[0] for p in lite.duplicate_pairs()] == [p.a[0] for p in pg.duplicate_pairs()]


def test_postgres_search_ranks_titles_first_and_applies_filters(pg_url: str) -> None:  # noqa: F811
    with Store.open(pg_url) as store:
        import_paths([str(FIX)], store)
        hits = store.search("cache stampede")
        assert hits and "stampede" in hits[0].title.lower()
        assert all(h.score > 0 for h in hits)
        assert any("[cache" in h.snippet.lower() for h in store.search("cache"))  # the word marked in the body
        some = store.search("cache stampede", any_words=True)
        assert len(some) >= len(hits)
        level = hits[0].difficulty.lower()
        assert all(h.difficulty.lower() == level for h in store.search("cache", difficulty=level))
        assert store.search("zzzz-no-such-word") == []
        assert store.search("'; DROP TABLE questions; --") == [] or store.stats()["questions"]
        assert store.stats()["questions"] > 0


def test_each_person_sees_only_their_own_practice(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    for location in (tmp_path / "s.db", pg_url):
        with Store.open(location) as store:
            now = datetime(2026, 11, 1, 12, tzinfo=UTC)
            store.db.execute(
                "INSERT INTO users (id, name, role, created_at) VALUES (?, ?, 'learner', ?), (?, ?, 'learner', ?)",
                (7, "ada", now.isoformat(), 8, "bo", now.isoformat()),
            )
            ada, bo = PracticeLog(store, user_id=7), PracticeLog(store, user_id=8)
            ada.record("q-one", 3, answer="ada's answer", now=now)
            ada.record("q-one", 4, answer="again", now=now + timedelta(days=2))
            bo.record("q-two", 1, answer="bo's answer", now=now)
            assert [r.answer for r in ada.reviews()] == ["ada's answer", "again"]
            assert [r.answer for r in bo.reviews()] == ["bo's answer"]
            assert bo.history("q-one") == [] and bo.card("q-one") is None
            assert ada.card("q-one") is not None
            assert ada.stats(now + timedelta(days=3))["reviews"] == 2
            assert bo.stats(now)["reviews"] == 1
            assert PracticeLog(store).reviews() == []  # the local person (0) has none of theirs


def test_a_store_from_before_accounts_keeps_its_practice_as_the_local_persons(tmp_path: Path) -> None:
    from archqa.store.migrations import _statements

    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS[:-1]:
        for statement in _statements(sql):
            db.execute(statement)
        db.execute("INSERT INTO migrations VALUES (?, 'then')", (name,))
    db.execute("INSERT INTO cards VALUES ('q1', '{}', '2026-01-02T00:00:00+00:00', '2026-01-01T00:00:00+00:00')")
    db.execute(
        "INSERT INTO reviews (question_id, reviewed_at, rating, grader, answer, duration_ms, due)"
        " VALUES ('q1', '2026-01-01T00:00:00+00:00', 3, 'lexical', 'old answer', 10, '2026-01-02T00:00:00+00:00')"
    )
    db.close()
    with Store.open(path) as store:
        assert store.db.execute("SELECT user_id, question_id FROM cards").fetchall() == [(0, "q1")]
        assert [r.answer for r in PracticeLog(store).reviews()] == ["old answer"]
        assert store.db.execute("SELECT name, role FROM users").fetchall() == [("local", "admin")]


def test_a_bad_url_names_the_server_and_hides_the_password() -> None:
    from archqa.errors import StoreError

    with pytest.raises(StoreError) as exc:
        Store.open("postgresql://me:s3cret@127.0.0.1:9/nowhere?connect_timeout=2")
    text = str(exc.value)
    assert "s3cret" not in text and "***" in text and "cannot connect" in text
