"""The interviewer's tools on a team store: which questions a candidate has already seen (exposure), a set
built for them from the published bank, its printable pack, and the scorecards recorded after interviews.

Every function that takes an interviewer and a candidate raises ``AccessDenied`` unless the candidate is
assigned to that interviewer (``archqa user assign``); a set or scorecard is only ever shown to the
interviewer who made it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from archqa.errors import BlueprintError, ConfigError
from archqa.model import Blueprint, Question, QuestionSet, Topic
from archqa.store import Store
from archqa.team.accounts import AccessDenied, require_assigned

EXPOSURE_KINDS = ("practised", "interviewed", "set")
"""How a candidate can have seen a question: a practice review, a mock interview, a set built for them."""


class Exposure(BaseModel):
    """One time a candidate saw a question: how, when, and the review, interview or set it was in."""

    kind: str
    at: datetime
    ref: int
    """The id of the review, interview or candidate set."""


class CandidateSet(BaseModel):
    """A set of questions an interviewer built for one candidate."""

    id: int
    interviewer_id: int
    candidate_id: int
    created_at: datetime
    title: str
    question_ids: list[str]
    blueprint: Blueprint = Field(default_factory=Blueprint)
    shortfalls: list[str] = Field(default_factory=list)
    """Slots the bank could not fill when the set was built (only on the set ``build_set`` returns)."""


class RecordedScorecard(BaseModel):
    """A scorecard an interviewer recorded for a candidate, for a set or not."""

    id: int
    interviewer_id: int
    candidate_id: int
    set_id: int | None
    recorded_at: datetime
    scorecard: dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def exposure(store: Store, candidate_id: int) -> dict[str, list[Exposure]]:
    """Every question the candidate has seen, with each time and how, oldest first: practised (reviews),
    interviewed (mock interviews) and set (candidate sets built for them)."""
    seen: dict[str, list[Exposure]] = {}
    for qid, at, ref in store.db.execute(
        "SELECT question_id, reviewed_at, id FROM reviews WHERE user_id=?", (candidate_id,)
    ):
        seen.setdefault(qid, []).append(Exposure(kind="practised", at=datetime.fromisoformat(at), ref=int(ref)))
    for qid, at, ref in store.db.execute(
        "SELECT question_id, started_at, id FROM interviews WHERE user_id=?", (candidate_id,)
    ):
        seen.setdefault(qid, []).append(Exposure(kind="interviewed", at=datetime.fromisoformat(at), ref=int(ref)))
    for ref, at, ids in store.db.execute(
        "SELECT id, created_at, question_ids FROM candidate_sets WHERE candidate_id=?", (candidate_id,)
    ):
        for qid in json.loads(ids):
            seen.setdefault(qid, []).append(Exposure(kind="set", at=datetime.fromisoformat(at), ref=int(ref)))
    for items in seen.values():
        items.sort(key=lambda e: e.at)
    return seen


def build_set(
    store: Store,
    interviewer_id: int,
    candidate_id: int,
    blueprint: Blueprint,
    *,
    exclude_seen: bool = True,
    allow_shortfall: bool = False,
    title: str | None = None,
) -> CandidateSet:
    """Choose a set for the candidate from the store's published questions (as ``archqa generate`` does from a
    bank), leaving out every question they have seen unless ``exclude_seen`` is False; the set is stored.
    BlueprintError when the store has no published question, or when the questions left cannot fill the
    blueprint (unless ``allow_shortfall``)."""
    from archqa.generate.bank import store_bank
    from archqa.generate.select import select

    require_assigned(store, interviewer_id, candidate_id)
    if store.db.execute("SELECT 1 FROM questions WHERE status = 'published' LIMIT 1").fetchone() is None:
        raise BlueprintError(
            f"{store.location}: no published questions yet: approve some with `archqa review approve ID`"
            " (`archqa review list` shows what waits)"
        )
    shown = store.published_only
    store.published_only = True
    try:
        bank = store_bank(store, store.location)
    finally:
        store.published_only = shown
    if exclude_seen:
        seen = set(exposure(store, candidate_id))
        kept = [e for e in bank.entries if e.id not in seen]
        bank = dataclasses.replace(
            bank, entries=kept, topics=[t for t in bank.topics if any(e.topic == t for e in kept)]
        )
    selection = select(bank, blueprint, allow_shortfall=allow_shortfall)
    ids = [e.id for e in selection.entries]
    name = title or f"Set for candidate {candidate_id}"
    created = _now()
    cur = store.db.execute(
        "INSERT INTO candidate_sets (interviewer_id, candidate_id, created_at, title, question_ids, blueprint)"
        " VALUES (?,?,?,?,?,?)",
        (interviewer_id, candidate_id, created, name, json.dumps(ids), selection.blueprint.model_dump_json()),
    )
    return CandidateSet(
        id=int(cur.lastrowid or 0),
        interviewer_id=interviewer_id,
        candidate_id=candidate_id,
        created_at=datetime.fromisoformat(created),
        title=name,
        question_ids=ids,
        blueprint=selection.blueprint,
        shortfalls=[s.describe() for s in selection.shortfalls],
    )


_SET_COLUMNS = "id, interviewer_id, candidate_id, created_at, title, question_ids, blueprint"


def _set(row: tuple[Any, ...]) -> CandidateSet:
    return CandidateSet(
        id=int(row[0]),
        interviewer_id=int(row[1]),
        candidate_id=int(row[2]),
        created_at=datetime.fromisoformat(row[3]),
        title=row[4],
        question_ids=json.loads(row[5]),
        blueprint=Blueprint.model_validate_json(row[6]) if row[6] and row[6] != "{}" else Blueprint(),
    )


def candidate_sets(store: Store, interviewer_id: int, candidate_id: int | None = None) -> list[CandidateSet]:
    """The sets the interviewer built, newest first; only those for ``candidate_id`` when given (who must be
    assigned to them)."""
    if candidate_id is None:
        rows = store.db.execute(
            f"SELECT {_SET_COLUMNS} FROM candidate_sets WHERE interviewer_id=? ORDER BY created_at DESC, id DESC",
            (interviewer_id,),
        ).fetchall()
    else:
        require_assigned(store, interviewer_id, candidate_id)
        rows = store.db.execute(
            f"SELECT {_SET_COLUMNS} FROM candidate_sets WHERE interviewer_id=? AND candidate_id=?"
            " ORDER BY created_at DESC, id DESC",
            (interviewer_id, candidate_id),
        ).fetchall()
    return [_set(r) for r in rows]


def get_set(store: Store, set_id: int, interviewer_id: int) -> CandidateSet:
    """One set the interviewer built; ConfigError when there is none, AccessDenied when it is another
    interviewer's or its candidate is no longer assigned to them."""
    row = store.db.execute(f"SELECT {_SET_COLUMNS} FROM candidate_sets WHERE id=?", (set_id,)).fetchone()
    if row is None:
        raise ConfigError(f"{store.location}: no candidate set has id {set_id}; list them on the candidate's page")
    found = _set(row)
    if found.interviewer_id != interviewer_id:
        raise AccessDenied(f"candidate set {set_id} was built by another interviewer; build your own for the candidate")
    require_assigned(store, interviewer_id, found.candidate_id)
    return found


