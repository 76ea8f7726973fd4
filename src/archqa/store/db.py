"""The two databases a store can live in: a SQLite file (one person) or PostgreSQL (a team server).

Both are reached through one small interface, ``Database``: ``execute`` and ``executemany`` with ``?``
placeholders, ``in_transaction``, ``close``, and ``dialect`` for the few statements that differ (full-text
search, JSON arrays, upserts). A ``sqlite3.Connection`` already is one; ``PostgresDatabase`` wraps a psycopg 3
connection in autocommit mode, so explicit ``BEGIN`` / ``COMMIT`` work the same way in both.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from archqa.errors import ConfigError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(location: object) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) connection URL."""
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def redact(url: str) -> str:
    """A connection URL fit for messages and logs: its password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


class Cursor(Protocol):
    """What a statement returns: rows to fetch or iterate, and the id of an inserted row."""

    @property
    def lastrowid(self) -> int | None: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Database(Protocol):
    """A connection to the store's database (``sqlite3.Connection`` or ``PostgresDatabase``)."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...

    def close(self) -> None: ...


def use_wal(db: sqlite3.Connection, wait: float = 30.0) -> None:
    """Put a SQLite database in WAL mode. On a new file that several connections open at once, SQLite answers
    "database is locked" to all but one without waiting for it (the busy timeout does not apply to this
    pragma), so it is tried again for up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def dialect_of(db: object) -> str:
    """'sqlite' or 'postgresql'."""
    return "sqlite" if isinstance(db, sqlite3.Connection) else str(getattr(db, "dialect", "sqlite"))


def database_errors() -> tuple[type[BaseException], ...]:
    """The exception classes a database call can raise: sqlite3's, and psycopg's when it is installed."""
    try:
        import psycopg
    except ImportError:
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?|%")


@lru_cache(maxsize=2048)
def to_pyformat(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` and literal ``%`` doubled; quoted text and comments are left alone
    except for ``%``, which psycopg reads everywhere in a statement that has parameters."""

    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok == "?":
            return "%s"
        return tok.replace("%", "%%")

    return _TOKEN.sub(sub, sql)


class PostgresCursor:
    """A psycopg cursor that also answers ``lastrowid`` (the last value a sequence handed out in this session)."""

    def __init__(self, cur: Any, conn: Any) -> None:
        self._cur = cur
        self._conn = conn

    @property
    def lastrowid(self) -> int | None:
        row = self._conn.execute("SELECT lastval()").fetchone()
        return int(row[0]) if row else None

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)

    def fetchone(self) -> Any:
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list[Any]:
        return list(self._cur.fetchall()) if self._cur.description else []

    def __iter__(self) -> Iterator[Any]:
        if self._cur.description:
            yield from self._cur


class PostgresDatabase:
    """A store's PostgreSQL connection with the ``sqlite3.Connection`` calls the store makes.

    Autocommit is on: each statement outside an explicit ``BEGIN`` commits at once, as in SQLite's
    ``isolation_level=None``. ``BEGIN IMMEDIATE`` (SQLite's "take the write lock now") is sent as ``BEGIN``:
    PostgreSQL locks rows as they are written.
    """

    dialect = "postgresql"

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                f"{redact(url)}: a PostgreSQL store needs psycopg; install it with pip install 'archqa[team]'"
            ) from None
        self.url = url
        self._psycopg = psycopg
        self.conn = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)

    @property
    def in_transaction(self) -> bool:
        return bool(self.conn.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE)

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> PostgresCursor:
        head = sql.lstrip()[:16].upper()
        if head.startswith("BEGIN IMMEDIATE"):
            sql = "BEGIN"
        if parameters:
            cur = self.conn.execute(to_pyformat(sql), list(parameters))
        else:
            cur = self.conn.execute(sql)
        return PostgresCursor(cur, self.conn)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> PostgresCursor:
        cur = self.conn.cursor()
        rows = [list(p) for p in parameters]
        if rows:
            cur.executemany(to_pyformat(sql), rows)
        return PostgresCursor(cur, self.conn)

    def close(self) -> None:
        try:
            self.conn.close()
        except self._psycopg.Error:
            pass
