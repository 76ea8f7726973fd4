"""The shared bank's review queue: imports into a team store wait for review, edits are versions with the
validator's findings, a reviewer approves someone else's work, and learners see only what is published; on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from archqa.errors import ConfigError
from archqa.importer import import_paths
from archqa.model import Difficulty, Question
from archqa.store import Store
from archqa.team import (
    AccessDenied,
    Account,
    accounts,
    add_questions,
    approve,
    create_account,
    edit,
    history,
    queue,
    reject,
)
from tests.pg_support import pg_url, postgres_server  # noqa: F401  (fixtures)

PASSWORD = "correct horse battery"

BANK = """# Drill

## Messaging

### Q1: What does a consumer group give you in Kafka?

**Answer:** Each partition is read by one consumer of the group, so the group scales reads while keeping
per-partition order.

### Q2: Why are retries dangerous without idempotency?

**Answer:** A retry after a lost acknowledgement repeats the side effect; charging a card twice is the classic
failure.
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    # argon2id still, with the cheapest parameters: the real ones cost most of a second per hash on CI
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    location = tmp_path / "s.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with Store.open(location) as s:
        yield s


@pytest.fixture
def people(store: Store) -> dict[str, Account]:
    return {
        "ann": create_account(store, "ann", PASSWORD, "author"),
        "rex": create_account(store, "rex", PASSWORD, "reviewer"),
        "rae": create_account(store, "rae", PASSWORD, "reviewer"),
        "leo": create_account(store, "leo", PASSWORD, "learner"),
    }


def _import(store: Store, tmp_path: Path, text: str = BANK, user_id: int = 0) -> list[str]:
    f = tmp_path / "drill.md"
    f.write_text(text)
    report = import_paths([str(f)], store, user_id=user_id)
    assert not report.failed
    return [h.id for h in store.list()]


def _ids_by_title(store: Store) -> dict[str, str]:
    return {h.title: h.id for h in store.list()}


def test_an_import_into_a_team_store_waits_for_review_and_learners_do_not_see_it(
    store: Store, people: dict[str, Account], tmp_path: Path
) -> None:
    ids = _import(store, tmp_path, user_id=people["ann"].id)
    assert len(ids) == 2
    waiting = queue(store)
    assert sorted(item.question_id for item in waiting) == sorted(ids)
    assert {(item.version, item.origin, item.user_name) for item in waiting} == {(1, "import", "ann")}
    first = history(store, ids[0])
    assert [(v.version, v.action, v.status, v.user_id) for v in first] == [(1, "import", "review", people["ann"].id)]

    store.published_only = True
    assert store.list() == []
    assert store.search("consumer group") == []
    assert store.search("consumer", topic="messaging") == []
    assert store.get(ids[0]) is None
    assert list(store.iter_questions()) == []
    store.published_only = False
    assert store.get(ids[0]) is not None
    assert len(store.search("consumer group")) == 1


def test_a_reimport_keeps_the_status_of_unchanged_questions_and_queues_changed_ones(
    store: Store, people: dict[str, Account], tmp_path: Path
) -> None:
    ids = _import(store, tmp_path, user_id=people["ann"].id)
    by_title = _ids_by_title(store)
    kafka = by_title["What does a consumer group give you in Kafka?"]
    approve(store, kafka, people["rex"].id)
    _import(store, tmp_path, user_id=people["ann"].id)  # unchanged file: nothing happens
    assert [v.version for v in history(store, kafka)] == [1, 2]
    changed = BANK.replace("charging a card twice", "charging a card two times") + "\n"
    _import(store, tmp_path, changed, user_id=people["ann"].id)
    statuses = dict(store.db.execute("SELECT id, status FROM questions").fetchall())
    assert statuses == {kafka: "published", **{i: "review" for i in ids if i != kafka}}
    retries = next(i for i in ids if i != kafka)
    assert [(v.version, v.action) for v in history(store, retries)] == [(1, "import"), (2, "import")]
    assert [v.version for v in history(store, kafka)] == [1, 2]


def test_a_store_without_accounts_publishes_its_imports(tmp_path: Path) -> None:
    with Store.open(tmp_path / "local.db") as store:
        ids = _import(store, tmp_path)
        assert queue(store) == []
        store.published_only = True
        assert [h.id for h in store.list()] == ids
        assert history(store, ids[0]) == []


def test_an_edit_is_a_new_version_with_findings_and_the_search_index_follows(
    store: Store, people: dict[str, Account], tmp_path: Path
) -> None:
    _import(store, tmp_path, user_id=people["ann"].id)
    qid = _ids_by_title(store)["Why are retries dangerous without idempotency?"]
    current = store.get(qid)
    assert current is not None
    old: Question = current["question"]
    new = old.model_copy(update={"title": "Why are retries dangerous without an idempotency key?"})
    version = edit(store, qid, new, people["ann"].id, note="name the key")
    assert (version.version, version.action, version.status, version.note) == (2, "edit", "review", "name the key")
    assert version.findings, "the validator ran on the edit"
    assert all(f.rule and f.severity and f.message for f in version.findings)
    assert version.question.title == new.title
    stored = store.get(qid)
    assert stored is not None and stored["question"].title == new.title
    assert [h.id for h in store.search("idempotency key")] == [qid]
    assert [item.version for item in queue(store) if item.question_id == qid] == [2]
    with pytest.raises(AccessDenied, match="'leo' \\(learner\\) may not edit"):
        edit(store, qid, new, people["leo"].id)


