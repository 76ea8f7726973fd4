"""Saved interviews: each transcript and its scorecard in the store's ``interviews`` table (migration
``0007_interviews``), as JSON of the pydantic models, committed in one transaction."""

from __future__ import annotations

from archqa.errors import ConfigError
from archqa.interview.model import InterviewSummary, Scorecard, Transcript
from archqa.store import Store


def save_interview(store: Store, transcript: Transcript, card: Scorecard) -> int:
    """Store ``transcript`` and ``card``; return the interview's id."""
    plan = transcript.plan
    db = store.db
    db.execute("BEGIN IMMEDIATE")
    try:
        cur = db.execute(
            "INSERT INTO interviews (question_id, started_at, level, minutes, transcript, scorecard) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                plan.question_ids[0],
                transcript.started_at,
                plan.level,
                plan.minutes,
                transcript.model_dump_json(),
                card.model_dump_json(),
            ),
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


def load_interview(store: Store, interview_id: int) -> tuple[Transcript, Scorecard]:
    """The transcript and scorecard saved as ``interview_id``; ConfigError names the way to list them."""
    row = store.db.execute("SELECT transcript, scorecard FROM interviews WHERE id=?", (interview_id,)).fetchone()
    if row is None:
        raise ConfigError(
            f"--report {interview_id}: no saved interview has this id in {store.path}; "
            "list them with `archqa interview --list`"
        )
    return Transcript.model_validate_json(row[0]), Scorecard.model_validate_json(row[1])


def list_interviews(store: Store) -> list[InterviewSummary]:
    """Every saved interview, oldest first."""
    out = []
    for iid, qid, started, level, minutes, transcript, card in store.db.execute(
        "SELECT id, question_id, started_at, level, minutes, transcript, scorecard FROM interviews ORDER BY id"
    ):
        t = Transcript.model_validate_json(transcript)
        s = Scorecard.model_validate_json(card)
        out.append(
            InterviewSummary(
                id=iid,
                question_id=qid,
                title=t.plan.title,
                started_at=started,
                level=level,
                minutes=minutes,
                overall=s.overall,
            )
        )
    return out
