"""Optional OpenID Connect sign-in for a team server (the ``oidc`` extra: Authlib and joserfc).

The steps, each a function the web layer (``archqa.serve.oidc``) calls in turn:

1. :func:`discover` reads the provider's ``/.well-known/openid-configuration`` (its issuer must be the
   configured one).
2. :func:`start` makes the authorization URL with a fresh ``state``, ``nonce`` and PKCE verifier (S256); the
   caller keeps the three for the callback.
3. :func:`finish` exchanges the code at the token endpoint (client secret and PKCE verifier), then
   :func:`validate_id_token` checks the ID token's signature against the provider's JWKS and its ``iss``, ``aud``,
   ``exp`` and ``nonce``.
4. :func:`link_account` finds the account for the token's subject.

Linking: an account is linked by ``users.oidc_subject``, the issuer and the provider's ``sub`` (never by a name
or an e-mail address, which a provider's user may be able to choose). An unlinked person gets a new learner
account only when ``OidcConfig.allow_signup`` is set (``archqa serve --oidc-signup``), named from their
``preferred_username`` or e-mail (made unique with a number); otherwise they are refused with the subject to
link, which an admin links to an existing account with ``archqa user link-oidc NAME SUBJECT``. A disabled
account stays disabled. Nothing here talks to the network until it is called.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from archqa.errors import ConfigError

if TYPE_CHECKING:
    from archqa.store import Store
    from archqa.team.accounts import Account

SECRET_ENV = "ARCHQA_OIDC_CLIENT_SECRET"
"""The environment variable holding the client secret (never a flag: it would show in the process list)."""
REDIRECT_ENV = "ARCHQA_OIDC_REDIRECT_URL"
"""The environment variable with the callback URL registered at the provider, when the server cannot tell its
own public address (behind a proxy)."""
NAME_ENV = "ARCHQA_OIDC_NAME"
"""The environment variable naming the provider on the sign-in page (default: the issuer's host)."""
CALLBACK_PATH = "/signin/oidc/callback"
"""Where the provider sends the browser back to."""
ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")
"""The ID token signatures accepted (asymmetric only: ``none`` and HS256 are refused)."""
LEEWAY = 60
"""Seconds of clock difference allowed when checking ``exp`` and ``iat``."""
TIMEOUT = 10.0
"""Seconds to wait for the provider on each request."""

_NAME_CHARS = re.compile(r"[^A-Za-z0-9._@+-]+")


class OidcError(ConfigError):
    """An OpenID Connect sign-in failed: the provider, its answer or the ID token was not what it must be."""


class OidcConfig(BaseModel):
    """The provider a team server signs people in with: from ``archqa serve --oidc-issuer/--oidc-client-id``
    and the environment (:meth:`from_env`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: str
    client_id: str = Field(min_length=1)
    client_secret: str = Field(default="", repr=False)
    redirect_url: str = ""
    """The callback URL registered at the provider; empty: this server's own ``/signin/oidc/callback``."""
    name: str = ""
    """The provider as the sign-in page names it; empty: the issuer's host."""
    allow_signup: bool = False
    """Give an unlinked person a new learner account (else they are refused until an admin links them)."""
    scopes: tuple[str, ...] = ("openid", "profile", "email")

    @field_validator("issuer")
    @classmethod
    def _issuer_is_https(cls, value: str) -> str:
        parts = urlsplit(value)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError(f"the OIDC issuer {value!r} must be an https:// URL (http:// only on loopback)")
        return value.rstrip("/")

    @property
    def shown_name(self) -> str:
        """The provider's name for the "Sign in with ..." link."""
        return self.name or urlsplit(self.issuer).hostname or self.issuer

    @classmethod
    def from_env(cls, issuer: str, client_id: str, *, allow_signup: bool = False) -> OidcConfig:
        """The configuration for ``issuer`` and ``client_id``, the secret, callback URL and name from the
        environment (``ARCHQA_OIDC_CLIENT_SECRET``, ``ARCHQA_OIDC_REDIRECT_URL``, ``ARCHQA_OIDC_NAME``)."""
        secret = os.environ.get(SECRET_ENV, "")
        if not secret:
            raise ConfigError(
                f"--oidc-issuer needs the client secret the provider gave you in the environment variable {SECRET_ENV}"
            )
        try:
            return cls(
                issuer=issuer,
                client_id=client_id,
                client_secret=secret,
                redirect_url=os.environ.get(REDIRECT_ENV, ""),
                name=os.environ.get(NAME_ENV, ""),
                allow_signup=allow_signup,
            )
        except ValueError as exc:
            raise ConfigError(f"--oidc-issuer: {exc}") from None


@dataclass(frozen=True)
class ProviderMetadata:
    """What discovery says about the provider: where to send people and where its keys are."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class AuthRequest:
    """A sign-in under way: the URL to send the browser to, and what the callback must check."""

    url: str
    state: str
    nonce: str
    code_verifier: str


def _client(config: OidcConfig, redirect_url: str = "") -> Any:
    try:
        from authlib.integrations.httpx_client import OAuth2Client
    except ImportError:  # pragma: no cover - the extra is missing
        raise ConfigError("OIDC sign-in needs Authlib: pip install 'archqa[oidc]'") from None
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=" ".join(config.scopes),
        redirect_uri=redirect_url or None,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )


def _get_json(config: OidcConfig, url: str) -> dict[str, Any]:
    import httpx

    try:
        response = httpx.get(url, timeout=TIMEOUT, follow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError(
            f"{config.shown_name}: could not read {url} ({exc}); check --oidc-issuer and that the provider is up"
        ) from None
    if not isinstance(data, dict):
        raise OidcError(f"{config.shown_name}: {url} did not answer with a JSON object; check --oidc-issuer")
    return data


def discover(config: OidcConfig) -> ProviderMetadata:
    """The provider's endpoints from its discovery document; OidcError when it cannot be read, names another
    issuer, or lacks an endpoint."""
    url = f"{config.issuer}/.well-known/openid-configuration"
    data = _get_json(config, url)
    if str(data.get("issuer", "")).rstrip("/") != config.issuer:
        raise OidcError(
            f"{url} names the issuer {data.get('issuer')!r}, not {config.issuer!r}; set --oidc-issuer to the"
            " provider's issuer exactly"
        )
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not data.get(k)]
    if missing:
        raise OidcError(f"{url} has no {', '.join(missing)}; the provider does not support this sign-in")
    return ProviderMetadata(
        issuer=config.issuer,
        authorization_endpoint=str(data["authorization_endpoint"]),
        token_endpoint=str(data["token_endpoint"]),
        jwks_uri=str(data["jwks_uri"]),
    )


def start(config: OidcConfig, metadata: ProviderMetadata, redirect_url: str) -> AuthRequest:
    """A new sign-in: the authorization URL (authorization code flow, PKCE S256) with a fresh state and nonce."""
    from authlib.common.security import generate_token

    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), generate_token(64)
    with _client(config, redirect_url) as client:
        url, _ = client.create_authorization_url(
            metadata.authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce
        )
    return AuthRequest(url=str(url), state=state, nonce=nonce, code_verifier=verifier)


def finish(
    config: OidcConfig, metadata: ProviderMetadata, code: str, code_verifier: str, nonce: str, redirect_url: str
) -> dict[str, Any]:
    """Exchange the callback's ``code`` for tokens and return the validated ID token's claims."""
    from authlib.integrations.base_client import OAuthError

    try:
        with _client(config, redirect_url) as client:
            token = client.fetch_token(
                metadata.token_endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier
            )
    except OAuthError as exc:
        raise OidcError(f"{config.shown_name} refused the sign-in code ({exc.error}: {exc.description})") from None
    except Exception as exc:  # httpx's transport errors, a provider answering with something not JSON
        raise OidcError(f"{config.shown_name}: the token endpoint {metadata.token_endpoint} failed ({exc})") from None
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str) or not id_token:
        raise OidcError(f"{config.shown_name} sent no ID token; check that the client may use the 'openid' scope")
    return validate_id_token(config, metadata, id_token, nonce)


def validate_id_token(
    config: OidcConfig, metadata: ProviderMetadata, id_token: str, nonce: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The ID token's claims once its signature (against the provider's JWKS), issuer, audience, expiry and
    nonce are checked; OidcError naming what failed otherwise."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    keys = _get_json(config, metadata.jwks_uri)
    try:
        key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcError(f"{config.shown_name}: its keys at {metadata.jwks_uri} cannot be read ({exc})") from None
    try:
        token = jwt.decode(id_token, key_set, algorithms=list(ALGORITHMS))
    except (JoseError, ValueError) as exc:
        raise OidcError(
            f"the ID token from {config.shown_name} does not carry a valid signature from its keys ({exc})"
        ) from None
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        now=int((now or datetime.now(UTC)).timestamp()),
        leeway=LEEWAY,
        iss={"essential": True, "value": metadata.issuer},
        aud={"essential": True, "value": config.client_id},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise OidcError(f"the ID token from {config.shown_name} was refused: {exc}") from None
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != config.client_id:
        raise OidcError(f"the ID token from {config.shown_name} was issued to another client (azp)")
    return claims


def subject(claims: dict[str, Any]) -> str:
    """The key ``users.oidc_subject`` holds for the person: the issuer and their ``sub``, joined by a space."""
    return f"{str(claims['iss']).rstrip('/')} {claims['sub']}"


def _wanted_name(claims: dict[str, Any]) -> str:
    for value in (claims.get("preferred_username"), str(claims.get("email") or "").partition("@")[0]):
        cleaned = _NAME_CHARS.sub("-", str(value or "")).strip(".-_+@")[:56]
        if cleaned and cleaned[0].isalnum():
            return cleaned
    return "user"


def link_account(store: Store, config: OidcConfig, claims: dict[str, Any]) -> Account:
    """The account signed in by these (validated) claims: the one linked to their subject, else a new learner
    when ``allow_signup``; OidcError when there is none to sign in to or it is disabled."""
    from archqa.team.accounts import get_account

    key = subject(claims)
    row = store.db.execute("SELECT id FROM users WHERE oidc_subject=? AND id <> 0", (key,)).fetchone()
    if row is not None:
        account = get_account(store, int(row[0]))
        assert account is not None
        if account.disabled:
            raise OidcError(f"the account {account.name!r} is disabled; ask an admin of this server")
        return account
    if not config.allow_signup:
        raise OidcError(
            f"no account here is linked to your {config.shown_name} sign-in (subject {key!r}); ask an admin to run"
            f" `archqa user link-oidc NAME '{key}'`"
        )
    return _sign_up(store, key, claims)


def _sign_up(store: Store, key: str, claims: dict[str, Any]) -> Account:
    from archqa.team.accounts import get_account

    wanted = _wanted_name(claims)
    display = str(claims.get("name") or "")[:200]
    db = store.db
    db.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute("SELECT id FROM users WHERE oidc_subject=?", (key,)).fetchone()
        if row is None:  # nobody signed up with this subject meanwhile
            taken = {str(r[0]) for r in db.execute("SELECT name FROM users").fetchall()}
            name = next(n for n in (wanted, *(f"{wanted}-{i}" for i in range(2, 10_000))) if n not in taken)
            cur = db.execute(
                "INSERT INTO users (name, display_name, role, password_hash, oidc_subject, created_at, disabled)"
                " VALUES (?,?,'learner',NULL,?,?,0)",
                (name, display, key, datetime.now(UTC).isoformat()),
            )
            user_id = int(cur.lastrowid or 0)
        else:
            user_id = int(row[0])
        db.execute("COMMIT")
    except BaseException:
        store._rollback()
        raise
    account = get_account(store, user_id)
    assert account is not None
    return account


def link(store: Store, name: str, key: str) -> Account:
    """Link account ``name`` to an OIDC subject (``ISSUER SUB``, as a refused sign-in shows it); an empty ``key``
    unlinks it."""
    from archqa.team.accounts import account_by_name

    account = account_by_name(store, name)
    if account is None:
        raise ConfigError(f"{store.location}: no account is called {name!r}; see `archqa user list`")
    if key and (" " not in key.strip() or not key.startswith(("https://", "http://"))):
        raise ConfigError(f"{key!r} is not a subject: give the issuer URL and the sub, as the refused sign-in showed")
    value = key.strip() or None
    if value:
        other = store.db.execute("SELECT name FROM users WHERE oidc_subject=? AND id <> ?", (value, account.id))
        row = other.fetchone()
        if row is not None:
            raise ConfigError(f"{store.location}: that subject is linked to {row[0]!r} already; unlink it first")
    store.db.execute("UPDATE users SET oidc_subject=? WHERE id=?", (value, account.id))
    return account
