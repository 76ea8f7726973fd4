"""Moving a whole store from one database to another: SQLite to PostgreSQL, back, or SQLite to SQLite.

``transfer(source, dest)`` copies every table of the schema (``TABLES``) row by row, keeping every id and rowid,
in ONE transaction on the destination: a failure at any row leaves the destination as it was. Before that
transaction commits, each table is read back from the destination in primary-key order and its row count and
checksum are compared with the source's (read again in the same snapshot the copy was read from); any
difference rolls the copy back and raises ``TransferMismatch`` carrying the report. On PostgreSQL, each identity
sequence is moved past the largest id copied, so rows added later do not collide with copied ones.

Sign-in sessions are not copied (``EXCLUDED``): they are credentials of the server being left, and a move is a
natural point to sign everyone out; accounts, with their password hashes, are copied, so people sign in again
with the same name and password.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from archqa.errors import ConfigError, StoreError
from archqa.store.db import database_errors
from archqa.store.migrations import applied
from archqa.store.store import Store

TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("users", ("id",)),
    ("sources", ("id",)),
    ("questions", ("rowid",)),
    ("questions_fts", ("rowid",)),
    ("duplicates", ("a", "b")),
    ("cards", ("user_id", "question_id")),
    ("reviews", ("id",)),
    ("review_points", ("review_id", "ord")),
    ("interviews", ("id",)),
    ("assignments", ("interviewer_id", "candidate_id")),
    ("question_versions", ("question_id", "version")),
    ("candidate_sets", ("id",)),
    ("scorecards", ("id",)),
)
"""Every table copied, with its primary key, in an order where each row's references are copied before it."""

EXCLUDED: dict[str, str] = {
    "sessions": "sign-in sessions are credentials of the server being left; everyone signs in again",
    "migrations": "the destination's own migrations already made the same schema (checked before copying)",
}
"""Tables of the schema that are not copied, and why."""

ROWID_TABLES = frozenset({"questions", "questions_fts"})
"""Tables whose SQLite ``rowid`` is implicit but matters (it joins a question to its full-text row); PostgreSQL
has it as a real column."""

BATCH = 1000
"""Rows read, and written, at a time."""

Progress = Callable[[str, int, int], None]
"""Called as (table, rows copied so far, rows in the table)."""


class TableReport(BaseModel):
    """One table after the copy: rows and checksum on each side."""

    table: str
    source_rows: int
    dest_rows: int
    source_sha256: str
    dest_sha256: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.dest_rows and self.source_sha256 == self.dest_sha256


class TransferReport(BaseModel):
    """What ``transfer`` copied, where from and to, and the per-table comparison of both sides."""

    source: str
    dest: str
    tables: list[TableReport]
    excluded: dict[str, str]
    replaced: bool
    """True when the destination held data that ``replace=True`` deleted in the same transaction."""
    sequences: dict[str, int]
    """PostgreSQL identity sequences moved past the copied ids: ``table.column`` -> the next value handed out."""

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)


class TransferMismatch(StoreError):
    """The destination read back differently from the source after the copy; the copy was rolled back."""

    exit_code = 1

    def __init__(self, report: TransferReport) -> None:
        self.report = report
        bad = ", ".join(
            f"{t.table} ({t.source_rows} rows -> {t.dest_rows})" if t.source_rows != t.dest_rows else t.table
            for t in report.tables
            if not t.ok
        )
        super().__init__(
            f"{report.dest}: the copy differs from {report.source} in {bad}; it was rolled back and the destination"
            " is as it was. This is a bug in archqa's migrate: report it with the tables named and both databases'"
            " versions (--format json shows both checksums of every table)"
        )


