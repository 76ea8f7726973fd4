"""`archqa serve`: the web app on this machine (loopback unless told otherwise)."""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archqa.cli.common import echo, handle_errors
from archqa.cli.store import db_option

if TYPE_CHECKING:
    from archqa.team.oidc import OidcConfig


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port to listen on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback lets other machines in: without --team the app has no accounts.",
)
@click.option(
    "--team",
    is_flag=True,
    help="Team mode: everyone signs in with an account, each person's practice is their "
    "own, and browsing shows published questions only. On by itself for a postgresql:// --db or a store with "
    "accounts (`archqa user add`).",
)
@click.option(
    "--oidc-issuer",
    metavar="URL",
    help="Team mode: also sign in with this OpenID Connect provider (its issuer URL), with the client secret in "
    "ARCHQA_OIDC_CLIENT_SECRET; needs --oidc-client-id and the oidc extra. The provider must allow the callback "
    "URL http(s)://HOST:PORT/signin/oidc/callback (or set ARCHQA_OIDC_REDIRECT_URL).",
)
@click.option("--oidc-client-id", metavar="ID", help="The client id this server has at the --oidc-issuer provider.")
@click.option(
    "--oidc-signup",
    is_flag=True,
    help="Give someone the provider signs in, who has no linked account, a new learner account (without it an "
    "admin links accounts with `archqa user link-oidc`).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the app in the default browser once it listens.")
@db_option
@handle_errors
def serve(
    port: int,
    host: str,
    open_browser: bool,
    team: bool,
    oidc_issuer: str | None,
    oidc_client_id: str | None,
    oidc_signup: bool,
    db: Path | str | None,
) -> None:
    """Browse, search, practise, generate and interview in the browser, over the local store.

    Everything is served from this machine: the bank, htmx and Mermaid ship in the package, and nothing is
    fetched from the network. Stop with Ctrl-C.
    """
    import uvicorn

    from archqa.serve import ServeConfig, create_app
    from archqa.serve.config import is_loopback

    accounts = _accounts(db)
    team = team or accounts > 0 or str(db or "").startswith(("postgresql://", "postgres://"))
    oidc = _oidc(oidc_issuer, oidc_client_id, oidc_signup, team)
    if team and accounts == 0 and not (oidc and oidc.allow_signup):  # with --oidc-signup, people sign up
        echo(
            "archqa: warning: team mode, but the store has no accounts yet, so nobody can sign in: add one with "
            "`archqa user add NAME --role admin` (same --db).",
            err=True,
        )
    if not is_loopback(host) and not team:
        echo(
            f"archqa: warning: listening on {host}: anyone who can reach this machine can use the app and "
            "read your answers (it has no accounts). Use --host 127.0.0.1 to keep it to yourself.",
            err=True,
        )
    config = ServeConfig(db=db, host=host, port=port, team=team, oidc=oidc)
    app = create_app(config)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    echo(f"archqa serve: {url}{' (team mode: sign in with an account)' if team else ''} (Ctrl-C stops it)")
    if open_browser:
        threading.Timer(0.8, webbrowser.open, (url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def _oidc(issuer: str | None, client_id: str | None, signup: bool, team: bool) -> OidcConfig | None:
    """The OpenID Connect provider from the flags and the environment, or None when none is asked for."""
    from archqa.errors import ConfigError
    from archqa.team.oidc import OidcConfig

    if not issuer and not client_id:
        return None
    if not issuer or not client_id:
        raise ConfigError("OIDC sign-in needs both --oidc-issuer URL and --oidc-client-id ID")
    if not team:
        raise ConfigError("OIDC sign-in is for team mode: add --team (or serve a postgresql:// --db)")
    return OidcConfig.from_env(issuer, client_id, allow_signup=signup)


def _accounts(db: Path | str | None) -> int:
    """How many accounts the store has (0 for a local store, or when archqa's team extra is not installed)."""
    from archqa.store import Store

    try:
        from archqa.team.accounts import list_accounts
    except ImportError:
        return 0
    with Store.open(db) as store:
        return len(list_accounts(store))


COMMANDS = [serve]
