"""Accounts on a team store: people with one role each, argon2id passwords, server-side sessions, and which
interviewer may see which candidate.

User 0 (``local``) is the one person of a local store: it has no password and can never sign in. A store is a
team store (``is_team``) as soon as it has any other account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel

from archqa.errors import ConfigError
from archqa.store import Store

ROLES = ("learner", "interviewer", "author", "reviewer", "admin")
"""Every role an account can have, from the least to the most trusted."""

PERMISSIONS: dict[str, frozenset[str]] = {
    "practice": frozenset(ROLES),
    "author": frozenset({"author", "reviewer", "admin"}),
    "review": frozenset({"reviewer", "admin"}),
    "interview_candidates": frozenset({"interviewer", "admin"}),
    "admin": frozenset({"admin"}),
}
"""Each permission and the roles that have it."""

MIN_PASSWORD = 10
"""The shortest password an account may have."""

SESSION_LIFETIME = timedelta(hours=12)

LOCAL_USER = 0
"""The id of the local store's one person (no password; cannot sign in)."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
_HASHER = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 low-memory parameters
_COLUMNS = "id, name, display_name, role, disabled"


class AccessDenied(ConfigError):
    """An account asked for something its role or its assignments do not allow."""


class Account(BaseModel):
    """A person on a team store: what the web app and the command line show and check."""

    id: int
    name: str
    display_name: str
    role: str
    disabled: bool

    @property
    def shown_name(self) -> str:
        """The display name, else the sign-in name."""
        return self.display_name or self.name


def may(role: str, permission: str) -> bool:
    """Whether ``role`` has ``permission`` (see ``PERMISSIONS``); False for an unknown permission."""
    return role in PERMISSIONS.get(permission, frozenset())


@cache
def _dummy_hash() -> str:
    """What an unknown name's password is checked against (made on first use, not at import)."""
    return _HASHER.hash("an unknown account's password is checked against this")


def _now() -> datetime:
    return datetime.now(UTC)


def _account(row: tuple[object, ...] | None) -> Account | None:
    if row is None:
        return None
    return Account(
        id=int(str(row[0])),
        name=str(row[1]),
        display_name=str(row[2]),
        role=str(row[3]),
        disabled=bool(row[4]),
    )


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD} (a few words make a good one)"
        )
    return password


def _named(store: Store, name: str) -> Account:
    """The account called ``name``; ConfigError when there is none (user 0 is not an account to change)."""
    found = account_by_name(store, name)
    if found is None:
        raise ConfigError(f"{store.location}: no account is called {name!r}; see `archqa user list`")
    return found


def account_by_name(store: Store, name: str) -> Account | None:
    """The account signing in as ``name`` (never user 0), or None."""
    row = store.db.execute(f"SELECT {_COLUMNS} FROM users WHERE name=? AND id <> 0", (name,)).fetchone()
    return _account(row)


def get_account(store: Store, user_id: int) -> Account | None:
    """The account with this id (user 0 included: the local person), or None."""
    row = store.db.execute(f"SELECT {_COLUMNS} FROM users WHERE id=?", (user_id,)).fetchone()
    return _account(row)


def list_accounts(store: Store) -> list[Account]:
    """Every account by name; user 0, the local person, is not one."""
    rows = store.db.execute(f"SELECT {_COLUMNS} FROM users WHERE id <> 0 ORDER BY name").fetchall()
    return [a for a in map(_account, rows) if a is not None]


def is_team(store: Store) -> bool:
    """True when the store has any account besides user 0: it is shared, and questions need review."""
    return store.db.execute("SELECT 1 FROM users WHERE id <> 0 LIMIT 1").fetchone() is not None


def create_account(store: Store, name: str, password: str, role: str, display_name: str = "") -> Account:
    """A new account with an argon2id password hash (the password itself is never stored)."""
    if not _NAME.match(name):
        raise ConfigError(
            f"{name!r} cannot be an account name; use up to 64 letters, digits and . _ @ + - (starting with a letter"
            " or digit)"
        )
    _check_role(role)
    _check_password(password)
    digest = _HASHER.hash(password)
    db = store.db
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone():
            raise ConfigError(f"{store.location}: an account called {name!r} exists already; choose another name")
        cur = db.execute(
            "INSERT INTO users (name, display_name, role, password_hash, created_at, disabled) VALUES (?,?,?,?,?,0)",
            (name, display_name, role, digest, _now().isoformat()),
        )
        user_id = int(cur.lastrowid or 0)
        db.execute("COMMIT")
    except BaseException:
        store._rollback()
        raise
    account = get_account(store, user_id)
    assert account is not None
    return account


def set_password(store: Store, name: str, password: str) -> None:
    """Give the account a new password; its open sessions end."""
    _check_password(password)
    account = _named(store, name)
    store.db.execute("BEGIN IMMEDIATE")
    try:
        store.db.execute("UPDATE users SET password_hash=? WHERE id=?", (_HASHER.hash(password), account.id))
        store.db.execute("DELETE FROM sessions WHERE user_id=?", (account.id,))
        store.db.execute("COMMIT")
    except BaseException:
        store._rollback()
        raise


def set_role(store: Store, name: str, role: str) -> Account:
    """Give the account another role (it applies to its next request); returns the changed account."""
    _check_role(role)
    account = _named(store, name)
    store.db.execute("UPDATE users SET role=? WHERE id=?", (role, account.id))
    return account.model_copy(update={"role": role})