def set_questions(store: Store, candidate_set: CandidateSet) -> QuestionSet:
    """The set's questions as a QuestionSet (numbered in set order, grouped by topic in order of first use);
    a question deleted from the store since is left out."""
    marks = ",".join("?" * len(candidate_set.question_ids)) or "NULL"
    by_id = {
        qid: Question.model_validate_json(data)
        for qid, data in store.db.execute(
            f"SELECT id, data FROM questions WHERE id IN ({marks})", candidate_set.question_ids
        )
    }
    questions: list[Question] = []
    for qid in candidate_set.question_ids:
        if qid in by_id:
            q = by_id[qid].model_copy(update={"number": len(questions) + 1})
            questions.append(q)
    topics = [Topic(name=t) for t in dict.fromkeys(q.topic for q in questions)]
    return QuestionSet(title=candidate_set.title, blueprint=candidate_set.blueprint, topics=topics, questions=questions)


def pack(store: Store, set_id: int, interviewer_id: int) -> str:
    """The interviewer pack of one of the interviewer's sets, as HTML (``archqa export --format interviewer``)."""
    from archqa.export import ExportOptions
    from archqa.export.interviewer import InterviewerExporter

    qset = set_questions(store, get_set(store, set_id, interviewer_id))
    return InterviewerExporter().render(qset, ExportOptions())


def record_scorecard(
    store: Store,
    interviewer_id: int,
    candidate_id: int,
    scorecard: BaseModel | Mapping[str, Any],
    set_id: int | None = None,
) -> int:
    """Store the interviewer's scorecard for the candidate (a mock interview's ``Scorecard`` or any JSON
    object), for one of the interviewer's sets for that candidate or none; returns its id."""
    require_assigned(store, interviewer_id, candidate_id)
    if set_id is not None and get_set(store, set_id, interviewer_id).candidate_id != candidate_id:
        raise ConfigError(f"candidate set {set_id} was built for another candidate; pass that candidate's set")
    data = scorecard.model_dump_json() if isinstance(scorecard, BaseModel) else json.dumps(dict(scorecard))
    cur = store.db.execute(
        "INSERT INTO scorecards (interviewer_id, candidate_id, set_id, recorded_at, scorecard) VALUES (?,?,?,?,?)",
        (interviewer_id, candidate_id, set_id, _now(), data),
    )
    return int(cur.lastrowid or 0)


def scorecards_of(store: Store, interviewer_id: int, candidate_id: int) -> list[RecordedScorecard]:
    """The scorecards the interviewer recorded for the candidate, newest first."""
    require_assigned(store, interviewer_id, candidate_id)
    rows = store.db.execute(
        "SELECT id, interviewer_id, candidate_id, set_id, recorded_at, scorecard FROM scorecards"
        " WHERE interviewer_id=? AND candidate_id=? ORDER BY recorded_at DESC, id DESC",
        (interviewer_id, candidate_id),
    ).fetchall()
    return [
        RecordedScorecard(
            id=int(r[0]),
            interviewer_id=int(r[1]),
            candidate_id=int(r[2]),
            set_id=int(r[3]) if r[3] is not None else None,
            recorded_at=datetime.fromisoformat(r[4]),
            scorecard=json.loads(r[5]),
        )
        for r in rows
    ]
