"""The shared bank's review queue: imported, model-written and authored questions wait in status 'review'
until a reviewer approves them; every change is a numbered version with who, when, why and what the validator
found.

A question's versions live in ``question_versions``; the ``questions`` row holds the current one (its data,
status and version number). An edit, an approval and a rejection each add a version. The validator runs on
every edit and again on approval, over the question rendered as a one-question house-format document with the
references it cites; an approval is refused while it finds errors, and a reviewer may not approve a version
they wrote themselves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from archqa.errors import ConfigError
from archqa.formats.house_write import write_set
from archqa.model import BibEntry, GlossaryEntry, Question, QuestionSet, Tool
from archqa.store import Store, StoredQuestion
from archqa.team.accounts import LOCAL_USER, AccessDenied, get_account, may

CONTENT_ACTIONS = ("import", "generate", "edit")
"""The actions that write a question's content (approve and reject only change its status)."""

ORIGINS = {"model": "generate", "author": "edit"}
"""Where an added question came from, and the action its first version records."""

WRITTEN_SOURCE = "archqa:written/{origin}"
"""The store source that model-written and authored questions belong to (they come from no file)."""


class VersionFinding(BaseModel):
    """One validator finding stored with a version."""

    rule: str
    severity: str
    message: str


class Version(BaseModel):
    """One version of a question: its content, status, which action made it, who, when, why, and the findings."""

    question_id: str
    version: int
    status: str
    action: str
    user_id: int
    user_name: str
    at: datetime
    note: str = ""
    findings: list[VersionFinding] = Field(default_factory=list)
    question: Question

    @property
    def data(self) -> str:
        """The version's question as JSON (as stored)."""
        return self.question.model_dump_json()

    @property
    def errors(self) -> list[VersionFinding]:
        """The findings that block approval."""
        return [f for f in self.findings if f.severity == "error"]


class QueueItem(BaseModel):
    """A question waiting for review, with its latest version's author, time and findings count."""

    question_id: str
    title: str
    topic: str
    origin: str
    version: int
    source: str
    user_id: int
    user_name: str
    at: datetime | None
    errors: int
    warnings: int
    checked: bool
    """Whether the validator ran on this version (an imported one is checked when it is approved)."""


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _user_name(store: Store, user_id: int) -> str:
    account = get_account(store, user_id)
    return account.name if account else f"user {user_id}"


def _require(store: Store, user_id: int, permission: str, doing: str) -> None:
    account = get_account(store, user_id)
    if account is None or account.disabled or not may(account.role, permission):
        who = f"{account.name!r} ({account.role})" if account else f"user {user_id}"
        raise AccessDenied(f"{who} may not {doing}; an admin can change the role with `archqa user role NAME ROLE`")


def _current(store: Store, question_id: str) -> tuple[Question, str, int, str, int]:
    """(question, status, version, cluster, rowid) of a stored question; ConfigError when there is none."""
    row = store.db.execute(
        "SELECT data, status, version, cluster, rowid FROM questions WHERE id=?", (question_id,)
    ).fetchone()
    if row is None:
        raise ConfigError(
            f"{store.location}: no question has id {question_id!r}; see `archqa review list` or `archqa search`"
        )
    return Question.model_validate_json(row[0]), str(row[1]), int(row[2]), str(row[3]), int(row[4])


def _last_version(store: Store, question_id: str) -> int:
    row = store.db.execute("SELECT max(version) FROM question_versions WHERE question_id=?", (question_id,)).fetchone()
    return int(row[0] or 0)


def _references(store: Store, question: Question) -> tuple[list[GlossaryEntry], list[BibEntry], list[Tool]]:
    """The glossary, bibliography and tool entries the question cites, from its source file's references."""
    cited = set(question.citations)
    if not cited:
        return [], [], []
    raw = store.db.execute(
        "SELECT s.refs FROM questions q JOIN sources s ON s.id = q.source_id WHERE q.id=?", (question.id,)
    ).fetchone()
    try:
        refs = json.loads(raw[0]) if raw else {}
    except ValueError:
        refs = {}
    return (
        [GlossaryEntry.model_validate(g) for g in refs.get("glossary", []) if g.get("id") in cited],
        [BibEntry.model_validate(b) for b in refs.get("bibliography", []) if b.get("id") in cited],
        [Tool.model_validate(t) for t in refs.get("tools", []) if t.get("id") in cited],
    )