def disable(store: Store, name: str) -> None:
    """Stop the account from signing in and end its sessions; its practice and history stay."""
    account = _named(store, name)
    store.db.execute("BEGIN IMMEDIATE")
    try:
        store.db.execute("UPDATE users SET disabled=1 WHERE id=?", (account.id,))
        store.db.execute("DELETE FROM sessions WHERE user_id=?", (account.id,))
        store.db.execute("COMMIT")
    except BaseException:
        store._rollback()
        raise


def authenticate(store: Store, name: str, password: str) -> Account | None:
    """The account when ``password`` is its password, else None (unknown name, wrong password, disabled or no
    password). An unknown name costs one hash check too, so timing does not tell which names exist."""
    row = store.db.execute(f"SELECT {_COLUMNS}, password_hash FROM users WHERE name=? AND id <> 0", (name,)).fetchone()
    digest = row[5] if row is not None and row[5] else _dummy_hash()
    ok: bool
    try:
        ok = _HASHER.verify(digest, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if row is None or not row[5] or not ok:
        return None
    account = _account(row[:5])
    if account is None or account.disabled:
        return None
    if _HASHER.check_needs_rehash(digest):
        store.db.execute("UPDATE users SET password_hash=? WHERE id=?", (_HASHER.hash(password), account.id))
    return account


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, user_id: int, lifetime: timedelta = SESSION_LIFETIME) -> tuple[str, str]:
    """A new sign-in session for the account: (token for the cookie, CSRF token). Only sha256(token) is stored,
    so the sessions table cannot be used to sign in."""
    if user_id == LOCAL_USER:
        raise ConfigError(
            "user 0 is the local store's person and cannot sign in; create an account with `archqa user add`"
        )
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    store.db.execute(
        "INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES (?,?,?,?,?)",
        (_token_id(token), user_id, csrf, now.isoformat(), (now + lifetime).isoformat()),
    )
    return token, csrf


def session_account(store: Store, token: str) -> tuple[Account, str] | None:
    """The signed-in account and its CSRF token for a cookie's session token; None when the session is unknown,
    expired, or its account disabled."""
    if not token:
        return None
    row = store.db.execute(
        "SELECT u.id, u.name, u.display_name, u.role, u.disabled, s.csrf, s.expires_at FROM sessions s"
        " JOIN users u ON u.id = s.user_id WHERE s.id=?",
        (_token_id(token),),
    ).fetchone()
    if row is None:
        return None
    if datetime.fromisoformat(str(row[6])) <= _now():
        store.db.execute("DELETE FROM sessions WHERE id=?", (_token_id(token),))
        return None
    account = _account(row[:5])
    if account is None or account.disabled:
        return None
    return account, str(row[5])


def end_session(store: Store, token: str) -> None:
    """Sign out: the session is forgotten (nothing happens for an unknown token)."""
    store.db.execute("DELETE FROM sessions WHERE id=?", (_token_id(token),))


def assign(store: Store, interviewer_id: int, candidate_id: int) -> None:
    """Let the interviewer see the candidate's practice and build sets for them (again is a no-op)."""
    interviewer, candidate = get_account(store, interviewer_id), get_account(store, candidate_id)
    if interviewer is None or interviewer_id == LOCAL_USER:
        raise ConfigError(f"{store.location}: no account has id {interviewer_id}; see `archqa user list`")
    if candidate is None or candidate_id == LOCAL_USER:
        raise ConfigError(f"{store.location}: no account has id {candidate_id}; see `archqa user list`")
    if not may(interviewer.role, "interview_candidates"):
        raise ConfigError(
            f"{interviewer.name!r} is a {interviewer.role} and cannot interview candidates; give them the interviewer"
            f" role first (`archqa user role {interviewer.name} interviewer`)"
        )
    if interviewer_id == candidate_id:
        raise ConfigError(f"{interviewer.name!r} cannot be their own candidate; assign another account")
    store.db.execute(
        "INSERT INTO assignments (interviewer_id, candidate_id, assigned_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
        (interviewer_id, candidate_id, _now().isoformat()),
    )


def unassign(store: Store, interviewer_id: int, candidate_id: int) -> None:
    """The interviewer no longer sees the candidate (nothing happens when they were not assigned)."""
    store.db.execute(
        "DELETE FROM assignments WHERE interviewer_id=? AND candidate_id=?", (interviewer_id, candidate_id)
    )


def candidates_of(store: Store, interviewer_id: int) -> list[Account]:
    """The accounts assigned to the interviewer, by name."""
    rows = store.db.execute(
        "SELECT u.id, u.name, u.display_name, u.role, u.disabled FROM assignments a JOIN users u"
        " ON u.id = a.candidate_id WHERE a.interviewer_id=? ORDER BY u.name",
        (interviewer_id,),
    ).fetchall()
    return [a for a in map(_account, rows) if a is not None]


def is_assigned(store: Store, interviewer_id: int, candidate_id: int) -> bool:
    """Whether the candidate is assigned to the interviewer."""
    row = store.db.execute(
        "SELECT 1 FROM assignments WHERE interviewer_id=? AND candidate_id=?", (interviewer_id, candidate_id)
    ).fetchone()
    return row is not None


def require_assigned(store: Store, interviewer_id: int, candidate_id: int) -> None:
    """AccessDenied unless the candidate is assigned to the interviewer."""
    if not is_assigned(store, interviewer_id, candidate_id):
        raise AccessDenied(
            f"account {interviewer_id} is not assigned to candidate {candidate_id}; an admin can assign them with"
            " `archqa user assign INTERVIEWER CANDIDATE`"
        )
