"""`archqa practice` on a real terminal (a pty): a pasted multi-paragraph answer, a flipped verdict, a confirmed
rating, and exactly what the store holds afterwards."""

from __future__ import annotations

import os
import select
import sqlite3
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archqa import write_set
from tests.conftest import make_set

termios = pytest.importorskip("termios", reason="needs a POSIX terminal")
import fcntl  # noqa: E402
import pty  # noqa: E402

QS = make_set().questions

PASTE = (
    "I would use a bounded context around payment retries.\n"
    "Every wait is bounded by timeouts.\n"
    "\n"
    "The extra state has a cost in memory,\n"
    "which is the price of safety.\n"
    ".\n"
    "3\n"
)
"""Two paragraphs, the end mark, and a stray '3' that must not be read as anything."""
ANSWER = PASTE.split("\n.\n")[0]


class Terminal:
    """A child process on the slave side of a pty of COLUMNS columns; read and write its master side."""

    def __init__(self, args: list[str], env: dict[str, str], columns: int = 100) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.out = ""
        self.seen = 0

    def expect(self, text: str, timeout: float = 60) -> str:
        """Read until ``text`` appears after what was already matched; return everything read up to it."""
        deadline = time.time() + timeout
        while text not in self.out[self.seen :]:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{self.out}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{text!r} did not appear before the end; the terminal shows:\n{self.out}")
                self.out += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        end = self.out.index(text, self.seen) + len(text)
        got, self.seen = self.out[:end], end
        return got

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=60)
        finally:
            os.close(self.master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:  # a failed expectation: the child is still running
            self.proc.kill()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "VISUAL", "EDITOR")}
    e.update(ARCHQA_DB=str(tmp_path / "store.db"), ARCHQA_CACHE_DIR=str(tmp_path / "cache"), TERM="dumb")
    return e


def test_a_pasted_two_paragraph_answer_a_flip_and_a_confirmed_rating_are_stored(
    tmp_path: Path, env: dict[str, str]
) -> None:
    set_file = tmp_path / "set.md"
    set_file.write_text(write_set(make_set()))
    args = [sys.executable, "-m", "archqa", "practice", str(set_file), "--limit", "2", "--grader", "lexical"]
    with Terminal(args, env) as term:
        term.expect(f"Q: {QS[0].title}")
        term.expect("> ")
        term.send(PASTE)  # one paste: the whole answer, the end mark and a stray line
        shown = term.expect("verdicts> ")
        assert "Key points covered: 3/3 (100%, lexical grader)" in shown
        assert "  1 ✓ Uses a bounded context for payment retries" in shown
        assert "“The extra state has a cost in memory, which is the price of safety.”" in " ".join(shown.split())
        term.send("2\n")  # flip point 2: the user says the answer does not really make it
        shown = term.expect("verdicts> ")
        assert "Your verdicts: 2 of 3 covered." in shown
        assert "  2 ✗ Bounds waiting with timeouts (you flipped the grader's ✓)" in shown
        term.send("\n")  # accept the verdicts as they now stand
        shown = term.expect("rating> ")
        assert "Model answer:" in shown
        assert "You confirmed 2 of 3 key points (67%): Enter = good." in shown
        term.send("x\n")  # not a rating key: asked again, nothing saved
        assert "'x' is not a rating" in term.expect("rating> ")
        term.send("\n")  # accept the suggested rating
        term.expect("Saved: good.")
        # The second question: Ctrl-D ends the answer; the terminal still reads the verdict prompt.
        term.expect(f"Q: {QS[3].title}")  # interleaved: the data cluster's first question comes second
        term.expect("> ")
        term.send("Bananas are yellow.\n\x04")  # Ctrl-D at the start of a line: end of input
        assert "Key points covered: 0/3" in term.expect("verdicts> ")
        term.send("q\n")
        term.expect("Session over: 1 review saved (good 1).")
        assert term.close() == 0
    long = [line for line in term.out.splitlines() if len(line) > 100]
    assert not long, long

    with sqlite3.connect(env["ARCHQA_DB"]) as db:
        reviews = db.execute(
            "SELECT id, question_id, rating, suggested, grade, confirmed, grader, answer FROM reviews"
        ).fetchall()
        points = db.execute(
            "SELECT review_id, ord, point, verdict, evidence, user_covered FROM review_points ORDER BY ord"
        ).fetchall()
    assert len(reviews) == 1
    rid, qid, rating, suggested, grade, confirmed, grader, answer = reviews[0]
    assert (qid, rating, suggested, grade, grader) == (QS[0].id, 3, 3, 1.0, "lexical")
    assert confirmed == pytest.approx(2 / 3)
    assert answer == ANSWER and "\n\n" in answer  # both paragraphs, the blank line between them kept
    assert points == [
        (rid, 0, QS[0].key_points[0], "covered", "I would use a bounded context around payment retries.", 1),
        (rid, 1, QS[0].key_points[1], "covered", "Every wait is bounded by timeouts.", 0),
        (
            rid,
            2,
            QS[0].key_points[2],
            "covered",
            "The extra state has a cost in memory,\nwhich is the price of safety.",
            1,
        ),
    ]


def test_an_answer_typed_line_by_line_is_graded_ahead_and_stored_as_graded_from_nothing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """The default grader, lines typed with pauses (each one drafted in the background), then '.': the stored
    verdicts and evidence are those of a grade computed from nothing in another process."""
    from archqa.practice.semantic import SemanticGrader
    from archqa.practice.session import rubric

    set_file = tmp_path / "set.md"
    set_file.write_text(write_set(make_set()))
    lines = [
        "Retries of a payment run inside a bounded context of their own.",
        "Each wait has a timeout, so nothing blocks for ever.",
        "Keeping that extra state costs memory.",
    ]
    with Terminal([sys.executable, "-m", "archqa", "practice", str(set_file), "--limit", "1"], env) as term:
        term.expect(f"Q: {QS[0].title}")
        term.expect("> ")
        for line in lines:
            term.send(line + "\n")
            time.sleep(0.6)  # a typist's pause: the line is drafted meanwhile
        term.send(".\n")
        term.expect("verdicts> ")
        term.send("\n")
        term.expect("rating> ")
        term.send("\n")
        term.expect("Session over: 1 review saved")
        assert term.close() == 0
    with sqlite3.connect(tmp_path / "store.db") as db:
        (rid,) = db.execute("SELECT id FROM reviews").fetchone()
        stored = db.execute(
            "SELECT verdict, evidence FROM review_points WHERE review_id=? ORDER BY ord", (rid,)
        ).fetchall()
    fresh = SemanticGrader().grade("\n".join(lines), rubric(QS[0]))
    assert stored == [(p.verdict, p.evidence) for p in fresh.points]
