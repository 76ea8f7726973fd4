"""The interview report and the interviewer pack in headless Chromium: rendered, nothing imported runs,
nothing is fetched, and both print to PDF (each pack question on its own page, on Letter and on A4)."""

from __future__ import annotations

import re
import subprocess
import threading
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from archqa.export import export_set, number_questions
from archqa.interview import Interview, save_interview
from archqa.model import FollowUp, LevelSignals
from archqa.store import Store
from tests.conftest import make_set, run_cli
from tests.serve_support import CHROMIUM
from tests.test_export import hostile_set
from tests.test_export_browser import BEACONS, _Recorder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"),
]


def _browse(url: str, profile: Path) -> str:
    """The page's DOM after Chromium loaded it (``--dump-dom``, a profile of its own)."""
    assert CHROMIUM is not None
    args = [
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
    ]
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("chromium did not finish loading the page: an imported alert() may have run and blocked it")
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def _serve(site: Path, page: str, profile: Path) -> tuple[list[str], str]:
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dom = _browse(f"http://127.0.0.1:{server.server_address[1]}/{page}", profile)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    return requests, dom


def _pdf_pages(html: Path, pdf: Path, profile: Path) -> tuple[int, set[tuple[int, int]]]:
    """(pages, {(width, height) in points}) of ``html`` printed to PDF by Chromium."""
    assert CHROMIUM is not None
    r = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert r.returncode == 0 and pdf.is_file(), r.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = {
        (round(float(w)), round(float(h)))
        for w, h in re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    }
    return len(re.findall(rb"/Type\s*/Page[^s]", data)), boxes


def test_interviewer_pack_renders_fetches_nothing_and_prints_a_page_per_question(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    s = hostile_set()
    s.questions[0].key_points.append(" ".join(BEACONS))
    s.questions[0].follow_ups = [FollowUp(key_point=1, question="Why? " + " ".join(BEACONS))]
    s.questions[0].level_signals = LevelSignals(mid=BEACONS[6], senior=BEACONS[7], staff=BEACONS[8])
    s = number_questions(s)
    export_set(s, site / "pack.html", "interviewer")

    requests, dom = _serve(site, "pack.html", tmp_path / "profile")
    assert requests == ["GET /pack.html"]  # no favicon, font, beacon or CDN
    assert "pwned" not in dom and "<script" not in dom
    assert dom.count('type="checkbox"') == sum(len(q.key_points) for q in s.questions)
    assert dom.count('class="notes"') == len(s.questions)
    assert "probes KP 1:" in dom

    # printable: each question starts a page, on the default paper (Letter here) and on A4
    small = number_questions(make_set())
    export_set(small, tmp_path / "small.html", "interviewer")
    pages, boxes = _pdf_pages(tmp_path / "small.html", tmp_path / "letter.pdf", tmp_path / "p1")
    assert pages == len(small.questions) and boxes == {(612, 792)}  # Letter
    a4 = tmp_path / "small-a4.html"
    a4.write_text((tmp_path / "small.html").read_text().replace("</head>", "<style>@page { size: A4; }</style></head>"))
    pages, boxes = _pdf_pages(a4, tmp_path / "a4.pdf", tmp_path / "p2")
    assert pages == len(small.questions)
    assert boxes == {(595, 842)}  # A4


def test_interview_report_renders_fetches_nothing_and_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_DB", str(tmp_path / "store.db"))
    from archqa.interview import load_bank_questions

    iv = Interview.start(load_bank_questions(), prompt_id="case-rate-limiter", minutes=10, grader="lexical")
    hostile = "The limit state lives in a shared store. " + " ".join(BEACONS)
    for phase in iv.plan.phases:
        turn = iv.answer(phase.key, hostile, 30)
        for i in range(len(turn.follow_ups)):
            iv.answer_follow_up(phase.key, i, hostile, 5)
    card = iv.finish()
    with Store.open(tmp_path / "store.db") as store:
        iid = save_interview(store, iv.transcript, card)
    site = tmp_path / "site"
    site.mkdir()
    r = run_cli("interview", "--report", str(iid), "--out", str(site / "report.html"))
    assert r.returncode == 0, r.stderr

    requests, dom = _serve(site, "report.html", tmp_path / "profile")
    assert requests == ["GET /report.html"]
    assert "pwned" not in dom and "<script" not in dom
    assert "Scorecard" in dom and "Overall:" in dom and "Time management" in dom
    assert dom.count('<section class="phase">') == 7
    pages, _ = _pdf_pages(site / "report.html", tmp_path / "report.pdf", tmp_path / "p3")
    assert pages >= 1
