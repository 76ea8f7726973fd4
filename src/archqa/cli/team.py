"""`archqa user` and `archqa review`: a team store's accounts and its review queue, from the machine that holds
the store (whoever runs these acts as the store's operator, user 0)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archqa.cli.common import echo, handle_errors
from archqa.cli.store import db_option, format_option

if TYPE_CHECKING:
    from archqa.store import Store

ROLE_HELP = "learner, interviewer, author, reviewer or admin"


@click.group("user")
def user() -> None:
    """Accounts of a team store: add, list, change role or password, disable, assign and unassign candidates.

    A store with any account is a team store: its imports wait for review and `archqa serve` asks everyone
    to sign in.
    """


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True))


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, help=f"The account's role: {ROLE_HELP}.")
@click.option("--display-name", default="", help="The name others see (default: NAME).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking twice with hidden input.",
)
@db_option
@handle_errors
def user_add(name: str, role: str, display_name: str, password_stdin: bool, db: Path | str | None) -> None:
    """Add an account NAME with a password (at least 10 characters; stored as an argon2id hash)."""
    from archqa.store import Store
    from archqa.team.accounts import create_account

    password = _read_password(password_stdin)
    with Store.open(db) as store:
        account = create_account(store, name, password, role, display_name=display_name)
    echo(f"added {account.name} ({account.role}), id {account.id}")


@user.command("list")
@db_option
@format_option
@handle_errors
def user_list(db: Path | str | None, fmt: str) -> None:
    """List the accounts: id, name, role, display name, and whether disabled."""
    from archqa.store import Store
    from archqa.team.accounts import list_accounts

    with Store.open(db) as store:
        accounts = list_accounts(store)
    if fmt == "json":
        click.echo(json.dumps([a.model_dump() for a in accounts], indent=2, ensure_ascii=False))
        return
    if not accounts:
        echo("no accounts: this is a local store (add one with `archqa user add NAME --role admin`)")
        return
    width = max(len(a.name) for a in accounts)
    for a in accounts:
        state = "  disabled" if a.disabled else ""
        shown = f"  {a.display_name}" if a.display_name else ""
        echo(f"{a.id:>4}  {a.name:<{width}}  {a.role:<11}{shown}{state}".rstrip())


@user.command("role")
@click.argument("name")
@click.argument("role")
@db_option
@handle_errors
def user_role(name: str, role: str, db: Path | str | None) -> None:
    """Give account NAME another ROLE (learner, interviewer, author, reviewer or admin)."""
    from archqa.store import Store
    from archqa.team.accounts import set_role

    with Store.open(db) as store:
        account = set_role(store, name, role)
    echo(f"{account.name} is now {account.role}")


@user.command("disable")
@click.argument("name")
@db_option
@handle_errors
def user_disable(name: str, db: Path | str | None) -> None:
    """Stop account NAME from signing in and end its sessions (its practice and history stay)."""
    from archqa.store import Store
    from archqa.team.accounts import disable

    with Store.open(db) as store:
        disable(store, name)
    echo(f"disabled {name}")


@user.command("assign")
@click.argument("interviewer")
@click.argument("candidate")
@db_option
@handle_errors
def user_assign(interviewer: str, candidate: str, db: Path | str | None) -> None:
    """Let INTERVIEWER see CANDIDATE's practice, build sets for them and record scorecards."""
    from archqa.store import Store
    from archqa.team.accounts import assign

    with Store.open(db) as store:
        assign(store, *_account_ids(store, interviewer, candidate))
    echo(f"{interviewer} now interviews {candidate}")


@user.command("password")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the new password from the first line of standard input instead of asking twice with hidden input.",
)
@db_option
@handle_errors
def user_password(name: str, password_stdin: bool, db: Path | str | None) -> None:
    """Give account NAME a new password (at least 10 characters); its open sessions end."""
    from archqa.store import Store
    from archqa.team.accounts import set_password

    password = _read_password(password_stdin)
    with Store.open(db) as store:
        set_password(store, name, password)
    echo(f"{name} has a new password; their sessions have ended")