def transfer(source: Store, dest: Store, *, replace: bool = False, progress: Progress | None = None) -> TransferReport:
    """Copy every table of ``source`` into ``dest`` in one transaction, checked by counts and checksums.

    ``dest`` must hold no data (a fresh store: only the local user 0 the migrations create) unless ``replace``,
    which deletes what it holds in the same transaction. Raises ConfigError for a non-empty destination or one
    with different migrations, TransferMismatch when a table reads back differently, and StoreError when a row
    cannot be written (the destination is then as it was).
    """
    if _same_store(source, dest):
        raise ConfigError(f"{dest.location}: the source and the destination are the same store; pass another --to")
    src_migrations, dest_migrations = applied(source.db), applied(dest.db)
    if src_migrations != dest_migrations:
        missing = sorted(set(src_migrations) ^ set(dest_migrations))
        raise ConfigError(
            f"{dest.location}: its migrations differ from {source.location}'s ({', '.join(missing)}); open both with"
            " the same archqa version (any archqa command migrates a store when it opens it), then migrate again"
        )
    for store in (source, dest):
        unknown = uncovered_tables(store)
        if unknown:
            raise ConfigError(
                f"{store.location}: tables {', '.join(unknown)} are not known to this archqa's migrate"
                " (archqa.store.transfer.TABLES); upgrade archqa, or add them there with their primary keys"
            )
    columns = {table: _columns(source, dest, table) for table, _ in TABLES}
    _begin_snapshot(source)
    try:
        _begin_write(dest)
        stage = "checking that it is empty"
        try:
            held = _held(dest)
            if held and not replace:
                raise ConfigError(
                    f"{dest.location}: the destination already holds data ({', '.join(held)}); migrate into a new,"
                    " empty store, or pass --replace to delete what it holds (in the same transaction as the copy)"
                )
            stage = "emptying it"
            for table, _ in reversed(TABLES):
                dest.db.execute(f"DELETE FROM {table}")
            if replace:
                dest.db.execute("DELETE FROM sessions")
            for table, key in TABLES:
                stage = f"copying table {table}"
                _copy(source, dest, table, key, columns[table], progress)
            stage = "moving its id sequences"
            sequences = _advance_sequences(dest) if dest.is_postgres else {}
            stage = "reading both sides back"
            report = TransferReport(
                source=source.location,
                dest=dest.location,
                tables=[_compare(source, dest, table, key, columns[table]) for table, key in TABLES],
                excluded=dict(EXCLUDED),
                replaced=bool(held),
                sequences=sequences,
            )
            if not report.ok:
                raise TransferMismatch(report)
            dest.db.execute("COMMIT")
        except BaseException as exc:
            _rollback(dest)
            if isinstance(exc, database_errors()):
                raise StoreError(
                    f"{dest.location}: the copy failed {stage} and was rolled back, the destination is as it was"
                    f" ({str(exc).strip()}); fix the row the message names in the source, or the destination's"
                    " database, and migrate again"
                ) from None
            raise
    finally:
        _rollback(source)
    return report


def checksum(store: Store, table: str, key: Sequence[str], columns: Sequence[str]) -> tuple[int, str]:
    """(row count, sha256) of ``columns`` of ``table`` in primary-key order, each value normalized so both
    databases give the same text for the same value: None, ints, floats by repr, text, bytes as hex."""
    digest = hashlib.sha256()
    n = 0
    for row in _rows(store, table, key, columns):
        digest.update(_row_bytes(row))
        n += 1
    return n, digest.hexdigest()


def _same_store(a: Store, b: Store) -> bool:
    if a.dialect != b.dialect:
        return False
    if a.is_postgres:
        return a.location == b.location
    return Path(a.path).resolve() == Path(b.path).resolve()


def uncovered_tables(store: Store) -> list[str]:
    """Tables of the store's schema that are neither copied (``TABLES``) nor deliberately left out (``EXCLUDED``):
    a migration that adds a table must add it to one of them."""
    if store.is_postgres:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    else:  # without SQLite's own tables and the full-text index's shadow tables, which the index rebuilds
        sql = (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            " AND name NOT LIKE 'questions\\_fts\\_%' ESCAPE '\\'"
        )
    known = {t for t, _ in TABLES} | set(EXCLUDED)
    return sorted(r[0] for r in store.db.execute(sql) if r[0] not in known)


def _row_bytes(row: Sequence[Any]) -> bytes:
    parts = []
    for v in row:
        if v is None:
            parts.append("n")
        elif isinstance(v, bool):  # before int: bool is an int subclass
            parts.append(f"i{int(v)}")
        elif isinstance(v, int):
            parts.append(f"i{v}")
        elif isinstance(v, float):
            parts.append(f"f{v!r}")
        elif isinstance(v, bytes | bytearray | memoryview):
            parts.append(f"b{bytes(v).hex()}")
        else:
            text = str(v)
            parts.append(f"s{len(text)}:{text}")
    return ("\x1f".join(parts) + "\x1e").encode("utf-8", "surrogatepass")


def _columns(source: Store, dest: Store, table: str) -> list[str]:
    """The columns copied for ``table``: the source's, which the destination must have too."""
    src, dst = _table_columns(source, table), _table_columns(dest, table)
    if set(src) != set(dst):
        raise ConfigError(
            f"{dest.location}: table {table} has columns {sorted(dst)} but {source.location}'s has {sorted(src)};"
            " open both with the same archqa version, then migrate again"
        )
    return src


def _table_columns(store: Store, table: str) -> list[str]:
    if store.is_postgres:
        names = [
            r[0]
            for r in store.db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = ? AND is_generated = 'NEVER' ORDER BY ordinal_position",
                (table,),
            )
        ]
    else:
        names = [r[1] for r in store.db.execute(f"PRAGMA table_info({table})")]
        if table in ROWID_TABLES:
            names.insert(0, "rowid")
    if not names:
        raise ConfigError(f"{store.location}: it has no table {table}; is it an archqa store?")
    return names


