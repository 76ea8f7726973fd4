"""The exported HTML page in a real browser: it renders, filters, runs nothing imported, fetches nothing.

The page is served by a loopback HTTP server that records every request, and
opened in Debian's headless Chromium. Skipped when Chromium is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archqa.export import export_set, number_questions
from tests.test_export import hostile_set

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

BEACONS = [
    '<img src="/beacon-img">',
    '<link rel="stylesheet" href="/beacon-css">',
    '<iframe src="/beacon-frame"></iframe>',
    '<script src="/beacon-js"></script>',
    '<span style="background-image:url(/beacon-bg)">bg</span>',
    '<video poster="/beacon-poster"></video>',
    "<img src=x onerror=\"document.title='pwned'\">",
    "<script>document.title='pwned'</script>",
    "<details open ontoggle=\"document.title='pwned'\"><summary>s</summary>t</details>",
]


class _Recorder(SimpleHTTPRequestHandler):
    requests: list[str]

    def parse_request(self) -> bool:
        ok = super().parse_request()
        self.requests.append(f"{self.command} {self.path}")
        return ok

    def log_message(self, format: str, *args: object) -> None:
        pass


def _browse(url: str, profile: Path) -> str:
    assert CHROMIUM is not None
    try:
        r = _run_chromium(url, profile)
    except subprocess.TimeoutExpired:
        pytest.fail("chromium did not finish loading the page: an imported alert() may have run and blocked it")
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def _run_chromium(url: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_html_page_renders_filters_and_makes_no_requests_in_chromium(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    s = hostile_set()
    s.questions[0].answer += "\n\n" + "\n\n".join(BEACONS)
    s = number_questions(s)
    export_set(s, site / "set.html")

    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        dom = _browse(f"http://127.0.0.1:{port}/set.html?difficulty=advanced", tmp_path / "profile")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)

    # Exactly one request: the page. No favicon, no font, no CDN, no beacon.
    assert requests == ["GET /set.html?difficulty=advanced"]
    # The page rendered, with its contents, filter UI and every question.
    assert 'id="filters"' in dom and 'id="toc"' in dom
    assert dom.count('type="checkbox"') == 5
    for q in s.questions:
        assert f'id="q{q.number}"' in dom and f'id="toc-q{q.number}"' in dom
    # The inline script ran (allowed by its CSP hash) and applied the filter from the URL.
    assert re.search(r'<html[^>]*class="js"', dom)
    assert '<span id="shown">2</span>' in dom
    for q in s.questions:
        article = re.search(rf'<article class="q" id="q{q.number}"[^>]*>', dom)
        assert article is not None
        is_hidden = "hidden" in article.group(0)
        assert is_hidden == (q.difficulty is None or q.difficulty.value != "Advanced"), article.group(0)
    # Nothing imported ran.
    assert "pwned" not in dom
    assert "<title>Fixture set</title>" in dom
