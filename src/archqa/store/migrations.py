"""Named schema migrations. Each runs in one transaction and is recorded once.

The schema changes only here: append a new (name, sql) pair, never edit an applied one.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            dialect TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            questions INTEGER NOT NULL DEFAULT 0,
            repaired_lines INTEGER NOT NULL DEFAULT 0,
            unrepaired TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            ord INTEGER NOT NULL,
            number INTEGER NOT NULL,
            line INTEGER NOT NULL,
            title TEXT NOT NULL,
            topic TEXT NOT NULL,
            cluster TEXT NOT NULL,
            cluster_confidence REAL NOT NULL,
            cluster_reason TEXT NOT NULL,
            difficulty TEXT NOT NULL,
            difficulty_confidence REAL NOT NULL,
            difficulty_reason TEXT NOT NULL,
            tags TEXT NOT NULL,
            flags TEXT NOT NULL,
            norm_title TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX questions_source ON questions(source_id);
        CREATE INDEX questions_norm_title ON questions(norm_title);
        CREATE VIRTUAL TABLE questions_fts USING fts5(
            title, body, topic, tags, tokenize='porter unicode61'
        );
        CREATE TABLE duplicates (
            a TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            b TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('exact', 'near')),
            similarity REAL NOT NULL,
            PRIMARY KEY (a, b)
        );
        CREATE INDEX duplicates_b ON duplicates(b);
        """,
    ),
    (
        "0002_source_references",
        """
        ALTER TABLE sources ADD COLUMN refs TEXT NOT NULL DEFAULT '{}';
        """,
    ),
    (
        "0003_practice",
        """
        CREATE TABLE cards (
            question_id TEXT PRIMARY KEY,
            card TEXT NOT NULL,
            due TEXT NOT NULL,
            introduced_at TEXT NOT NULL
        );
        CREATE INDEX cards_due ON cards(due);
        CREATE INDEX cards_introduced ON cards(introduced_at);
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            question_id TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            suggested INTEGER CHECK (suggested BETWEEN 1 AND 4),
            grade REAL,
            grader TEXT NOT NULL,
            covered TEXT NOT NULL DEFAULT '[]',
            answer TEXT NOT NULL,
            duration_ms INTEGER NOT NULL,
            due TEXT NOT NULL
        );
        CREATE INDEX reviews_question ON reviews(question_id, reviewed_at);
        CREATE INDEX reviews_time ON reviews(reviewed_at);
        """,
    ),
    (
        "0004_fts_automerge",
        # Each imported file is one transaction and so one new full-text segment. Merging
        # segments 16 at a time instead of 4 rewrites each indexed word about half as often.
        """
        INSERT INTO questions_fts(questions_fts, rank) VALUES ('automerge', 16);
        """,
    ),
    (
        "0005_title_terms",
        # The stemmed content words of each title, computed once at import by the worker that read the
        # file, so linking near duplicates after an import reads them instead of recomputing every title's.
        """
        ALTER TABLE questions ADD COLUMN title_terms TEXT NOT NULL DEFAULT '';
        """,
    ),
    (
        "0006_review_points",
        # One row per key point of a review: the grader's verdict with its evidence, and the user's own
        # verdict after confirming or flipping it (NULL: not confirmed, as in reviews saved before this).
        # The JSON `covered` column of each review is copied here, then dropped: one place per fact.
        # `reviews.confirmed` is the share of key points the user confirmed as covered.
        """
        CREATE TABLE review_points (
            review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
            ord INTEGER NOT NULL,
            point TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('covered', 'missing', 'unsure')),
            score REAL NOT NULL,
            evidence TEXT NOT NULL,
            reason TEXT NOT NULL,
            user_covered INTEGER CHECK (user_covered IN (0, 1)),
            PRIMARY KEY (review_id, ord)
        );
        INSERT INTO review_points (review_id, ord, point, verdict, score, evidence, reason, user_covered)
        SELECT r.id, j.key, coalesce(json_extract(j.value, '$.point'), ''),
               coalesce(json_extract(j.value, '$.verdict'),
                        CASE WHEN json_extract(j.value, '$.covered') THEN 'covered' ELSE 'missing' END),
               coalesce(json_extract(j.value, '$.score'), 0.0),
               coalesce(json_extract(j.value, '$.evidence'), ''),
               coalesce(json_extract(j.value, '$.reason'), ''),
               NULL
        FROM reviews r, json_each(CASE WHEN json_valid(r.covered) THEN r.covered ELSE '[]' END) j;
        ALTER TABLE reviews DROP COLUMN covered;
        ALTER TABLE reviews ADD COLUMN confirmed REAL;
        """,
    ),
    (
        "0007_interviews",
        # One row per mock interview (`archqa interview`): the case study or first concept question asked,
        # the target level and length, and the whole transcript and scorecard as JSON (the pydantic models
        # archqa.interview.Transcript and archqa.interview.Scorecard).
        """
        CREATE TABLE interviews (
            id INTEGER PRIMARY KEY,
            question_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('mid', 'senior', 'staff')),
            minutes INTEGER NOT NULL,
            transcript TEXT NOT NULL,
            scorecard TEXT NOT NULL
        );
        CREATE INDEX interviews_started ON interviews(started_at);
        """,
    ),
]


def applied(db: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied, in order."""
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    return [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY rowid")]


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply every pending migration, each in its own transaction; return the names applied."""
    done = set(applied(db))
    ran = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        if db.execute("SELECT 1 FROM migrations WHERE name=?", (name,)).fetchone():  # another connection won
            db.execute("ROLLBACK")
            continue
        try:
            for statement in _statements(sql):
                db.execute(statement)
            db.execute("INSERT INTO migrations VALUES (?, ?)", (name, datetime.now(UTC).isoformat()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        ran.append(name)
    return ran


def _statements(sql: str) -> list[str]:
    parts = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            parts.append(buf.strip())
            buf = ""
    if buf.strip():
        parts.append(buf.strip())
    return parts
