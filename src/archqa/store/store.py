"""The local store: one SQLite file (WAL) with full-text search, changed only by migrations."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from archqa.errors import ConfigError, StoreError
from archqa.model import Question
from archqa.store.db import Database, PostgresDatabase, database_errors, is_postgres_url, redact, use_wal
from archqa.store.duplicates import relink
from archqa.store.migrations import migrate
from archqa.store.records import (
    DuplicatePair,
    PreparedRow,
    SearchHit,
    StoredQuestion,
    normalize_title,
    title_terms,
)
from archqa.text import STOPWORDS


def default_db_path() -> Path:
    """$ARCHQA_DB, else $XDG_DATA_HOME/archqa/archqa.db, else ~/.local/share/archqa/archqa.db."""
    if os.environ.get("ARCHQA_DB"):
        return Path(os.environ["ARCHQA_DB"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "archqa" / "archqa.db"


def _content(data: str) -> object:
    """A question's JSON without where it was found: a line moved in its file is no change to review."""
    value = json.loads(data)
    if isinstance(value, dict):
        value.pop("provenance", None)
    return value


def store_error(path: Path | str, exc: BaseException) -> StoreError:
    """A database error as a StoreError that says what happened to the store at ``path`` and what to do."""
    msg = str(exc).strip()
    low = msg.lower()
    where = f"{path}: "
    if is_postgres_url(str(path)) or str(path).startswith("postgresql:"):
        return StoreError(f"{where}the PostgreSQL store failed ({msg}); check that the server is up and the URL right")
    if "readonly" in low or "read-only" in low:
        text = "the store is read-only", "make the file and its folder writable, or pass another --db (ARCHQA_DB)"
    elif "full" in low:
        text = "the disk is full", "free some space and run the command again; nothing half-written was kept"
    elif "malformed" in low or "not a database" in low or "corrupt" in low:
        text = "the store file is damaged", "move it aside and import again, or pass another --db (ARCHQA_DB)"
    elif "locked" in low or "busy" in low:
        text = "the store is busy (another archqa is using it)", "wait for it to finish and run the command again"
    elif "unable to open" in low or "disk i/o" in low:
        text = "the store cannot be opened or written", "check that its folder exists and is writable, or pass --db"
    else:
        text = "the store failed", "check the file, or pass another --db (ARCHQA_DB)"
    return StoreError(f"{where}{text[0]} ({msg}); {text[1]}")