def check(store: Store, question: Question) -> list[VersionFinding]:
    """The validator's findings on one question: rendered as a one-question house-format document (numbered 1,
    with the references it cites and without links to questions the store has), as on every edit."""
    from archqa.validate import ValidationConfig, validate_text

    related = [r for r in question.related if not _exists(store, r)]
    one = question.model_copy(update={"number": 1, "related": related})
    glossary, bibliography, tools = _references(store, question)
    text = write_set(
        QuestionSet(title=question.title, questions=[one], glossary=glossary, bibliography=bibliography, tools=tools)
    )
    config = ValidationConfig(min_glossary=0, min_bibliography=0, min_tools=0)
    report = validate_text(text, f"question {question.id}", config)
    return [VersionFinding(rule=f.rule, severity=f.severity.value, message=f.message) for f in report.findings]


def _exists(store: Store, question_id: str) -> bool:
    return store.db.execute("SELECT 1 FROM questions WHERE id=?", (question_id,)).fetchone() is not None


def _version(row: Sequence[object], names: dict[int, str]) -> Version:
    user_id = int(str(row[5]))
    return Version(
        question_id=str(row[0]),
        version=int(str(row[1])),
        question=Question.model_validate_json(str(row[2])),
        status=str(row[3]),
        action=str(row[4]),
        user_id=user_id,
        user_name=names.get(user_id, f"user {user_id}"),
        at=datetime.fromisoformat(str(row[6])),
        note=str(row[7]),
        findings=[VersionFinding.model_validate(f) for f in json.loads(str(row[8]))],
    )


_VERSION_COLUMNS = "question_id, version, data, status, action, user_id, at, note, findings"


def _names(store: Store) -> dict[int, str]:
    return {int(r[0]): str(r[1]) for r in store.db.execute("SELECT id, name FROM users")}


def history(store: Store, question_id: str) -> list[Version]:
    """Every version of the question, oldest first: who made it, when, with which action and findings."""
    rows = store.db.execute(
        f"SELECT {_VERSION_COLUMNS} FROM question_versions WHERE question_id=? ORDER BY version", (question_id,)
    ).fetchall()
    names = _names(store)
    return [_version(r, names) for r in rows]


def _get_version(store: Store, question_id: str, version: int) -> Version:
    row = store.db.execute(
        f"SELECT {_VERSION_COLUMNS} FROM question_versions WHERE question_id=? AND version=?", (question_id, version)
    ).fetchone()
    return _version(row, _names(store))


def queue(store: Store) -> list[QueueItem]:
    """The questions waiting for review (status 'review'), the longest waiting first."""
    rows = store.db.execute(
        "SELECT q.id, q.title, q.topic, q.origin, q.version, s.path, v.user_id, v.at, v.findings, v.action"
        " FROM questions q JOIN sources s ON s.id = q.source_id"
        " LEFT JOIN question_versions v ON v.question_id = q.id AND v.version = q.version"
        " WHERE q.status = 'review' ORDER BY v.at, q.rowid"
    ).fetchall()
    names = _names(store)
    out = []
    for r in rows:
        findings = json.loads(r[8]) if r[8] else []
        user_id = int(r[6]) if r[6] is not None else LOCAL_USER
        out.append(
            QueueItem(
                question_id=r[0],
                title=r[1],
                topic=r[2],
                origin=r[3],
                version=int(r[4]),
                source=r[5],
                user_id=user_id,
                user_name=names.get(user_id, f"user {user_id}"),
                at=datetime.fromisoformat(r[7]) if r[7] else None,
                errors=sum(1 for f in findings if f.get("severity") == "error"),
                warnings=sum(1 for f in findings if f.get("severity") == "warning"),
                checked=r[9] is not None and r[9] != "import",
            )
        )
    return out


