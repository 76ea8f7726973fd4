"""Accounts on a team store: argon2id passwords, sessions stored only hashed, roles, assignments; on SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type
from click.testing import CliRunner, Result

from archqa.errors import ConfigError
from archqa.store import Store
from archqa.team import (
    PERMISSIONS,
    ROLES,
    AccessDenied,
    accounts,
    assign,
    authenticate,
    candidates_of,
    create_account,
    disable,
    end_session,
    get_account,
    is_assigned,
    is_team,
    list_accounts,
    may,
    require_assigned,
    session_account,
    set_password,
    set_role,
    start_session,
    unassign,
)
from archqa.team import interviewer as interviewer_module
from archqa.team import review as review_module
from tests.conftest import run_cli
from tests.pg_support import pg_url, postgres_server  # noqa: F401  (fixtures)

PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    # argon2id still, with the cheapest parameters: the real ones cost most of a second per hash on CI
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    location = tmp_path / "s.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with Store.open(location) as s:
        yield s


def test_passwords_are_hashed_with_argon2id_at_rfc_9106_cost() -> None:
    hasher = accounts._HASHER
    assert hasher.type is Type.ID
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) >= (3, 65536, 4)
    digest = hasher.hash(PASSWORD)
    assert digest.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_password_is_stored_as_an_argon2id_hash_and_checked(store: Store) -> None:
    assert not is_team(store)
    ada = create_account(store, "ada", PASSWORD, "learner", display_name="Ada L.")
    assert (ada.name, ada.role, ada.display_name, ada.disabled) == ("ada", "learner", "Ada L.", False)
    assert ada.id != 0
    assert is_team(store)
    digest = store.db.execute("SELECT password_hash FROM users WHERE id=?", (ada.id,)).fetchone()[0]
    assert digest.startswith("$argon2id$")
    assert PASSWORD not in digest
    assert authenticate(store, "ada", PASSWORD) == ada
    assert authenticate(store, "ada", PASSWORD + "!") is None
    assert authenticate(store, "nobody", PASSWORD) is None
    assert authenticate(store, "local", "") is None  # user 0 has no password and never signs in
    set_password(store, "ada", "another long password")
    assert authenticate(store, "ada", PASSWORD) is None
    assert authenticate(store, "ada", "another long password") == ada


def test_accounts_refuse_duplicates_unknown_roles_and_short_passwords(store: Store) -> None:
    create_account(store, "ada", PASSWORD, "learner")
    with pytest.raises(ConfigError, match="exists already"):
        create_account(store, "ada", PASSWORD, "admin")
    with pytest.raises(ConfigError, match="exists already"):
        create_account(store, "local", PASSWORD, "admin")
    with pytest.raises(ConfigError, match="unknown role 'boss'"):
        create_account(store, "bob", PASSWORD, "boss")
    with pytest.raises(ConfigError, match="at least 10"):
        create_account(store, "bob", "short", "learner")
    with pytest.raises(ConfigError, match="account name"):
        create_account(store, "bad name", PASSWORD, "learner")
    with pytest.raises(ConfigError, match="no account is called 'bob'"):
        set_role(store, "bob", "admin")
    assert [a.name for a in list_accounts(store)] == ["ada"]


def test_a_disabled_account_cannot_sign_in_and_loses_its_sessions(store: Store) -> None:
    ada = create_account(store, "ada", PASSWORD, "learner")
    token, _ = start_session(store, ada.id)
    assert session_account(store, token) is not None
    disable(store, "ada")
    assert authenticate(store, "ada", PASSWORD) is None
    assert session_account(store, token) is None
    account = get_account(store, ada.id)
    assert account is not None and account.disabled


def test_a_session_token_is_stored_only_as_its_hash_and_expires(store: Store) -> None:
    ada = create_account(store, "ada", PASSWORD, "learner")
    token, csrf = start_session(store, ada.id)
    assert len(token) >= 40 and len(csrf) >= 40 and token != csrf
    stored = [r[0] for r in store.db.execute("SELECT id FROM sessions").fetchall()]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert session_account(store, token) == (ada, csrf)
    assert session_account(store, stored[0]) is None  # the stored value is no token
    assert session_account(store, "") is None
    end_session(store, token)
    assert session_account(store, token) is None
    old, _ = start_session(store, ada.id, lifetime=timedelta(seconds=-1))
    assert session_account(store, old) is None
    with pytest.raises(ConfigError, match="cannot sign in"):
        start_session(store, 0)


def test_roles_and_their_permissions(store: Store) -> None:
    assert all(may(role, "practice") for role in ROLES)
    assert [r for r in ROLES if may(r, "author")] == ["author", "reviewer", "admin"]
    assert [r for r in ROLES if may(r, "review")] == ["reviewer", "admin"]
    assert [r for r in ROLES if may(r, "interview_candidates")] == ["interviewer", "admin"]
    assert [r for r in ROLES if may(r, "admin")] == ["admin"]
    assert not may("admin", "no such permission")
    assert not may("boss", "practice")
    assert set(PERMISSIONS) == {"practice", "author", "review", "interview_candidates", "admin"}
    create_account(store, "ada", PASSWORD, "learner")
    changed = set_role(store, "ada", "reviewer")
    assert changed.role == "reviewer"
    assert authenticate(store, "ada", PASSWORD) == changed
    with pytest.raises(ConfigError, match="unknown role"):
        set_role(store, "ada", "owner")


def test_an_interviewer_sees_only_assigned_candidates(store: Store) -> None:
    ivy = create_account(store, "ivy", PASSWORD, "interviewer")
    ada = create_account(store, "ada", PASSWORD, "learner")
    bob = create_account(store, "bob", PASSWORD, "learner")
    assign(store, ivy.id, ada.id)
    assign(store, ivy.id, ada.id)  # again: no-op
    assert candidates_of(store, ivy.id) == [ada]
    assert is_assigned(store, ivy.id, ada.id)
    assert not is_assigned(store, ivy.id, bob.id)
    require_assigned(store, ivy.id, ada.id)
    with pytest.raises(AccessDenied, match="not assigned"):
        require_assigned(store, ivy.id, bob.id)
    with pytest.raises(ConfigError, match="cannot interview"):
        assign(store, bob.id, ada.id)
    with pytest.raises(ConfigError, match="no account has id 999"):
        assign(store, ivy.id, 999)
    unassign(store, ivy.id, ada.id)
    assert candidates_of(store, ivy.id) == []


def _cli(*args: str, stdin: str | None = None) -> Result:
    """The command line in this process (its password hashing cheap): most of the test's commands; the real
    entry point runs the ones that matter end to end."""
    from archqa.cli.app import cli

    return CliRunner().invoke(cli, list(args), input=stdin, prog_name="archqa")


def test_the_user_and_review_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "team.db")
    added = run_cli("user", "add", "ada", "--role", "reviewer", "--password-stdin", "--db", db, stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "added ada (reviewer)" in added.stdout
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    short = _cli("user", "add", "bob", "--role", "learner", "--password-stdin", "--db", db, stdin="short\n")
    assert short.exit_code == 2 and "at least 10" in short.stderr
    prompted = _cli("user", "add", "ivy", "--role", "interviewer", "--db", db, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD not in prompted.output  # hidden input
    assert (
        _cli("user", "add", "cam", "--role", "learner", "--password-stdin", "--db", db, stdin=PASSWORD).exit_code == 0
    )
    assert "ada is now admin" in _cli("user", "role", "ada", "admin", "--db", db).stdout
    assert _cli("user", "assign", "ivy", "cam", "--db", db).exit_code == 0
    wrong = _cli("user", "assign", "cam", "ivy", "--db", db)
    assert wrong.exit_code == 2 and "cannot interview candidates" in wrong.stderr
    assert _cli("user", "disable", "cam", "--db", db).exit_code == 0
    listed = json.loads(_cli("user", "list", "--format", "json", "--db", db).stdout)
    assert [(a["name"], a["role"], a["disabled"]) for a in listed] == [
        ("ada", "admin", False),
        ("cam", "learner", True),
        ("ivy", "interviewer", False),
    ]
    with Store.open(db) as store:
        ada = authenticate(store, "ada", PASSWORD)
        assert ada is not None and ada.role == "admin"
        assert authenticate(store, "cam", PASSWORD) is None
        ivy = authenticate(store, "ivy", PASSWORD)
        assert ivy is not None and [c.name for c in candidates_of(store, ivy.id)] == ["cam"]

    drill = tmp_path / "drill.md"
    drill.write_text(
        "# Drill\n\n### Q1: What is replication lag?\n\n**Answer:** The delay before a follower shows a write.\n\n"
        "### Q2: How do you read your own writes?\n\n**Answer:** Read from the leader for a while after writing.\n"
    )
    assert _cli("import", str(drill), "--db", db).exit_code == 0
    waiting = json.loads(_cli("review", "list", "--format", "json", "--db", db).stdout)
    assert len(waiting) == 2 and {w["version"] for w in waiting} == {1}
    first, second = (w["question_id"] for w in waiting)
    approved = run_cli("review", "approve", first, "--db", db)
    assert approved.returncode == 0 and "version 2 is published" in approved.stdout
    assert _cli("review", "reject", second, "--db", db).exit_code == 2  # --note is required
    assert _cli("review", "reject", second, "--note", "too thin", "--db", db).exit_code == 0
    assert "nothing waits for review" in _cli("review", "list", "--db", db).stdout
    with Store.open(db) as store:
        store.published_only = True
        assert [h.id for h in store.list()] == [first]


def test_an_unknown_name_costs_one_hash_check_like_a_known_one(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    create_account(store, "ada", PASSWORD, "learner")
    disable_me = create_account(store, "bob", PASSWORD, "learner")
    checks: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checks.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(accounts, "_HASHER", Counting(time_cost=1, memory_cost=8, parallelism=1))
    disable(store, disable_me.name)
    for name, password in (("ada", PASSWORD), ("ada", "wrong password"), ("nobody", PASSWORD), ("bob", PASSWORD)):
        authenticate(store, name, password)
    assert len(checks) == 4
    assert all(d.startswith("$argon2id$") for d in checks)


def test_the_public_api_is_complete() -> None:
    import archqa.team as team

    assert sorted(team.__all__) == sorted(team._LAZY)
    for name in team.__all__:
        assert getattr(team, name) is not None
    modules = (accounts, review_module, interviewer_module)
    public = {
        n
        for m in modules
        for n, v in vars(m).items()
        if not n.startswith("_") and getattr(v, "__module__", None) == m.__name__
    }
    assert public <= set(team.__all__), sorted(public - set(team.__all__))