@user.command("unassign")
@click.argument("interviewer")
@click.argument("candidate")
@db_option
@handle_errors
def user_unassign(interviewer: str, candidate: str, db: Path | str | None) -> None:
    """Stop INTERVIEWER seeing CANDIDATE's practice (their sets and scorecards stay in the store)."""
    from archqa.store import Store
    from archqa.team.accounts import is_assigned, unassign

    with Store.open(db) as store:
        ids = _account_ids(store, interviewer, candidate)
        if not is_assigned(store, *ids):
            echo(f"{interviewer} was not assigned to {candidate}: nothing changed")
            return
        unassign(store, *ids)
    echo(f"{interviewer} no longer interviews {candidate}")


@user.command("link-oidc")
@click.argument("name")
@click.argument("subject")
@db_option
@handle_errors
def user_link_oidc(name: str, subject: str, db: Path | str | None) -> None:
    """Let account NAME sign in with OpenID Connect as SUBJECT: the issuer URL and the provider's user id
    (`sub`) separated by a space, as the refused sign-in page shows it. An empty SUBJECT ('') unlinks."""
    from archqa.store import Store
    from archqa.team.oidc import link

    with Store.open(db) as store:
        link(store, name, subject)
    echo(f"{name} now signs in as {subject!r}" if subject.strip() else f"{name} is no longer linked to OIDC")


def _account_ids(store: Store, *names: str) -> tuple[int, int]:
    """The ids of the two accounts called ``names``; ConfigError naming the first that does not exist."""
    from archqa.errors import ConfigError
    from archqa.team.accounts import account_by_name

    ids = []
    for n in names:
        account = account_by_name(store, n)
        if account is None:
            raise ConfigError(f"{store.location}: no account is called {n!r}; see `archqa user list`")
        ids.append(account.id)
    return ids[0], ids[1]


@click.group("review")
def review() -> None:
    """The shared bank's review queue: list what waits, approve or reject it.

    Imported and model-written questions on a team store wait here; learners see a question once it is
    approved. Whoever runs these acts as the store's operator (user 0).
    """


@review.command("list")
@db_option
@format_option
@handle_errors
def review_list(db: Path | str | None, fmt: str) -> None:
    """List the questions waiting for review, the longest waiting first."""
    from archqa.store import Store
    from archqa.team.review import queue

    with Store.open(db) as store:
        items = queue(store)
    if fmt == "json":
        click.echo(json.dumps([i.model_dump(mode="json") for i in items], indent=2, ensure_ascii=False))
        return
    if not items:
        echo("nothing waits for review")
        return
    for i in items:
        found = f"{i.errors} errors, {i.warnings} warnings" if i.errors or i.warnings else "no findings"
        if not i.checked:
            found = "validated on approval"
        echo(f"{i.question_id}  v{i.version} {i.origin} by {i.user_name}, {found}")
        echo(f"    {i.title}")
    echo(f"{len(items)} waiting; approve one with `archqa review approve ID`")


@review.command("approve")
@click.argument("question_id", metavar="ID")
@click.option("--note", default="", help="Why, for the question's history.")
@db_option
@handle_errors
def review_approve(question_id: str, note: str, db: Path | str | None) -> None:
    """Publish question ID's current version; refused while the validator finds errors in it."""
    from archqa.store import Store
    from archqa.team.review import approve

    with Store.open(db) as store:
        version = approve(store, question_id, 0, note)
    echo(f"approved {question_id}: version {version.version} is published")


@review.command("reject")
@click.argument("question_id", metavar="ID")
@click.option("--note", required=True, help="Why it is rejected, for its author and its history.")
@db_option
@handle_errors
def review_reject(question_id: str, note: str, db: Path | str | None) -> None:
    """Reject question ID's current version: learners never see it unless it is edited and approved."""
    from archqa.store import Store
    from archqa.team.review import reject

    with Store.open(db) as store:
        version = reject(store, question_id, 0, note)
    echo(f"rejected {question_id}: version {version.version}")


COMMANDS = (user, review)
