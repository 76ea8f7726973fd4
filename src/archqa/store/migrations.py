"""Named schema migrations. Each runs in one transaction and is recorded once.

The schema changes only here: append a new (name, sql) pair, never edit an applied one.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from archqa.store.db import Database, dialect_of

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
    (
        "0008_team",
        # A store shared by a team (`archqa serve --db postgresql://...`): accounts with one role each, server-side
        # sign-in sessions, which interviewer sees which candidate, and whose each card, review and interview is.
        # User 0 is the one person of a local store: everything practised before this migration is theirs.
        # Questions get a review status (imported and model-written ones wait for a reviewer on a team server;
        # a local import is published at once), where they came from, and a version; `question_versions` keeps
        # every version with who made it, when, why, and what the validator found. Interviewers keep the sets
        # they built for a candidate and the scorecards they recorded.
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL CHECK (role IN ('learner', 'interviewer', 'author', 'reviewer', 'admin')),
            password_hash TEXT,
            oidc_subject TEXT UNIQUE,
            created_at TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
        );
        INSERT INTO users (id, name, display_name, role, password_hash, created_at)
        VALUES (0, 'local', 'you', 'admin', NULL, '1970-01-01T00:00:00+00:00');
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX sessions_user ON sessions(user_id);
        CREATE TABLE assignments (
            interviewer_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            candidate_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            assigned_at TEXT NOT NULL,
            PRIMARY KEY (interviewer_id, candidate_id)
        );
        CREATE INDEX assignments_candidate ON assignments(candidate_id);
        CREATE TABLE cards_by_user (
            user_id INTEGER NOT NULL DEFAULT 0 REFERENCES users(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            card TEXT NOT NULL,
            due TEXT NOT NULL,
            introduced_at TEXT NOT NULL,
            PRIMARY KEY (user_id, question_id)
        );
        INSERT INTO cards_by_user (user_id, question_id, card, due, introduced_at)
        SELECT 0, question_id, card, due, introduced_at FROM cards;
        DROP TABLE cards;
        ALTER TABLE cards_by_user RENAME TO cards;
        CREATE INDEX cards_due ON cards(user_id, due);
        CREATE INDEX cards_introduced ON cards(user_id, introduced_at);
        ALTER TABLE reviews ADD COLUMN user_id INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX reviews_user ON reviews(user_id, question_id, reviewed_at);
        ALTER TABLE interviews ADD COLUMN user_id INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE interviews ADD COLUMN interviewer_id INTEGER;
        CREATE INDEX interviews_user ON interviews(user_id, started_at);
        ALTER TABLE questions ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
            CHECK (status IN ('review', 'published', 'rejected'));
        ALTER TABLE questions ADD COLUMN origin TEXT NOT NULL DEFAULT 'import'
            CHECK (origin IN ('import', 'model', 'author'));
        ALTER TABLE questions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        CREATE INDEX questions_status ON questions(status);
        CREATE TABLE question_versions (
            question_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            data TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('review', 'published', 'rejected')),
            action TEXT NOT NULL CHECK (action IN ('import', 'generate', 'edit', 'approve', 'reject')),
            user_id INTEGER NOT NULL,
            at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            findings TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (question_id, version)
        );
        CREATE INDEX question_versions_at ON question_versions(at);
        CREATE TABLE candidate_sets (
            id INTEGER PRIMARY KEY,
            interviewer_id INTEGER NOT NULL REFERENCES users(id),
            candidate_id INTEGER NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            title TEXT NOT NULL,
            question_ids TEXT NOT NULL,
            blueprint TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX candidate_sets_candidate ON candidate_sets(candidate_id);
        CREATE TABLE scorecards (
            id INTEGER PRIMARY KEY,
            interviewer_id INTEGER NOT NULL REFERENCES users(id),
            candidate_id INTEGER NOT NULL REFERENCES users(id),
            set_id INTEGER REFERENCES candidate_sets(id) ON DELETE SET NULL,
            recorded_at TEXT NOT NULL,
            scorecard TEXT NOT NULL
        );
        CREATE INDEX scorecards_candidate ON scorecards(candidate_id);
        """,
    ),
]