class Store:
    """A store of imported questions and practice: a SQLite file, or a PostgreSQL database for a team server.
    Open with ``Store.open(path_or_url)``; use as a context manager.

    Any database error inside the ``with`` block leaves it as a StoreError naming the store and the fix
    (each write is one transaction, rolled back on error, so nothing is left half-written).
    """

    def __init__(self, db: Database, path: Path, location: str | None = None) -> None:
        self.db = db
        self.path = path
        self.dialect = "sqlite" if isinstance(db, sqlite3.Connection) else "postgresql"
        self.location = location or str(path)
        """Where the store is, for messages: the file, or the PostgreSQL URL without its password."""
        self.published_only = False
        """When True, search, list, get and iter_questions show only published questions (a team's learners)."""

    @classmethod
    def open(cls, path: str | Path | None = None) -> Store:
        """The store at ``path`` (a SQLite file, created with its folder) or a ``postgresql://`` URL, migrated."""
        if path is None and is_postgres_url(os.environ.get("ARCHQA_DB")):
            path = os.environ["ARCHQA_DB"]
        if is_postgres_url(path):
            return cls._open_postgres(str(path))
        p = Path(path) if path is not None else default_db_path()
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(p, isolation_level=None, timeout=30)
            use_wal(db)
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            migrate(db)
        except sqlite3.Error as exc:
            raise store_error(p, exc) from None
        except OSError as exc:
            raise ConfigError(f"{p}: cannot create the store ({exc.strerror}); pass --db or set ARCHQA_DB") from None
        return cls(db, p)

    @classmethod
    def _open_postgres(cls, url: str) -> Store:
        shown = redact(url)
        errors = database_errors()
        try:
            db = PostgresDatabase(url)
        except errors as exc:
            raise StoreError(
                f"{shown}: cannot connect to PostgreSQL ({str(exc).strip()}); check that the server is running and"
                " the URL's host, port, user, password and database"
            ) from None
        try:
            migrate(db)
        except errors as exc:
            db.close()
            raise store_error(shown, exc) from None
        return cls(db, Path(shown), shown)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def close(self) -> None:
        try:
            self.db.close()
        except database_errors():
            pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        self.close()
        if exc is not None and isinstance(exc, database_errors()):
            raise store_error(self.location, exc) from None

    # -- writing ---------------------------------------------------------
    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Settings for many write transactions in a row (an import); durability is unchanged.

        The write-ahead log is copied back into the database (a checkpoint, with its
        fsyncs) every 64 MB instead of every 4 MB, and once more at the end; a larger
        page cache keeps the full-text segments being merged in memory.
        """
        if self.is_postgres:
            yield
            return
        db = self.db
        db.execute("PRAGMA wal_autocheckpoint=16384")
        db.execute("PRAGMA cache_size=-65536")
        ok = False
        try:
            yield
            ok = True
        finally:
            try:
                db.execute("PRAGMA wal_autocheckpoint=1000")
                db.execute("PRAGMA cache_size=-2000")
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                if ok:
                    raise  # otherwise the error that stopped the import is the one to report

    def source_sha(self, path: str) -> str | None:
        row = self.db.execute("SELECT sha256 FROM sources WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    def replace_source(
        self,
        path: str,
        sha256: str,
        size: int,
        dialect: str,
        questions: Sequence[StoredQuestion],
        repaired_lines: int = 0,
        unrepaired: Sequence[int] = (),
        refs: str = "{}",
    ) -> None:
        """Replace everything a file contributed, in one transaction."""
        rows = [self.prepare(sq) for sq in questions]
        self.write_source(path, sha256, size, dialect, rows, repaired_lines, unrepaired, refs)

    @staticmethod
    def prepare(sq: StoredQuestion) -> PreparedRow:
        """A question as plain values ready for ``write_source`` (cheap to pickle between processes)."""
        q = sq.question
        return (
            q.id,
            q.number,
            q.provenance.line if q.provenance else 0,
            q.title,
            q.topic,
            sq.cluster,
            sq.cluster_confidence,
            sq.cluster_reason,
            q.difficulty.value if q.difficulty else "",
            sq.difficulty_confidence,
            sq.difficulty_reason,
            json.dumps(q.tags),
            json.dumps(sq.flags),
            normalize_title(q.title),
            q.model_dump_json(),
            " ".join(sorted(title_terms(q.title))),
            "\n".join(x for x in (q.key_insight, q.answer, *q.key_points) if x),
            f"{q.topic} {sq.cluster}",
            " ".join(q.tags),
        )

    def write_source(
        self,
        path: str,
        sha256: str,
        size: int,
        dialect: str,
        rows: Sequence[PreparedRow],
        repaired_lines: int = 0,
        unrepaired: Sequence[int] = (),
        refs: str = "{}",
        status: str = "published",
        user_id: int = 0,
    ) -> None:
        """Replace everything a file contributed with prepared rows (see ``prepare``), in one transaction.

        With ``status='review'`` (a team store) each new or changed question waits for review: it gets that status
        and a new version in ``question_versions`` (action 'import', by ``user_id``); a question the file still
        has unchanged keeps its status and version."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if self.is_postgres:  # one writer at a time picks new rowids and question ids, as in SQLite
                db.execute("LOCK TABLE questions IN SHARE ROW EXCLUSIVE MODE")
            row = db.execute("SELECT id FROM sources WHERE path=?", (path,)).fetchone()
            before: dict[str, tuple[str, str, int]] = {}
            if row and status != "published":
                before = {
                    r[0]: (r[1], r[2], r[3])
                    for r in db.execute("SELECT id, data, status, version FROM questions WHERE source_id=?", (row[0],))
                }
            if row:
                self._delete_source(row[0])
            cur = db.execute(
                "INSERT INTO sources (path, sha256, size, dialect, imported_at, questions, repaired_lines, unrepaired,"
                " refs) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    path,
                    sha256,
                    size,
                    dialect,
                    datetime.now(UTC).isoformat(),
                    len(rows),
                    repaired_lines,
                    json.dumps(list(unrepaired)),
                    refs,
                ),
            )
            source_id = cur.lastrowid
            wanted = [r[0] for r in rows]
            taken: set[str] = set()
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ",".join("?" * len(chunk))
                taken.update(r[0] for r in db.execute(f"SELECT id FROM questions WHERE id IN ({marks})", chunk))
            seen_here: set[str] = set()
            next_rowid = (db.execute("SELECT max(rowid) FROM questions").fetchone()[0] or 0) + 1
            out, fts = [], []
            for i, r in enumerate(rows):
                qid = base = r[0]
                data = r[14]
                n = 2
                while qid in taken or qid in seen_here:
                    qid = f"{base}-{n}"
                    n += 1
                    if qid not in seen_here and db.execute("SELECT 1 FROM questions WHERE id=?", (qid,)).fetchone():
                        taken.add(qid)
                seen_here.add(qid)
                if qid != base:
                    data = Question.model_validate_json(data).model_copy(update={"id": qid}).model_dump_json()
                rowid = next_rowid + i
                state: tuple[str, int] = ("published", 1)
                if status != "published":
                    state = self._import_version(qid, data, before.get(qid), status, user_id)
                out.append((rowid, qid, source_id, i, *r[1:14], data, r[15], *state))
                fts.append((rowid, r[3], r[16], r[17], r[18]))
            db.executemany(
                "INSERT INTO questions (rowid, id, source_id, ord, number, line, title, topic, cluster,"
                " cluster_confidence, cluster_reason, difficulty, difficulty_confidence, difficulty_reason, tags,"
                " flags, norm_title, data, title_terms, status, version)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                out,
            )
            db.executemany("INSERT INTO questions_fts (rowid, title, body, topic, tags) VALUES (?,?,?,?,?)", fts)
            db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _import_version(
        self, qid: str, data: str, before: tuple[str, str, int] | None, status: str, user_id: int
    ) -> tuple[str, int]:
        """(status, version) of an imported question on a team store: unchanged keeps both; otherwise the next
        version, recorded in ``question_versions``."""
        if before is not None and _content(before[0]) == _content(data):
            return before[1], before[2]
        last = self.db.execute("SELECT max(version) FROM question_versions WHERE question_id=?", (qid,)).fetchone()
        version = max(int(last[0] or 0), before[2] if before else 0) + 1
        self.db.execute(
            "INSERT INTO question_versions (question_id, version, data, status, action, user_id, at)"
            " VALUES (?,?,?,?,'import',?,?)",
            (qid, version, data, status, user_id, datetime.now(UTC).isoformat()),
        )
        return status, version

    def _rollback(self) -> None:
        """Roll back the open transaction, if SQLite has not already (it does on a full disk or a damaged file)."""
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except database_errors():
                pass

    def _delete_source(self, source_id: int) -> None:
        self.db.execute(
            "DELETE FROM questions_fts WHERE rowid IN (SELECT rowid FROM questions WHERE source_id=?)", (source_id,)
        )
        self.db.execute("DELETE FROM questions WHERE source_id=?", (source_id,))
        self.db.execute("DELETE FROM sources WHERE id=?", (source_id,))

    def remove_missing(self, keep: Iterable[str], under: Iterable[str]) -> list[str]:
        """Drop sources below the given directories that no longer exist on disk."""
        keep_set = set(keep)
        removed = []
        for sid, path in self.db.execute("SELECT id, path FROM sources").fetchall():
            if (
                path not in keep_set
                and any(path.startswith(u.rstrip("/") + "/") for u in under)
                and not Path(path).exists()
            ):
                self.db.execute("BEGIN IMMEDIATE")
                self._delete_source(sid)
                self.db.execute("COMMIT")
                removed.append(path)
        return removed

    def relink_duplicates(self, threshold: float = 0.8) -> tuple[int, int]:
        """Recompute exact and near-duplicate links across all questions; returns (exact, near)."""
        return relink(self.db, threshold)

    # -- reading ---------------------------------------------------------
    def duplicate_pairs(self, sources: Sequence[str] | None = None, limit: int = -1) -> list[DuplicatePair]:
        """Linked duplicates, near ones first (most similar first), then exact; only links touching ``sources``
        when given, and only links between two published questions when ``published_only``."""
        where, args = "TRUE", []
        if sources is not None:
            marks = ",".join("?" * len(sources))
            where = f"(sa.path IN ({marks}) OR sb.path IN ({marks}))"
            args = [*sources, *sources]
        if self.published_only:  # both questions of a pair are shown, or the pair is not
            where += " AND qa.status = 'published' AND qb.status = 'published'"
        rows = self.db.execute(
            "SELECT d.kind, d.similarity, qa.id, qa.title, sa.path, qa.line, qb.id, qb.title, sb.path, qb.line"
            " FROM duplicates d JOIN questions qa ON qa.id = d.a JOIN sources sa ON sa.id = qa.source_id"
            " JOIN questions qb ON qb.id = d.b JOIN sources sb ON sb.id = qb.source_id"
            f" WHERE {where} ORDER BY d.kind = 'exact', d.similarity DESC, sa.path, qa.line LIMIT ?",
            [*args, self._limit(limit)],
        ).fetchall()
        return [DuplicatePair(r[0], r[1], (r[2], r[3], r[4], r[5]), (r[6], r[7], r[8], r[9])) for r in rows]

    def get(self, qid: str) -> dict[str, object] | None:
        row = self.db.execute(
            "SELECT q.data, q.cluster, q.cluster_confidence, q.cluster_reason, q.difficulty_confidence,"
            " q.difficulty_reason, q.flags, s.path FROM questions q JOIN sources s ON s.id=q.source_id WHERE q.id=?"
            + (" AND q.status = 'published'" if self.published_only else ""),
            (qid,),
        ).fetchone()
        if row is None:
            return None
        dups = self.db.execute(
            "SELECT CASE WHEN a=? THEN b ELSE a END, kind, similarity FROM duplicates WHERE a=? OR b=?",
            (qid, qid, qid),
        ).fetchall()
        return {
            "question": Question.model_validate_json(row[0]),
            "cluster": row[1],
            "cluster_confidence": row[2],
            "cluster_reason": row[3],
            "difficulty_confidence": row[4],
            "difficulty_reason": row[5],
            "flags": json.loads(row[6]),
            "source": row[7],
            "duplicates": [{"id": d[0], "kind": d[1], "similarity": d[2]} for d in dups],
        }

    def _filters(
        self, topic: str | None, difficulty: str | None, tag: str | None, source: str | None
    ) -> tuple[str, list[object]]:
        where: list[str] = ["q.status = 'published'"] if self.published_only else []
        args: list[object] = []
        if topic:
            where.append("(lower(q.topic) LIKE ? OR q.cluster = ?)")
            args += [f"%{topic.lower()}%", topic.lower()]
        if difficulty:
            where.append("lower(q.difficulty) = ?")
            args.append(difficulty.lower())
        if tag:
            where.append(f"EXISTS (SELECT 1 FROM {self.json_values('q.tags')} WHERE lower(value) = ?)")
            args.append(tag.lower())
        if source:
            where.append("s.path LIKE ?")
            args.append(f"%{source}%")
        return (" AND ".join(where) or "TRUE"), args

    def json_values(self, column: str) -> str:
        """A table expression of the values of a JSON array column, each as ``value``, in either database."""
        if self.is_postgres:
            return f"json_array_elements_text({column}::json) AS j(value)"
        return f"json_each({column})"

    def _limit(self, limit: int) -> int | None:
        """A LIMIT parameter: a negative ``limit`` means none (SQLite's -1, PostgreSQL's NULL)."""
        if limit >= 0:
            return limit
        return None if self.is_postgres else -1

    def search(
        self,
        query: str,
        *,
        any_words: bool = False,
        topic: str | None = None,
        difficulty: str | None = None,
        tag: str | None = None,
        source: str | None = None,
        limit: int = 20,
    ) -> list[SearchHit]:
        """Ranked full-text search (FTS5 bm25; the title weighs most). All words must match unless any_words.

        English stopwords ("how", "the", "would") are dropped from the query unless it has nothing else.
        """
        words = re.findall(r"\w+", query.lower())
        content = [w for w in words if w not in STOPWORDS]
        words = content or words
        if not words:
            return []
        where, args = self._filters(topic, difficulty, tag, source)
        if self.is_postgres:
            return self._search_postgres(words, any_words, where, args, limit)
        match = (" OR " if any_words else " ").join(f'"{w}"' for w in words)
        rank = "bm25(questions_fts, 5.0, 1.0, 2.0, 2.0)"
        if where == "TRUE":
            # No filters: rank inside the FTS table alone, then fetch details and snippets for the top rows only.
            top = self.db.execute(
                f"SELECT rowid, {rank} AS r FROM questions_fts WHERE questions_fts MATCH ? ORDER BY r LIMIT ?",
                (match, limit),
            ).fetchall()
            if not top:
                return []
            ids = [t[0] for t in top]
            marks = ",".join("?" * len(ids))
            info = {
                row[0]: row[1:]
                for row in self.db.execute(
                    f"SELECT q.rowid, q.id, q.title, q.topic, q.difficulty, s.path, q.line FROM questions q"
                    f" JOIN sources s ON s.id = q.source_id WHERE q.rowid IN ({marks})",
                    ids,
                )
            }
            snippets = dict(
                self.db.execute(
                    f"SELECT rowid, snippet(questions_fts, 1, '[', ']', ' … ', 12) FROM questions_fts"
                    f" WHERE questions_fts MATCH ? AND rowid IN ({marks})",
                    [match, *ids],
                ).fetchall()
            )
            hits = []
            for rid, r in top:
                if rid in info:
                    qid, title, topic_, diff, path, line = info[rid]
                    hits.append(SearchHit(qid, title, topic_, diff, path, line, -r, snippets.get(rid, "")))
            return hits
        sql = (
            f"SELECT q.id, q.title, q.topic, q.difficulty, s.path, q.line, {rank} AS r,"
            " snippet(questions_fts, 1, '[', ']', ' … ', 12)"
            " FROM questions_fts JOIN questions q ON q.rowid = questions_fts.rowid JOIN sources s ON s.id = q.source_id"
            f" WHERE questions_fts MATCH ? AND {where} ORDER BY r LIMIT ?"
        )
        rows = self.db.execute(sql, [match, *args, limit]).fetchall()
        return [SearchHit(r[0], r[1], r[2], r[3], r[4], r[5], -r[6], r[7]) for r in rows]

    # ts_rank's weights for labels D, C, B, A: body 1, topic and tags 2, title 5, as in the SQLite bm25 call.
    _PG_WEIGHTS = "'{0.2, 0.4, 0.4, 1.0}'"

    def _search_postgres(
        self, words: list[str], any_words: bool, where: str, args: list[object], limit: int
    ) -> list[SearchHit]:
        """Ranked search on PostgreSQL: each word as an English-stemmed tsquery term, all or any of them."""
        terms_ = [re.sub(r"[^\w]", "", w) for w in words]
        tsquery = (" | " if any_words else " & ").join(f"'{t}'" for t in terms_ if t)
        if not tsquery:
            return []
        sql = (
            "WITH qq AS (SELECT to_tsquery('english', ?) AS query)"
            f" SELECT q.id, q.title, q.topic, q.difficulty, s.path, q.line,"
            f" ts_rank({self._PG_WEIGHTS}, f.doc, qq.query) AS r,"
            " ts_headline('english', f.body, qq.query,"
            " 'StartSel=[, StopSel=], MaxWords=12, MinWords=5, MaxFragments=2, FragmentDelimiter=\" … \"')"
            " FROM qq, questions_fts f JOIN questions q ON q.rowid = f.rowid JOIN sources s ON s.id = q.source_id"
            f" WHERE f.doc @@ qq.query AND {where} ORDER BY r DESC, q.rowid LIMIT ?"
        )
        rows = self.db.execute(sql, [tsquery, *args, limit]).fetchall()
        return [SearchHit(r[0], r[1], r[2], r[3], r[4], r[5], float(r[6]), r[7]) for r in rows]

    def list(
        self,
        *,
        topic: str | None = None,
        difficulty: str | None = None,
        tag: str | None = None,
        source: str | None = None,
        limit: int = 100,
    ) -> list[SearchHit]:
        where, args = self._filters(topic, difficulty, tag, source)
        rows = self.db.execute(
            "SELECT q.id, q.title, q.topic, q.difficulty, s.path, q.line FROM questions q"
            f" JOIN sources s ON s.id = q.source_id WHERE {where} ORDER BY s.path, q.ord LIMIT ?",
            [*args, limit],
        ).fetchall()
        return [SearchHit(r[0], r[1], r[2], r[3], r[4], r[5], 0.0, "") for r in rows]

    def stats(self) -> dict[str, object]:
        """Counts of the questions by source, topic, cluster, difficulty and flag, and of duplicate links; only
        published questions (and links between two of them) when ``published_only``."""
        one = self.db.execute
        shown = "status = 'published'" if self.published_only else "TRUE"
        if self.published_only:
            per_source = (
                "SELECT s.path, s.dialect, count(q.id) FROM sources s LEFT JOIN questions q"
                " ON q.source_id = s.id AND q.status = 'published' GROUP BY s.id, s.path, s.dialect ORDER BY s.path"
            )
            duplicates = (
                "SELECT d.kind, count(*) FROM duplicates d JOIN questions qa ON qa.id = d.a"
                " JOIN questions qb ON qb.id = d.b WHERE qa.status = 'published' AND qb.status = 'published'"
                " GROUP BY d.kind"
            )
        else:
            per_source = "SELECT path, dialect, questions FROM sources ORDER BY path"
            duplicates = "SELECT kind, count(*) FROM duplicates GROUP BY kind"
        return {
            "questions": one(f"SELECT count(*) FROM questions WHERE {shown}").fetchone()[0],
            "sources": [{"path": p, "dialect": d, "questions": n} for p, d, n in one(per_source)],
            "by_topic": dict(
                one(f"SELECT topic, count(*) FROM questions WHERE {shown} GROUP BY topic ORDER BY 2 DESC").fetchall()
            ),
            "by_cluster": dict(
                one(
                    f"SELECT cluster, count(*) FROM questions WHERE {shown} GROUP BY cluster ORDER BY 2 DESC"
                ).fetchall()
            ),
            "by_difficulty": dict(
                one(f"SELECT difficulty, count(*) FROM questions WHERE {shown} GROUP BY difficulty").fetchall()
            ),
            "flagged": dict(
                one(
                    f"SELECT value, count(*) FROM questions, {self.json_values('questions.flags')}"
                    + (" WHERE questions.status = 'published'" if self.published_only else "")
                    + " GROUP BY value"
                ).fetchall()
            ),
            "duplicates": dict(one(duplicates).fetchall()),
        }

    def iter_questions(self) -> Iterator[tuple[str, str, str, str, str, str]]:
        """(id, cluster, topic, difficulty, data json, source path) of every question, in import order."""
        yield from self.db.execute(
            "SELECT q.id, q.cluster, q.topic, q.difficulty, q.data, s.path FROM questions q"
            " JOIN sources s ON s.id = q.source_id"
            + (" WHERE q.status = 'published'" if self.published_only else "")
            + " ORDER BY q.rowid"
        )

    def source_refs(self) -> dict[str, str]:
        """Each source path and the JSON of the references it carried (house-format files)."""
        return dict(self.db.execute("SELECT path, refs FROM sources").fetchall())