def _held(dest: Store) -> list[str]:
    """What the destination holds beyond a fresh store's rows, as 'N table' phrases (empty when it is empty)."""
    held = []
    for table in [t for t, _ in TABLES] + ["sessions"]:
        where = " WHERE id <> 0" if table == "users" else ""  # user 0 ('local') is made by the migrations
        n = dest.db.execute(f"SELECT count(*) FROM {table}{where}").fetchone()[0]
        if n:
            held.append(f"{n} {table}")
    return held


def _begin_snapshot(source: Store) -> None:
    """Open a read transaction on the source, so the copy and its checksums see one unchanging store."""
    if source.is_postgres:
        source.db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        source.db.execute("BEGIN")
        source.db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a deferred BEGIN takes its snapshot here


def _begin_write(dest: Store) -> None:
    """Open the one write transaction of the copy; on PostgreSQL, writers of the tables wait until it ends."""
    dest.db.execute("BEGIN IMMEDIATE")
    if dest.is_postgres:
        tables = ", ".join([t for t, _ in TABLES] + ["sessions"])
        dest.db.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


def _rollback(store: Store) -> None:
    if store.db.in_transaction:
        try:
            store.db.execute("ROLLBACK")
        except database_errors():
            pass


def _order_by(store: Store, table: str, key: Sequence[str]) -> str:
    """The ORDER BY of a table's primary key, the same order in both databases."""
    if not store.is_postgres:
        return ", ".join(key)
    # Text keys in code-point order: SQLite compares UTF-8 bytes; PostgreSQL would use the database's
    # collation, which for en_US puts 'a-b' and 'ab' the other way round.
    types = dict(
        store.db.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ?",
            (table,),
        ).fetchall()
    )
    return ", ".join(f'{k} COLLATE "C"' if types.get(k) == "text" else k for k in key)


def _rows(store: Store, table: str, key: Sequence[str], columns: Sequence[str]) -> Iterator[Sequence[Any]]:
    """Every row of ``table`` in primary-key order, fetched in batches (a server-side cursor on PostgreSQL)."""
    sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {_order_by(store, table, key)}"
    if store.is_postgres:
        conn = store.db.conn  # type: ignore[attr-defined]
        with conn.cursor(name=f"archqa_transfer_{table}") as cur:
            cur.itersize = BATCH
            cur.execute(sql)
            yield from cur
    else:
        yield from store.db.execute(sql)


def _copy(
    source: Store, dest: Store, table: str, key: Sequence[str], columns: Sequence[str], progress: Progress | None
) -> None:
    total = source.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    write = _copier(dest, table, columns)
    done = 0
    batch: list[Sequence[Any]] = []
    if progress:
        progress(table, 0, total)
    for row in _rows(source, table, key, columns):
        batch.append(tuple(row))
        if len(batch) >= BATCH:
            write(batch)
            done += len(batch)
            batch = []
            if progress:
                progress(table, done, total)
    if batch:
        write(batch)
        done += len(batch)
    if progress and done:
        progress(table, done, total)


def _copier(dest: Store, table: str, columns: Sequence[str]) -> Callable[[list[Sequence[Any]]], None]:
    """A function that writes a batch of rows into ``table``: PostgreSQL's COPY (several times faster than
    INSERTs, in the same transaction), or an INSERT per row in SQLite."""
    names = ", ".join(columns)
    if dest.is_postgres:
        conn = dest.db.conn  # type: ignore[attr-defined]

        def copy(rows: list[Sequence[Any]]) -> None:
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)

        return copy
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"

    def insert(rows: list[Sequence[Any]]) -> None:
        dest.db.executemany(sql, rows)

    return insert


def _advance_sequences(dest: Store) -> dict[str, int]:
    """Move each identity sequence of the copied tables past the largest id now in it (setval)."""
    names = [t for t, _ in TABLES]
    marks = ",".join("?" * len(names))
    out = {}
    for table, column in dest.db.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        f" AND is_identity = 'YES' AND table_name IN ({marks}) ORDER BY table_name",
        names,
    ).fetchall():
        row = dest.db.execute(
            f"SELECT setval(pg_get_serial_sequence(?, ?), greatest(coalesce(max({column}), 0) + 1, 1), false)"
            f" FROM {table}",
            (table, column),
        ).fetchone()
        out[f"{table}.{column}"] = int(row[0])
    return out


def _compare(source: Store, dest: Store, table: str, key: Sequence[str], columns: Sequence[str]) -> TableReport:
    n_src, sha_src = checksum(source, table, key, columns)
    n_dst, sha_dst = checksum(dest, table, key, columns)
    return TableReport(table=table, source_rows=n_src, dest_rows=n_dst, source_sha256=sha_src, dest_sha256=sha_dst)
