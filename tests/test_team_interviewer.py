"""The interviewer's tools: exposure from practice, mock interviews and sets; a set that leaves out what the
candidate has seen; the pack; scorecards; and nothing for a candidate who is not assigned. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from archqa.errors import BlueprintError, ConfigError
from archqa.importer import import_paths
from archqa.interview import Transcript, save_interview, scorecard
from archqa.interview.model import Plan
from archqa.model import Blueprint
from archqa.practice.schedule import PracticeLog
from archqa.store import Store
from archqa.team import (
    AccessDenied,
    Account,
    accounts,
    assign,
    build_set,
    candidate_sets,
    create_account,
    exposure,
    get_set,
    pack,
    record_scorecard,
    scorecards_of,
    unassign,
)
from tests.pg_support import pg_url, postgres_server  # noqa: F401  (fixtures)

BANK_FILE = Path(__file__).parents[1] / "src" / "archqa" / "bank" / "evolution.md"
PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    # argon2id still, with the cheapest parameters: the real ones cost most of a second per hash on CI
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    location = tmp_path / "s.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with Store.open(location) as s:
        import_paths([str(BANK_FILE)], s)  # before any account: published at once
        yield s


@pytest.fixture
def people(store: Store) -> dict[str, Account]:
    out = {
        "ivy": create_account(store, "ivy", PASSWORD, "interviewer"),
        "ian": create_account(store, "ian", PASSWORD, "interviewer"),
        "cam": create_account(store, "cam", PASSWORD, "learner"),
        "ben": create_account(store, "ben", PASSWORD, "learner"),
    }
    assign(store, out["ivy"].id, out["cam"].id)
    assign(store, out["ian"].id, out["ben"].id)
    return out


def _interview(store: Store, question_id: str, user_id: int, at: datetime) -> int:
    plan = Plan(kind="concepts", level="mid", minutes=10, question_ids=[question_id], title="Concepts", phases=[])
    t = Transcript(started_at=at.isoformat(), grader="lexical", plan=plan)
    return save_interview(store, t, scorecard(t), user_id=user_id)


def test_exposure_lists_practice_interviews_and_sets_for_that_candidate_only(
    store: Store, people: dict[str, Account]
) -> None:
    ids = [h.id for h in store.list(limit=10)]
    cam, ben = people["cam"].id, people["ben"].id
    assert exposure(store, cam) == {}
    PracticeLog(store, user_id=cam).record(ids[0], 3, now=NOW)
    PracticeLog(store, user_id=cam).record(ids[0], 4, now=NOW + timedelta(days=2))
    PracticeLog(store, user_id=ben).record(ids[1], 3, now=NOW)
    interview_id = _interview(store, ids[2], cam, NOW + timedelta(hours=1))
    built = build_set(store, people["ivy"].id, cam, Blueprint(count=3, mix=(0, 0, 100)), exclude_seen=False)
    seen = exposure(store, cam)
    assert [(e.kind, e.at) for e in seen[ids[0]]][:2] == [("practised", NOW), ("practised", NOW + timedelta(days=2))]
    assert seen[ids[2]][0].kind == "interviewed" and seen[ids[2]][0].ref == interview_id
    for qid in built.question_ids:
        assert ("set", built.id) in [(e.kind, e.ref) for e in seen[qid]]
    assert ids[1] not in seen or all(e.kind == "set" for e in seen[ids[1]])  # ben's practice is not cam's
    assert set(exposure(store, ben)) == {ids[1]}


def test_a_set_leaves_out_what_the_candidate_has_seen(store: Store, people: dict[str, Account]) -> None:
    ivy, cam = people["ivy"].id, people["cam"].id
    blueprint = Blueprint(count=4, mix=(0, 50, 50))
    first = build_set(store, ivy, cam, blueprint, exclude_seen=False, title="Round one")
    assert len(first.question_ids) == 4 and first.title == "Round one"
    PracticeLog(store, user_id=cam).record(first.question_ids[0], 3, now=NOW)
    again = build_set(store, ivy, cam, blueprint, exclude_seen=False)
    assert again.question_ids == first.question_ids  # the same blueprint picks the same questions
    fresh = build_set(store, ivy, cam, blueprint)
    assert len(fresh.question_ids) == 4
    assert not set(fresh.question_ids) & set(first.question_ids)
    assert [s.id for s in candidate_sets(store, ivy, cam)] == [fresh.id, again.id, first.id]
    assert get_set(store, first.id, ivy).question_ids == first.question_ids
    with pytest.raises(BlueprintError):
        build_set(store, ivy, cam, Blueprint(count=500))


def test_unpublished_questions_never_go_into_a_set(store: Store, people: dict[str, Account]) -> None:
    ids = [h.id for h in store.list(limit=1000)]
    store.db.execute(f"UPDATE questions SET status='review' WHERE id IN ({','.join('?' * (len(ids) - 3))})", ids[3:])
    built = build_set(
        store, people["ivy"].id, people["cam"].id, Blueprint(count=3, mix=(34, 33, 33)), allow_shortfall=True
    )
    assert set(built.question_ids) <= set(ids[:3])


def test_an_unassigned_candidate_is_denied_everywhere(store: Store, people: dict[str, Account]) -> None:
    ivy, ian, cam, ben = (people[n].id for n in ("ivy", "ian", "cam", "ben"))
    mine = build_set(store, ivy, cam, Blueprint(count=2, mix=(0, 50, 50)))
    calls = [
        lambda: build_set(store, ivy, ben, Blueprint(count=2)),
        lambda: candidate_sets(store, ivy, ben),
        lambda: record_scorecard(store, ivy, ben, {"overall": "mid"}),
        lambda: scorecards_of(store, ivy, ben),
        lambda: get_set(store, mine.id, ian),
        lambda: pack(store, mine.id, ian),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()
    assert candidate_sets(store, ian) == []
    unassign(store, ivy, cam)
    with pytest.raises(AccessDenied, match="not assigned"):
        pack(store, mine.id, ivy)
    with pytest.raises(ConfigError, match="no candidate set has id 999"):
        get_set(store, 999, ivy)


def test_the_pack_renders_the_sets_questions(store: Store, people: dict[str, Account]) -> None:
    built = build_set(store, people["ivy"].id, people["cam"].id, Blueprint(count=2, mix=(0, 50, 50)), title="Cam <1>")
    html = pack(store, built.id, people["ivy"].id)
    assert html.startswith("<!DOCTYPE html>") or html.lstrip().lower().startswith("<!doctype html>")
    assert "Interviewer pack: Cam &lt;1&gt;" in html
    for qid in built.question_ids:
        got = store.get(qid)
        assert got is not None
        assert got["question"].key_points, "bank questions carry key points"
        assert f"KP {len(got['question'].key_points)}" in html
    assert html.count('<article class="q"') == 2


def test_a_scorecard_is_stored_for_the_interviewer_and_candidate(store: Store, people: dict[str, Account]) -> None:
    ivy, cam = people["ivy"].id, people["cam"].id
    built = build_set(store, ivy, cam, Blueprint(count=2, mix=(0, 50, 50)))
    plan = Plan(kind="concepts", level="senior", minutes=10, question_ids=built.question_ids, title="C", phases=[])
    card = scorecard(Transcript(started_at=NOW.isoformat(), grader="lexical", plan=plan))
    first = record_scorecard(store, ivy, cam, card, set_id=built.id)
    second = record_scorecard(store, ivy, cam, {"overall": "senior", "notes": "clear on trade-offs"})
    got = scorecards_of(store, ivy, cam)
    assert [s.id for s in got] == [second, first]
    assert got[0].scorecard == {"overall": "senior", "notes": "clear on trade-offs"}
    assert got[1].set_id == built.id and got[1].scorecard["target"] == "senior"
    other = build_set(store, people["ian"].id, people["ben"].id, Blueprint(count=2, mix=(0, 50, 50)))
    with pytest.raises(AccessDenied):
        record_scorecard(store, ivy, cam, {"overall": "mid"}, set_id=other.id)
    assert scorecards_of(store, people["ian"].id, people["ben"].id) == []
