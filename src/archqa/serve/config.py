"""The web app's settings, checked at the boundary (pydantic)."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from archqa.team.oidc import OidcConfig

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


class ServeConfig(BaseModel):
    """Where the app keeps its data and whom it answers.

    ``db`` is the store: a SQLite file (None: the default store, ``ARCHQA_DB`` or the XDG data folder) or a
    ``postgresql://`` URL; ``bank`` a bank
    folder instead of the bundled one. ``allowed_hosts`` are the Host headers the app answers to: the loopback
    names unless the server listens on another address, which defends against DNS rebinding. ``team`` is
    team mode (below); off, the app is one person's, as before.
    """

    model_config = ConfigDict(frozen=True)

    db: Path | str | None = None
    bank: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    allowed_hosts: tuple[str, ...] = ()
    team: bool = False
    """Team mode: people sign in with an account (``archqa.team.accounts``), every page asks for a permission
    (``archqa.serve.auth.requires``), practice state is each person's own and browsing shows only published
    questions. ``archqa serve`` turns it on for a ``postgresql://`` store or with ``--team``."""
    oidc: OidcConfig | None = None
    """In team mode, also sign in with this OpenID Connect provider (``archqa.serve.oidc``)."""

    def hosts(self) -> list[str]:
        """The Host header values to accept (a port after the name is allowed by the middleware)."""
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        if is_loopback(self.host):
            return ["127.0.0.1", "localhost", "::1", "[::1]", "testserver"]
        return ["*"]


def is_loopback(host: str) -> bool:
    """True for a name or address that only this machine can reach."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