def test_a_reviewer_may_not_approve_their_own_version_and_approval_publishes(
    store: Store, people: dict[str, Account], tmp_path: Path
) -> None:
    _import(store, tmp_path, user_id=people["ann"].id)
    qid = _ids_by_title(store)["What does a consumer group give you in Kafka?"]
    current = store.get(qid)
    assert current is not None
    edit(
        store,
        qid,
        current["question"].model_copy(update={"answer": current["question"].answer + " More."}),
        people["rex"].id,
    )
    with pytest.raises(ConfigError, match="version 2 is yours"):
        approve(store, qid, people["rex"].id)
    with pytest.raises(AccessDenied, match="may not review"):
        approve(store, qid, people["ann"].id)
    done = approve(store, qid, people["rae"].id, note="fine")
    assert (done.version, done.action, done.status, done.user_name) == (3, "approve", "published", "rae")
    with pytest.raises(ConfigError, match="published already"):
        approve(store, qid, people["rae"].id)
    assert qid not in [item.question_id for item in queue(store)]
    store.published_only = True
    assert [h.id for h in store.list()] == [qid]
    assert [h.id for h in store.search("consumer group")] == [qid]
    assert store.search("retries") == []
    got = store.get(qid)
    assert got is not None and got["question"].answer.endswith("More.")
    assert [row[0] for row in store.iter_questions()] == [qid]


def test_an_edit_with_errors_is_kept_but_cannot_be_approved(
    store: Store, people: dict[str, Account], tmp_path: Path
) -> None:
    _import(store, tmp_path, user_id=people["ann"].id)
    qid = _ids_by_title(store)["What does a consumer group give you in Kafka?"]
    current = store.get(qid)
    assert current is not None
    broken = current["question"].model_copy(update={"answer": "Partitions are shared out [Ref: A9]."})
    version = edit(store, qid, broken, people["ann"].id)
    errors = [f for f in version.findings if f.severity == "error"]
    assert errors and version.errors == errors
    assert version.status == "review"
    with pytest.raises(ConfigError, match=f"cannot be approved.*\\[{errors[0].rule}\\]"):
        approve(store, qid, people["rex"].id)
    assert [v.version for v in history(store, qid)] == [1, 2]
    rejected = reject(store, qid, people["rex"].id, note="cites a reference that does not exist")
    assert (rejected.status, rejected.action, rejected.note) == (
        "rejected",
        "reject",
        "cites a reference that does not exist",
    )
    assert qid not in [item.question_id for item in queue(store)]
    store.published_only = True
    assert store.get(qid) is None


def test_history_shows_who_changed_what_and_when(store: Store, people: dict[str, Account], tmp_path: Path) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    _import(store, tmp_path, user_id=people["ann"].id)
    qid = _ids_by_title(store)["What does a consumer group give you in Kafka?"]
    current = store.get(qid)
    assert current is not None
    edit(
        store,
        qid,
        current["question"].model_copy(update={"title": "What is a Kafka consumer group for?"}),
        people["ann"].id,
        note="shorter",
    )
    approve(store, qid, people["rex"].id)
    versions = history(store, qid)
    assert [(v.version, v.action, v.user_name, v.status) for v in versions] == [
        (1, "import", "ann", "review"),
        (2, "edit", "ann", "review"),
        (3, "approve", "rex", "published"),
    ]
    assert all(before <= v.at <= datetime.now(UTC) for v in versions)
    assert [v.at for v in versions] == sorted(v.at for v in versions)
    assert versions[0].question.title == "What does a consumer group give you in Kafka?"
    assert versions[2].question.title == "What is a Kafka consumer group for?"


def test_model_written_questions_enter_the_queue_as_version_one(store: Store, people: dict[str, Account]) -> None:
    q = Question(
        id="what-is-backpressure",
        title="What is backpressure in a streaming pipeline?",
        topic="Integration Architecture",
        difficulty=Difficulty.INTERMEDIATE,
        key_insight="Backpressure moves the cost of overload to the producer, where it can be handled.",
        answer="A slow consumer signals producers to slow down instead of letting queues grow without bound.",
        key_points=["the consumer signals demand", "queues stay bounded", "producers slow down or shed load"],
    )
    ids = add_questions(store, [q, q], "model", people["ann"].id)
    assert ids == ["what-is-backpressure", "what-is-backpressure-2"]
    assert {item.question_id: (item.origin, item.version) for item in queue(store)} == {i: ("model", 1) for i in ids}
    first = history(store, ids[0])
    assert [(v.version, v.action, v.status) for v in first] == [(1, "generate", "review")]
    assert [h.id for h in store.search("backpressure")] == ids
    store.published_only = True
    assert store.search("backpressure") == []
    store.published_only = False
    approve(store, ids[0], people["rex"].id)
    store.published_only = True
    assert [h.id for h in store.search("backpressure")] == ids[:1]
    with pytest.raises(ConfigError, match="unknown origin"):
        add_questions(store, [q], "import", people["ann"].id)