# The same migrations for a store on PostgreSQL, by name: one list of names, one runner, a schema per database.
# Types follow SQLite's storage classes exactly (REAL is 8 bytes there: DOUBLE PRECISION here; JSON and times
# are TEXT in both), so a store moved between the two reads back the same values and checksums. `questions`
# has an explicit `rowid` (SQLite's implicit one) that orders questions and joins the full-text table, whose
# `doc` column is the weighted tsvector: title A, topic and tags B, body D.
POSTGRES: dict[str, str] = {
    "0001_initial": """
        CREATE TABLE sources (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            sha256 TEXT NOT NULL,
            size BIGINT NOT NULL,
            dialect TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            questions INTEGER NOT NULL DEFAULT 0,
            repaired_lines INTEGER NOT NULL DEFAULT 0,
            unrepaired TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE questions (
            rowid BIGINT NOT NULL UNIQUE,
            id TEXT PRIMARY KEY,
            source_id BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            ord INTEGER NOT NULL,
            number INTEGER NOT NULL,
            line INTEGER NOT NULL,
            title TEXT NOT NULL,
            topic TEXT NOT NULL,
            cluster TEXT NOT NULL,
            cluster_confidence DOUBLE PRECISION NOT NULL,
            cluster_reason TEXT NOT NULL,
            difficulty TEXT NOT NULL,
            difficulty_confidence DOUBLE PRECISION NOT NULL,
            difficulty_reason TEXT NOT NULL,
            tags TEXT NOT NULL,
            flags TEXT NOT NULL,
            norm_title TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX questions_source ON questions(source_id);
        CREATE INDEX questions_norm_title ON questions(norm_title);
        CREATE TABLE questions_fts (
            rowid BIGINT PRIMARY KEY,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            topic TEXT NOT NULL,
            tags TEXT NOT NULL,
            doc tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', topic), 'B')
                || setweight(to_tsvector('english', tags), 'B') || setweight(to_tsvector('english', body), 'D')
            ) STORED
        );
        CREATE INDEX questions_fts_doc ON questions_fts USING GIN (doc);
        CREATE TABLE duplicates (
            a TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            b TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('exact', 'near')),
            similarity DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (a, b)
        );
        CREATE INDEX duplicates_b ON duplicates(b);
    """,
    "0002_source_references": """
        ALTER TABLE sources ADD COLUMN refs TEXT NOT NULL DEFAULT '{}';
    """,
    "0003_practice": """
        CREATE TABLE cards (
            question_id TEXT PRIMARY KEY,
            card TEXT NOT NULL,
            due TEXT NOT NULL,
            introduced_at TEXT NOT NULL
        );
        CREATE INDEX cards_due ON cards(due);
        CREATE INDEX cards_introduced ON cards(introduced_at);
        CREATE TABLE reviews (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            question_id TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            suggested INTEGER CHECK (suggested BETWEEN 1 AND 4),
            grade DOUBLE PRECISION,
            grader TEXT NOT NULL,
            covered TEXT NOT NULL DEFAULT '[]',
            answer TEXT NOT NULL,
            duration_ms INTEGER NOT NULL,
            due TEXT NOT NULL
        );
        CREATE INDEX reviews_question ON reviews(question_id, reviewed_at);
        CREATE INDEX reviews_time ON reviews(reviewed_at);
    """,
    # SQLite's full-text merge setting; the GIN index has nothing like it.
    "0004_fts_automerge": "SELECT 1;",
    "0005_title_terms": """
        ALTER TABLE questions ADD COLUMN title_terms TEXT NOT NULL DEFAULT '';
    """,
    "0006_review_points": """
        CREATE TABLE review_points (
            review_id BIGINT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
            ord INTEGER NOT NULL,
            point TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('covered', 'missing', 'unsure')),
            score DOUBLE PRECISION NOT NULL,
            evidence TEXT NOT NULL,
            reason TEXT NOT NULL,
            user_covered INTEGER CHECK (user_covered IN (0, 1)),
            PRIMARY KEY (review_id, ord)
        );
        INSERT INTO review_points (review_id, ord, point, verdict, score, evidence, reason, user_covered)
        SELECT r.id, (j.n - 1)::integer, coalesce(j.v->>'point', ''),
               coalesce(j.v->>'verdict', CASE WHEN (j.v->>'covered')::boolean THEN 'covered' ELSE 'missing' END),
               coalesce((j.v->>'score')::double precision, 0.0),
               coalesce(j.v->>'evidence', ''), coalesce(j.v->>'reason', ''), NULL
        FROM reviews r, json_array_elements(r.covered::json) WITH ORDINALITY AS j(v, n);
        ALTER TABLE reviews DROP COLUMN covered;
        ALTER TABLE reviews ADD COLUMN confirmed DOUBLE PRECISION;
    """,
    "0007_interviews": """
        CREATE TABLE interviews (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            question_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('mid', 'senior', 'staff')),
            minutes INTEGER NOT NULL,
            transcript TEXT NOT NULL,
            scorecard TEXT NOT NULL
        );
        CREATE INDEX interviews_started ON interviews(started_at);
    """,
}


def _team_postgres(sql: str) -> str:
    """0008 on PostgreSQL: the SQLite text with identity keys, and ids that point at them as BIGINT."""
    return sql.replace("id INTEGER PRIMARY KEY,", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,").replace(
        "_id INTEGER", "_id BIGINT"
    )


POSTGRES["0008_team"] = _team_postgres(dict(MIGRATIONS)["0008_team"])


def applied(db: Database) -> list[str]:
    """Names of the migrations already applied, in order."""
    if dialect_of(db) == "postgresql":
        db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (seq BIGINT GENERATED BY DEFAULT AS IDENTITY,"
            " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        return [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY seq")]
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    return [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY rowid")]


def migrations_for(dialect: str) -> list[tuple[str, str]]:
    """The (name, sql) list for ``dialect``: the same names in the same order for both databases."""
    if dialect == "postgresql":
        return [(name, POSTGRES[name]) for name, _ in MIGRATIONS]
    return list(MIGRATIONS)


def migrate(db: Database) -> list[str]:
    """Apply every pending migration, each in its own transaction; return the names applied."""
    dialect = dialect_of(db)
    if dialect == "postgresql":
        # Two servers starting on one new database: the first takes this lock and migrates, the second waits.
        db.execute("SELECT pg_advisory_lock(727001)")
    try:
        done = set(applied(db))
        ran = []
        for name, sql in migrations_for(dialect):
            if name in done:
                continue
            db.execute("BEGIN IMMEDIATE")
            if db.execute("SELECT 1 FROM migrations WHERE name=?", (name,)).fetchone():  # another connection won
                db.execute("ROLLBACK")
                continue
            try:
                if dialect == "postgresql":
                    db.execute(sql)
                else:
                    for statement in _statements(sql):
                        db.execute(statement)
                db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, _now()))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            ran.append(name)
        return ran
    finally:
        if dialect == "postgresql":
            db.execute("SELECT pg_advisory_unlock(727001)")


def _now() -> str:
    return datetime.now(UTC).isoformat()


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
