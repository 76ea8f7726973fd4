"""The web app without a browser: routes, filters, the security defaults, imported hostile text, the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from archqa import Store, write_set
from archqa.importer import import_paths
from archqa.serve import ServeConfig, create_app
from archqa.serve.security import COOKIE, CSP
from tests.serve_support import free_port
from tests.test_export import _Scan, hostile_set


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(ServeConfig(db=tmp_path / "store.db")))


def _ids(html: str) -> list[str]:
    return re.findall(r'href="/questions/([^"?]+)"', html)


def test_browse_filters_by_difficulty_topic_and_source_and_searches_ranked(client: TestClient) -> None:
    every = client.get("/questions")
    assert every.status_code == 200 and len(_ids(every.text)) == 50 and "Next" in every.text
    adv = client.get("/questions", params={"difficulty": "Advanced", "topic": "Data Architecture"})
    badges = re.findall(r'class="badge [a-z]+">([A-Za-z]+)<', adv.text)
    assert badges and set(badges) == {"Advanced"}
    assert all("<code>archqa/bank/" in line for line in adv.text.splitlines() if 'class="badge' in line)
    hits = client.get("/questions", params={"q": "transactional outbox"})
    ids = _ids(hits.text)
    assert ids and any("outbox" in i for i in ids[:3])
    none = client.get("/questions", params={"q": "zzqxv unknownword"})
    assert "No questions match" in none.text and _ids(none.text) == []
    imported_only = client.get("/questions", params={"source": "imported"})
    assert _ids(imported_only.text) == []  # the temp store is empty; the bank is not "imported"


def test_bank_sources_show_as_archqa_bank_whichever_install_built_the_index() -> None:
    from archqa.importer.bank_index import bank_source

    # the index is shared by installs of the same bank version: its paths may be another install's
    assert bank_source("/opt/other-venv/lib/python3.12/site-packages/archqa/bank/data.md") == "archqa/bank/data.md"
    assert bank_source("/work/clone/src/archqa/bank/quality.md") == "archqa/bank/quality.md"


def test_htmx_requests_get_the_results_fragment_alone(client: TestClient) -> None:
    r = client.get("/questions", params={"q": "cache"}, headers={"HX-Request": "true"})
    assert r.text.lstrip().startswith('<section id="results"') and "<html" not in r.text
    full = client.get("/questions", params={"q": "cache"})
    assert "<html" in full.text and _ids(full.text) == _ids(r.text)


def test_question_page_links_citations_to_the_references_it_lists(client: TestClient) -> None:
    r = client.get("/questions/case-payment-system")
    assert r.status_code == 200
    cited = set(re.findall(r'<a href="#ref-([A-Z]\d+)">', r.text))
    listed = set(re.findall(r'<li id="ref-([A-Z]\d+)">', r.text))
    assert cited and cited <= listed
    assert 'class="mermaid diagram-source"' in r.text
    missing = client.get("/questions/no-such-question")
    assert missing.status_code == 404 and "no-such-question" in missing.text


def test_every_post_route_checks_the_csrf_token(client: TestClient) -> None:
    app = client.app
    posts = [r for r in app.routes if isinstance(r, Route) and "POST" in (r.methods or set())]  # type: ignore[attr-defined]
    for route in posts:
        assert getattr(route.endpoint, "csrf_protected", False), f"{route.path} is not wrapped in csrf_protected"
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        bare = TestClient(app)
        assert bare.post(path, data={"answer": "x"}).status_code == 403, route.path


def test_csrf_token_round_trip_and_mismatch() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse

    from archqa.serve.security import SecurityHeaders, csrf_protected, csrf_token

    async def form(request: Request) -> PlainTextResponse:
        return PlainTextResponse(csrf_token(request))

    @csrf_protected
    async def send(request: Request) -> PlainTextResponse:
        return PlainTextResponse("sent")

    app = Starlette(routes=[Route("/", form), Route("/send", send, methods=["POST"])])
    app.add_middleware(SecurityHeaders)
    c = TestClient(app)
    token = c.get("/").text
    assert c.cookies.get(COOKIE) == token
    assert c.post("/send", data={"csrf": token}).text == "sent"
    assert c.post("/send", headers={"X-CSRF-Token": token}).text == "sent"
    assert c.post("/send", data={"csrf": token + "x"}).status_code == 403
    other = TestClient(app)  # a page on another site cannot read the cookie: it sends its own guess
    assert other.post("/send", data={"csrf": token}).status_code == 403


def test_security_headers_and_host_check(client: TestClient, tmp_path: Path) -> None:
    r = client.get("/")
    assert (
        r.headers["content-security-policy"] == CSP
        and "'unsafe-inline'" not in CSP.split("script-src")[1].split(";")[0]
    )
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert "SameSite=Strict" in r.headers["set-cookie"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", r.text), "inline script in a page"
    rebound = client.get("/", headers={"host": "attacker.example"})
    assert rebound.status_code == 400  # DNS rebinding: a loopback app answers loopback names only
    shared = TestClient(create_app(ServeConfig(db=tmp_path / "s.db", host="0.0.0.0")))
    assert shared.get("/", headers={"host": "laptop.lan:8765"}).status_code == 200


def test_static_assets_are_vendored_gzipped_cached_and_confined(client: TestClient) -> None:
    js = client.get("/static/vendor/mermaid.min.js", headers={"accept-encoding": "gzip"})
    assert js.status_code == 200 and js.headers["content-encoding"] == "gzip" and len(js.content) > 3_000_000
    assert b"mermaid" in js.content[:5000].lower()
    plain = client.get("/static/vendor/mermaid.min.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == js.content
    again = client.get("/static/vendor/htmx.min.js", headers={"if-none-match": js.headers["etag"]})
    assert again.status_code == 200
    etag = again.headers["etag"]
    assert client.get("/static/vendor/htmx.min.js", headers={"if-none-match": etag}).status_code == 304
    for bad in ("/static/../config.py", "/static/vendor/../../app.py", "/static/templates/base.html", "/static/x.py"):
        assert client.get(bad).status_code == 404, bad


def test_imported_hostile_text_is_shown_inert(tmp_path: Path) -> None:
    bank = tmp_path / "hostile.md"
    bank.write_text(write_set(hostile_set()), encoding="utf-8")
    db = tmp_path / "store.db"
    with Store.open(db) as store:
        import_paths([str(bank)], store)
        qid = store.list(limit=1)[0].id
    c = TestClient(create_app(ServeConfig(db=db)))
    listing = c.get("/questions", params={"source": "imported"})
    assert qid in _ids(listing.text)
    page = c.get(f"/questions/{qid}")
    assert page.status_code == 200
    for html in (listing.text, page.text):
        scan = _Scan()
        scan.feed(html)
        scripts = [a.get("src", "") for t, a in scan.tags if t == "script"]
        assert scripts == ["/static/vendor/htmx.min.js", "/static/app.js"]
        assert not [t for t, a in scan.tags if any(k.startswith("on") for k in a)]
        assert not [a for t, a in scan.tags if "javascript:" in a.get("href", "").lower().replace(" ", "")]
        assert not [t for t, _ in scan.tags if t in ("iframe", "style", "img", "svg")]


def _wait_for(url: str, seconds: float = 60) -> str:
    """The page at ``url`` once the server answers ("" if it never does)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return str(r.read().decode())
        except OSError:
            time.sleep(0.1)
    return ""


def test_archqa_serve_starts_on_loopback_and_warns_on_other_hosts(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "ARCHQA_DB": str(tmp_path / "store.db")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "archqa", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "Architecture interview practice" in _wait_for(f"http://127.0.0.1:{port}/")
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in out and "warning" not in err
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "archqa", "serve", "--host", "0.0.0.0", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/")  # 0.0.0.0 takes loopback connections too
    finally:
        proc.terminate()
    _, err = proc.communicate(timeout=20)
    assert "warning: listening on 0.0.0.0" in err and "no accounts" in err