def _record(
    store: Store,
    question_id: str,
    version: int,
    question: Question,
    status: str,
    action: str,
    user_id: int,
    note: str,
    findings: Sequence[VersionFinding],
) -> None:
    store.db.execute(
        f"INSERT INTO question_versions ({_VERSION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            question_id,
            version,
            question.model_dump_json(),
            status,
            action,
            user_id,
            _now(),
            note,
            json.dumps([f.model_dump() for f in findings]),
        ),
    )


def _begin(store: Store) -> None:
    store.db.execute("BEGIN IMMEDIATE")
    if store.is_postgres:  # one writer of questions at a time (as an import takes it): versions numbered in turn
        store.db.execute("LOCK TABLE questions IN SHARE ROW EXCLUSIVE MODE")


def _keep_first(store: Store, question_id: str, question: Question, status: str, version: int) -> int:
    """A question stored before it had versions (a local import) gets its current content recorded as a
    version first, so its history starts where it began. Returns the last version number."""
    last = _last_version(store, question_id)
    if last == 0:
        _record(store, question_id, version, question, status, "import", LOCAL_USER, "", [])
        return version
    return last


def edit(store: Store, question_id: str, question: Question, user_id: int, note: str = "") -> Version:
    """Store a new version of the question, written by ``user_id`` (an author, reviewer or admin): it waits for
    review, the validator's findings are stored with it, and the search index shows the new text."""
    _require(store, user_id, "author", "edit questions")
    question = question.model_copy(update={"id": question_id})
    findings = check(store, question)
    _begin(store)
    try:
        old, status, version, cluster, rowid = _current(store, question_id)
        last = _keep_first(store, question_id, old, status, version)
        new = last + 1
        _record(store, question_id, new, question, "review", "edit", user_id, note, findings)
        row = store.db.execute(
            "SELECT cluster_confidence, cluster_reason, difficulty_confidence, difficulty_reason, flags"
            " FROM questions WHERE id=?",
            (question_id,),
        ).fetchone()
        stored = StoredQuestion(question, cluster, row[0], row[1], row[2], row[3], json.loads(row[4]))
        p = Store.prepare(stored)
        store.db.execute(
            "UPDATE questions SET title=?, topic=?, difficulty=?, tags=?, norm_title=?, data=?, title_terms=?,"
            " status='review', version=? WHERE id=?",
            (p[3], p[4], p[8], p[11], p[13], p[14], p[15], new, question_id),
        )
        store.db.execute(
            "UPDATE questions_fts SET title=?, body=?, topic=?, tags=? WHERE rowid=?",
            (p[3], p[16], p[17], p[18], rowid),
        )
        store.db.execute("COMMIT")
    except BaseException:
        store._rollback()
        raise
    return _get_version(store, question_id, new)


def _content_version(store: Store, question_id: str) -> tuple[int, int]:
    """(version, author's user id) of the latest version that wrote the question's content."""
    marks = ",".join("?" * len(CONTENT_ACTIONS))
    row = store.db.execute(
        f"SELECT version, user_id FROM question_versions WHERE question_id=? AND action IN ({marks})"
        " ORDER BY version DESC LIMIT 1",
        (question_id, *CONTENT_ACTIONS),
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, LOCAL_USER)


def _decide(store: Store, question_id: str, user_id: int, note: str, status: str) -> Version:
    _require(store, user_id, "review", "review questions")
    question, current, _, _, _ = _current(store, question_id)
    if current == status:
        raise ConfigError(f"question {question_id} is {status} already; see `archqa review list` for the queue")
    findings = check(store, question) if status == "published" else []
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ConfigError(
            f"question {question_id} cannot be approved: the validator finds {len(errors)} error(s), the first"
            f" [{errors[0].rule}] {errors[0].message}; edit it to fix them, or reject it"
        )
    _begin(store)
    try:
        checked = question
        question, current, version, _, _ = _current(store, question_id)
        if question != checked:
            raise ConfigError(
                f"question {question_id} changed while it was being checked; look at its new version and try again"
            )
        last = _keep_first(store, question_id, question, current, version)
        written, author = _content_version(store, question_id)
        if status == "published" and author == user_id and user_id != LOCAL_USER:
            raise ConfigError(
                f"question {question_id}: version {written} is yours, and a reviewer may not approve their own"
                " work; ask another reviewer"
            )
        new = last + 1
        _record(
            store,
            question_id,
            new,
            question,
            status,
            "approve" if status == "published" else "reject",
            user_id,
            note,
            findings,
        )
        store.db.execute("UPDATE questions SET status=?, version=? WHERE id=?", (status, new, question_id))
        store.db.execute("COMMIT")
    except BaseException:
        store._rollback()
        raise
    return _get_version(store, question_id, new)


