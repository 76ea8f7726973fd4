"""OpenID Connect sign-in against a loopback provider: a small http.server in a thread on 127.0.0.1 serving
discovery, JWKS, an authorize endpoint that signs the person in at once, and a token endpoint that checks the
client secret and the PKCE verifier and signs ID tokens with an RSA key made here. The web app is driven with
TestClient; its calls to the provider go over loopback, never further.

A good sign-in links or creates the account and starts a session; a wrong or replayed state, another browser,
a bad signature, another audience, an expired token and a wrong nonce are each refused with a page, and nobody
is signed in."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.testclient import TestClient

from archqa.errors import ConfigError
from archqa.serve import ServeConfig, create_app
from archqa.serve.auth import SESSION_COOKIE
from archqa.store import Store
from archqa.team import accounts, list_accounts
from archqa.team.accounts import create_account, session_account
from archqa.team.oidc import OidcConfig, OidcError, discover, link, link_account
from tests.pg_support import pg_url, postgres_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow  # a provider server in a thread (about 5 s in all)

CLIENT_ID = "archqa-test"
CLIENT_SECRET = "a-client-secret-for-tests"
PASSWORD = "correct horse battery"


@dataclass
class Provider:
    """The loopback provider's state: who signs in next, and what to get wrong in the ID token."""

    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "good"}))
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "good"}))
    user: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    tamper: dict[str, Any] = field(default_factory=dict)
    token_calls: int = 0

    def id_token(self, grant: dict[str, str]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": self.user["sub"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **{k: v for k, v in self.user.items() if k != "sub"},
        }
        claims.update(self.tamper.get("claims", {}))
        key = self.other_key if self.tamper.get("other_key") else self.key
        return jwt.encode({"alg": "RS256", "kid": "good"}, claims, key)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _json(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                base = provider.issuer
                self._json(
                    200,
                    {
                        "issuer": base,
                        "authorization_endpoint": f"{base}/authorize",
                        "token_endpoint": f"{base}/token",
                        "jwks_uri": f"{base}/jwks",
                        "response_types_supported": ["code"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                    },
                )
            elif url.path == "/jwks":
                self._json(200, KeySet([provider.key]).as_dict(private=False))
            elif url.path == "/authorize":  # the person signs in at once
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
                assert q["code_challenge_method"] == "S256" and "openid" in q["scope"].split()
                code = secrets.token_urlsafe(16)
                provider.codes[code] = q
                self.send_response(302)
                self.send_header("location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            provider.token_calls += 1
            length = int(self.headers.get("content-length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.headers.get("authorization") != f"Basic {basic}":
                return self._json(401, {"error": "invalid_client"})
            grant = provider.codes.pop(form.get("code", ""), None)
            if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                return self._json(400, {"error": "invalid_grant", "error_description": "unknown code"})
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != grant["code_challenge"]:
                return self._json(400, {"error": "invalid_grant", "error_description": "PKCE verifier"})
            self._json(
                200,
                {"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": provider.id_token(grant)},
            )

    return Handler


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    p = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(p))
    p.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield p
    server.shutdown()
    server.server_close()


@pytest.fixture
def idp(provider: Provider) -> Provider:
    provider.tamper = {}
    provider.codes.clear()
    provider.user = {"sub": "u-123", "preferred_username": "grace", "email": "grace@example.org", "name": "Grace H"}
    return provider


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    location = tmp_path / "team.db"
    with Store.open(location) as store:
        create_account(store, "ada", PASSWORD, "admin")
    return location


def _app(db: Path, idp: Provider, *, signup: bool = True) -> TestClient:
    oidc = OidcConfig(issuer=idp.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, allow_signup=signup)
    return TestClient(create_app(ServeConfig(db=db, team=True, oidc=oidc)), follow_redirects=False)


def _to_provider(client: TestClient, next_: str = "/") -> str:
    """Start signing in; the provider's answer: the callback URL (path and query) to send the browser back to."""
    r = client.get("/signin/oidc", params={"next": next_})
    assert r.status_code == 303, r.text[:300]
    at = httpx.get(r.headers["location"], follow_redirects=False)
    assert at.status_code == 302
    back = urlsplit(at.headers["location"])
    assert back.path == "/signin/oidc/callback"
    return f"{back.path}?{back.query}"


def _signed_in(db: Path, client: TestClient) -> str | None:
    """The name of the account the client's session belongs to, or None."""
    token = client.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with Store.open(db) as store:
        found = session_account(store, token)
    return None if found is None else found[0].name


def test_the_sign_in_page_offers_the_provider_only_when_configured(db: Path, idp: Provider) -> None:
    page = _app(db, idp).get("/signin?next=/browse").text
    assert 'href="/signin/oidc?next=/browse"' in page and "Sign in with 127.0.0.1" in page
    plain = TestClient(create_app(ServeConfig(db=db, team=True)), follow_redirects=False)
    assert "/signin/oidc" not in plain.get("/signin").text
    missing = plain.get("/signin/oidc")
    assert missing.status_code == 404 and "no OpenID Connect sign-in" in missing.text


def test_a_sign_in_creates_a_learner_then_signs_the_same_account_in_again(db: Path, idp: Provider) -> None:
    client = _app(db, idp)
    start = client.get("/signin/oidc", params={"next": "/progress"})
    sent = parse_qs(urlsplit(start.headers["location"]).query)
    assert sent["code_challenge_method"] == ["S256"] and sent["nonce"][0] and sent["state"][0]
    assert "HttpOnly" in start.headers["set-cookie"] and "Path=/signin/oidc" in start.headers["set-cookie"]
    callback = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    done = client.get(callback)
    assert done.status_code == 303 and done.headers["location"] == "/progress", done.text[:400]
    assert _signed_in(db, client) == "grace"
    with Store.open(db) as store:
        grace = next(a for a in list_accounts(store) if a.name == "grace")
        assert (grace.role, grace.display_name) == ("learner", "Grace H")
        assert store.db.execute("SELECT oidc_subject, password_hash FROM users WHERE name='grace'").fetchone() == (
            f"{idp.issuer} u-123",
            None,
        )

    again = _app(db, idp)
    assert again.get(_to_provider(again)).status_code == 303
    assert _signed_in(db, again) == "grace"
    with Store.open(db) as store:
        assert [a.name for a in list_accounts(store)] == ["ada", "grace"]  # the same account, not a second one

    idp.user = {"sub": "u-456", "preferred_username": "grace"}  # another person who calls themselves grace
    other = _app(db, idp)
    assert other.get(_to_provider(other)).status_code == 303
    assert _signed_in(db, other) == "grace-2"


def test_without_signup_an_unlinked_person_is_refused_until_an_admin_links_them(db: Path, idp: Provider) -> None:
    client = _app(db, idp, signup=False)
    refused = client.get(_to_provider(client))
    assert refused.status_code == 400 and "no account here is linked" in refused.text
    assert "archqa user link-oidc NAME" in refused.text and "Traceback" not in refused.text
    assert _signed_in(db, client) is None
    with Store.open(db) as store:
        link(store, "ada", f"{idp.issuer} u-123")
        with pytest.raises(ConfigError, match="not a subject"):
            link(store, "ada", "u-123")
    assert client.get(_to_provider(client)).status_code == 303
    assert _signed_in(db, client) == "ada"  # linked by subject, never by the name the provider sent


def _refused(client: TestClient, callback: str, why: str) -> None:
    r = client.get(callback)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert why in r.text, r.text[:2000]
    assert "Traceback" not in r.text and SESSION_COOKIE not in r.headers.get("set-cookie", "")


def test_a_wrong_state_and_a_replayed_state_are_refused(db: Path, idp: Provider) -> None:
    client = _app(db, idp)
    callback = _to_provider(client)
    path, _, query = callback.partition("?")
    q = {k: v[0] for k, v in parse_qs(query).items()}
    calls = idp.token_calls
    _refused(client, f"{path}?{urlencode({**q, 'state': 'not-the-state'})}", "unknown, was used already")
    _refused(client, f"{path}?{urlencode({'code': q['code']})}", "unknown, was used already")
    assert idp.token_calls == calls  # the code was never sent to the provider
    assert client.get(callback).status_code == 303
    _refused(client, callback, "was used already")
    assert _signed_in(db, client) == "grace"


def test_a_state_from_another_browser_is_refused(db: Path, idp: Provider) -> None:
    attacker = _app(db, idp)
    victim = TestClient(attacker.app, follow_redirects=False)  # the same server, another browser
    callback = _to_provider(attacker)  # the attacker's sign-in, sent to the victim as a link
    _refused(victim, callback, "started in another browser")
    victim.cookies.set("archqa_oidc", "a-guess", path="/signin/oidc")
    _refused(victim, callback, "unknown, was used already")  # taken by the first try
    assert _signed_in(db, victim) is None


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        ({"other_key": True}, "does not carry a valid signature"),
        ({"claims": {"aud": "another-client"}}, "aud"),
        ({"claims": {"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}}, "expired"),
        ({"claims": {"nonce": "another-nonce"}}, "nonce"),
        ({"claims": {"iss": "http://127.0.0.1:1"}}, "iss"),
    ],
    ids=["bad-signature", "wrong-audience", "expired", "wrong-nonce", "wrong-issuer"],
)
def test_a_bad_id_token_is_refused(db: Path, idp: Provider, tamper: dict[str, Any], why: str) -> None:
    client = _app(db, idp)
    idp.tamper = tamper
    _refused(client, _to_provider(client), why)
    assert _signed_in(db, client) is None
    with Store.open(db) as store:
        assert [a.name for a in list_accounts(store)] == ["ada"]


def test_the_provider_saying_no_is_a_page(db: Path, idp: Provider) -> None:
    client = _app(db, idp)
    start = client.get("/signin/oidc")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    said = {"error": "access_denied", "error_description": "no", "state": state}
    r = client.get("/signin/oidc/callback", params=said)
    assert r.status_code == 400 and "did not sign you in: no" in r.text
    late = client.get("/signin/oidc/callback", params={"code": "a-code", "state": state})
    assert late.status_code == 400 and "unknown, was used already" in late.text  # that sign-in is over


def test_discovery_must_name_the_configured_issuer_and_a_disabled_account_stays_out(db: Path, idp: Provider) -> None:
    wrong = OidcConfig(issuer=idp.issuer + "/other", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with pytest.raises(OidcError, match="could not read|names the issuer"):
        discover(wrong)
    with pytest.raises(ValueError, match="https"):
        OidcConfig(issuer="http://idp.example.org", client_id=CLIENT_ID)
    config = OidcConfig(issuer=idp.issuer, client_id=CLIENT_ID, allow_signup=True)
    claims = {"iss": idp.issuer, "sub": "u-9", "email": "zoe@example.org"}
    with Store.open(db) as store:
        zoe = link_account(store, config, claims)
        assert (zoe.name, zoe.role) == ("zoe", "learner")
        accounts.disable(store, "zoe")
        with pytest.raises(OidcError, match="disabled"):
            link_account(store, config, claims)


def test_archqa_serve_checks_the_oidc_flags_before_it_listens(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from archqa.cli.app import cli

    def serve(*args: str) -> Any:
        return CliRunner().invoke(cli, ["serve", "--db", str(db), *args], prog_name="archqa")

    monkeypatch.delenv("ARCHQA_OIDC_CLIENT_SECRET", raising=False)
    alone = serve("--oidc-issuer", "https://idp.example.org")
    assert alone.exit_code == 2 and "needs both --oidc-issuer URL and --oidc-client-id" in alone.stderr
    secretless = serve("--team", "--oidc-issuer", "https://idp.example.org", "--oidc-client-id", CLIENT_ID)
    assert secretless.exit_code == 2 and "ARCHQA_OIDC_CLIENT_SECRET" in secretless.stderr
    monkeypatch.setenv("ARCHQA_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    plain = serve("--team", "--oidc-issuer", "http://idp.example.org", "--oidc-client-id", CLIENT_ID)
    assert plain.exit_code == 2 and "must be an https:// URL" in plain.stderr


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_linking_on_both_databases(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    location = tmp_path / "s.db" if kind == "sqlite" else str(request.getfixturevalue("pg_url"))
    issuer = "https://idp.example.org"
    signup = OidcConfig(issuer=issuer, client_id=CLIENT_ID, allow_signup=True)
    with Store.open(location) as store:
        made = [link_account(store, signup, {"iss": issuer, "sub": sub, "preferred_username": "kim"}) for sub in "abc"]
        assert [a.name for a in made] == ["kim", "kim-2", "kim-3"]
        assert link_account(store, signup, {"iss": issuer, "sub": "b"}).id == made[1].id
        nameless = link_account(store, signup, {"iss": issuer, "sub": "d", "email": "-@x"})
        assert nameless.name == "user"
        with pytest.raises(ConfigError, match="linked to 'kim' already"):
            link(store, "kim-2", f"{issuer} a")
        link(store, "kim", "")  # unlinked: the next sign-in as "a" is a new account
        closed = OidcConfig(issuer=issuer, client_id=CLIENT_ID)
        with pytest.raises(OidcError, match="no account here is linked"):
            link_account(store, closed, {"iss": issuer, "sub": "a"})
        assert accounts.authenticate(store, "kim", "") is None  # no password: only the provider signs them in
