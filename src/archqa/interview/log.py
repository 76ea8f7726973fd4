"""Saved interviews: each transcript and its scorecard in the store's ``interviews`` table (migration
``0007_interviews``), as JSON of the pydantic models, committed in one transaction."""

from __future__ import annotations

from archqa.errors import ConfigError
from archqa.interview.model import InterviewSummary, Scorecard, Transcript
from archqa.store import Store


def save_interview(store: Store, transcript: Transcript, card: Scorecard, *, user_id: int = 0) -> int:
    """Store ``transcript`` and ``card`` as an interview of ``user_id`` (0: the local store's one person); return
    the interview's id."""
    plan = transcript.plan
    db = store.db
    db.execute("BEGIN IMMEDIATE")
    try:
        cur = db.execute(
            "INSERT INTO interviews (user_id, question_id, started_at, level, minutes, transcript, scorecard) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                user_id,
                plan.question_ids[0],
                transcript.started_at,
                plan.level,
                plan.minutes,
                transcript.model_dump_json(),
                card.model_dump_json(),
            ),
        )
        new_id = cur.lastrowid
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    assert new_id is not None
    return int(new_id)


def load_interview(store: Store, interview_id: int, *, user_id: int = 0) -> tuple[Transcript, Scorecard]:
    """The transcript and scorecard of ``user_id``'s interview ``interview_id``; ConfigError names the way to list
    them (another person's interview is not found, the same as one that does not exist)."""
    row = store.db.execute(
        "SELECT transcript, scorecard FROM interviews WHERE id=? AND user_id=?", (interview_id, user_id)
    ).fetchone()
    if row is None:
        raise ConfigError(
            f"--report {interview_id}: no saved interview has this id in {store.location}; "
            "list them with `archqa interview --list`"
        )
    return Transcript.model_validate_json(row[0]), Scorecard.model_validate_json(row[1])


def list_interviews(store: Store, *, user_id: int = 0) -> list[InterviewSummary]:
    """Every saved interview of ``user_id``, oldest first."""
    out = []
    for iid, qid, started, level, minutes, transcript, card in store.db.execute(
        "SELECT id, question_id, started_at, level, minutes, transcript, scorecard FROM interviews"
        " WHERE user_id=? ORDER BY id",
        (user_id,),
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