def approve(store: Store, question_id: str, user_id: int, note: str = "") -> Version:
    """Publish the question's current version (a reviewer or admin, not its author): learners see it from now.
    Refused with ConfigError while the validator finds errors in it."""
    return _decide(store, question_id, user_id, note, "published")


def reject(store: Store, question_id: str, user_id: int, note: str = "") -> Version:
    """Reject the question's current version (a reviewer or admin): it is hidden from learners until an author
    edits it and it is approved. ``note`` says why."""
    return _decide(store, question_id, user_id, note, "rejected")


def add_questions(store: Store, questions: Sequence[Question], origin: str, user_id: int) -> list[str]:
    """Add model-written (``origin='model'``) or authored (``'author'``) questions to the shared bank: each
    enters status 'review' as version 1 with the validator's findings. Returns their ids (a taken id gets a
    ``-2`` suffix, as on import)."""
    from archqa.importer.enrich import enrich

    if origin not in ORIGINS:
        raise ConfigError(f"unknown origin {origin!r}; use 'model' (model-written) or 'author' (written by a person)")
    if get_account(store, user_id) is None:
        raise ConfigError(f"{store.location}: no account has id {user_id}; see `archqa user list`")
    path = WRITTEN_SOURCE.format(origin=origin)
    checked = [check(store, q) for q in questions]  # before the transaction: the validator takes a while
    db = store.db
    ids: list[str] = []
    db.execute("BEGIN IMMEDIATE")
    try:
        if store.is_postgres:  # one writer at a time picks new rowids and question ids, as in write_source
            db.execute("LOCK TABLE questions IN SHARE ROW EXCLUSIVE MODE")
        db.execute(
            "INSERT INTO sources (path, sha256, size, dialect, imported_at, questions) VALUES (?, '', 0, ?, ?, 0)"
            " ON CONFLICT (path) DO NOTHING",
            (path, origin, _now()),
        )
        source_id = db.execute("SELECT id FROM sources WHERE path=?", (path,)).fetchone()[0]
        ord_ = db.execute("SELECT count(*) FROM questions WHERE source_id=?", (source_id,)).fetchone()[0]
        rowid = (db.execute("SELECT max(rowid) FROM questions").fetchone()[0] or 0) + 1
        for q, findings in zip(questions, checked, strict=True):
            qid, n = q.id, 2
            while _exists(store, qid) or qid in ids:
                qid, n = f"{q.id}-{n}", n + 1
            q = q.model_copy(deep=True, update={"id": qid})
            sq = enrich(q, q.topic)
            p = Store.prepare(sq)
            db.execute(
                "INSERT INTO questions (rowid, id, source_id, ord, number, line, title, topic, cluster,"
                " cluster_confidence, cluster_reason, difficulty, difficulty_confidence, difficulty_reason, tags,"
                " flags, norm_title, data, title_terms, status, origin, version)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'review',?,1)",
                (rowid, qid, source_id, ord_, *p[1:16], origin),
            )
            db.execute(
                "INSERT INTO questions_fts (rowid, title, body, topic, tags) VALUES (?,?,?,?,?)",
                (rowid, p[3], p[16], p[17], p[18]),
            )
            _record(store, qid, 1, sq.question, "review", ORIGINS[origin], user_id, "", findings)
            ids.append(qid)
            rowid += 1
            ord_ += 1
        db.execute("UPDATE sources SET questions=? WHERE id=?", (ord_, source_id))
        db.execute("COMMIT")
    except BaseException:
        store._rollback()
        raise
    return ids
