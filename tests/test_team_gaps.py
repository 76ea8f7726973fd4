"""The team library's smaller pieces: a store's stats and duplicate links honour ``published_only``; a set asked
of a store with nothing published says so; `archqa user password` and `archqa user unassign`. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result

from archqa.errors import BlueprintError
from archqa.importer import import_paths
from archqa.model import Blueprint
from archqa.store import Store
from archqa.team import accounts, assign, authenticate, build_set, create_account, is_assigned, reject
from tests.pg_support import pg_url, postgres_server  # noqa: F401  (fixtures)

PASSWORD = "correct horse battery"
A_MD = "Q: What is replication lag in a database?\nA: The delay.\n\nQ: Why shard a table?\nA: To spread writes.\n"
B_MD = (
    "Q: What is replication lag in a database?\nA: Delay.\n\nQ: What is the replication lag of a database?\nA: Lag.\n"
)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # argon2id still, with the cheapest parameters: the real ones cost most of a second per hash on CI
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(tmp_path / "s.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(location: str) -> Iterator[Store]:
    with Store.open(location) as s:
        yield s


def _files(tmp_path: Path) -> list[str]:
    (tmp_path / "a.md").write_text(A_MD)
    (tmp_path / "b.md").write_text(B_MD)
    return [str(tmp_path / "a.md"), str(tmp_path / "b.md")]


def test_stats_and_duplicates_count_only_published_questions_when_asked(store: Store, tmp_path: Path) -> None:
    import_paths(_files(tmp_path), store)  # before any account: all four published
    everything = store.stats()
    pairs = store.duplicate_pairs()
    assert everything["questions"] == 4 and len(pairs) >= 2
    lag = next(h.id for h in store.search("replication lag", source="a.md"))
    assert any(lag in (p.a[0], p.b[0]) for p in pairs)
    create_account(store, "rita", PASSWORD, "reviewer")
    reject(store, lag, 0, "duplicate of b.md")

    assert store.stats() == everything  # published_only is off: the rejected question still counts
    store.published_only = True
    shown = store.stats()
    assert shown["questions"] == 3
    assert {s["path"]: s["questions"] for s in shown["sources"]} == {  # type: ignore[index,union-attr]
        s["path"]: s["questions"] - (1 if s["path"].endswith("a.md") else 0)  # type: ignore[index,operator,union-attr]
        for s in everything["sources"]  # type: ignore[union-attr]
    }
    assert sum(shown["by_topic"].values()) == 3  # type: ignore[union-attr]
    assert sum(shown["by_difficulty"].values()) == 3  # type: ignore[union-attr]
    kept = store.duplicate_pairs()
    assert kept and all(lag not in (p.a[0], p.b[0]) for p in kept)
    assert kept == [p for p in pairs if lag not in (p.a[0], p.b[0])]
    assert sum(shown["duplicates"].values()) == len(kept)  # type: ignore[union-attr]


def test_a_set_from_a_store_with_nothing_published_says_how_to_publish(store: Store, tmp_path: Path) -> None:
    ivy = create_account(store, "ivy", PASSWORD, "interviewer")
    cam = create_account(store, "cam", PASSWORD, "learner")
    assign(store, ivy.id, cam.id)
    import_paths(_files(tmp_path), store)  # a team store: everything waits for review
    with pytest.raises(BlueprintError, match=r"no published questions yet: approve some with `archqa review approve"):
        build_set(store, ivy.id, cam.id, Blueprint(count=2), allow_shortfall=True)


def _cli(*args: str, stdin: str | None = None) -> Result:
    from archqa.cli.app import cli

    return CliRunner().invoke(cli, list(args), input=stdin, prog_name="archqa")


def test_user_password_and_unassign(location: str) -> None:
    with Store.open(location) as store:
        ivy = create_account(store, "ivy", PASSWORD, "interviewer")
        cam = create_account(store, "cam", PASSWORD, "learner")
        assign(store, ivy.id, cam.id)
        token, _ = accounts.start_session(store, cam.id)
    new = "a much longer passphrase"
    changed = _cli("user", "password", "cam", "--password-stdin", "--db", location, stdin=new + "\n")
    assert changed.exit_code == 0, changed.output
    assert "cam has a new password" in changed.stdout
    short = _cli("user", "password", "cam", "--password-stdin", "--db", location, stdin="short\n")
    assert short.exit_code == 2 and "at least 10" in short.stderr
    prompted = _cli("user", "password", "ivy", "--db", location, stdin=f"{new}\n{new}\n")
    assert prompted.exit_code == 0 and new not in prompted.output
    unknown = _cli("user", "password", "nobody", "--password-stdin", "--db", location, stdin=new + "\n")
    assert unknown.exit_code == 2 and "no account is called 'nobody'" in unknown.stderr

    assert "ivy no longer interviews cam" in _cli("user", "unassign", "ivy", "cam", "--db", location).stdout
    assert "nothing changed" in _cli("user", "unassign", "ivy", "cam", "--db", location).stdout
    missing = _cli("user", "unassign", "ivy", "zed", "--db", location)
    assert missing.exit_code == 2 and "no account is called 'zed'" in missing.stderr
    with Store.open(location) as store:
        assert authenticate(store, "cam", PASSWORD) is None
        assert authenticate(store, "cam", new) is not None
        assert authenticate(store, "ivy", new) is not None
        assert accounts.session_account(store, token) is None  # a new password ends the old sessions
        assert not is_assigned(store, ivy.id, cam.id)
