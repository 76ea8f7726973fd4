"""What the web app's tests share: a real uvicorn server on a free loopback port over a temp store, a real
headless Chromium (Debian's ``chromium``) driven by Playwright, a guard that fails on any request to anything
but the app, and axe-core (vendored in tests/vendor, MPL-2.0) to check accessibility in the page.

The fixtures ``live_app`` (a running server: ``.url``, ``.db``), ``browser_page`` (a fresh page; its ``outside``
list collects requests that left the app) and ``chromium`` (the browser, for pages of your own with
``watched_page``) are registered in conftest.py.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"

needs_browser = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveApp:
    url: str
    db: Path
    app: Any
    server: Any = None
    thread: threading.Thread | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)


def start_app(db: Path, **config: Any) -> LiveApp:
    """uvicorn serving ``create_app`` in a thread on a free port; returns once it accepts connections."""
    import uvicorn

    from archqa.serve import ServeConfig, create_app

    port = free_port()
    app = create_app(ServeConfig(db=db, port=port, **config))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    return LiveApp(url=f"http://127.0.0.1:{port}", db=db, app=app, server=server, thread=thread)


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    live = start_app(tmp_path / "store.db")
    yield live
    live.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page and every request it made that did not go to the app."""

    page: Any
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def watched_page(browser: Any, base: str, **context: Any) -> Watched:
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    w = Watched(page)
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else w.outside.append(r.url))
    page.on("pageerror", lambda e: w.errors.append(str(e)))
    page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(15000)
    return w


@pytest.fixture
def browser_page(chromium: Any, live_app: LiveApp) -> Iterator[Watched]:
    w = watched_page(chromium, live_app.url)
    yield w
    w.page.context.close()


def axe_violations(page: Any, rules_off: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands (WCAG 2 A and AA rules)."""
    # Evaluated through the DevTools protocol, which the page's CSP (scripts from the app only) does not cover.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (off) => {
            const rules = {}; off.forEach(r => rules[r] = { enabled: false });
            const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, rules });
            return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
        }""",
        list(rules_off),
    )
    return list(result)
