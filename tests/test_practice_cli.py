"""`archqa practice` end to end: the real command driven by scripted standard input, and `archqa stats`."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from archqa import write_set
from archqa.cli.practice import confirm_points, editor_template, read_answer, read_rating, strip_template
from archqa.practice.schedule import parse_stamp, stamp
from tests.conftest import make_set, run_cli

QS = make_set().questions
"""Q1-Q3 Structural (F, I, I), Q4-Q5 Data (A, A); three key points each."""

GOOD_Q1 = (
    "I would use a bounded context around payment retries.\n"
    "Every wait is bounded by timeouts.\n"
    "The extra state has a cost in memory.\n"
    ".\n"
)
UNRELATED = "Bananas are yellow and the beach is warm.\n.\n"
ACCEPT = "\n"
"""Enter at the verdict prompt (or the rating prompt): accept."""


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_DB", str(tmp_path / "store.db"))
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def set_file(tmp_path: Path) -> Path:
    f = tmp_path / "set.md"
    f.write_text(write_set(make_set()))
    return f


def _practice(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`archqa practice ARGS` with the lexical grader, whose verdicts these tests know."""
    return run_cli("practice", *args, "--grader", "lexical", stdin=stdin)


def _db() -> sqlite3.Connection:
    return sqlite3.connect(os.environ["ARCHQA_DB"])


def _reviews() -> list[tuple[str, int, int | None, float | None, float | None, str, str]]:
    with _db() as c:
        return c.execute(
            "SELECT question_id, rating, suggested, grade, confirmed, answer, due FROM reviews ORDER BY id"
        ).fetchall()


def _points(review: int) -> list[tuple[str, str, str, int | None]]:
    """(point, grader's verdict, evidence, user's verdict) of the n-th review (from 1)."""
    with _db() as c:
        return c.execute(
            "SELECT point, verdict, evidence, user_covered FROM review_points WHERE review_id ="
            " (SELECT id FROM reviews ORDER BY id LIMIT 1 OFFSET ?) ORDER BY ord",
            (review - 1,),
        ).fetchall()


def _age(days: float) -> None:
    """Move every stored practice time back, as if ``days`` had passed."""
    delta = timedelta(days=days)

    def back(text: str) -> str:
        return stamp(parse_stamp(text) - delta)

    with _db() as c:
        for qid, card, due, introduced in c.execute("SELECT question_id, card, due, introduced_at FROM cards"):
            data = json.loads(card)
            for key in ("due", "last_review"):
                if data.get(key):
                    data[key] = (datetime.fromisoformat(data[key]) - delta).isoformat()
            c.execute(
                "UPDATE cards SET card=?, due=?, introduced_at=? WHERE question_id=?",
                (json.dumps(data), back(due), back(introduced), qid),
            )
        for rid, at, due in c.execute("SELECT id, reviewed_at, due FROM reviews").fetchall():
            c.execute("UPDATE reviews SET reviewed_at=?, due=? WHERE id=?", (back(at), back(due), rid))


def _flat(text: str) -> str:
    """Output with its wrapping undone: every run of white space one space."""
    return " ".join(text.split())


def _items(stdout: str) -> list[str]:
    """The "[n/N] kind · topic · difficulty" lines of a session."""
    return [line for line in stdout.splitlines() if line.startswith("[")]


def test_a_session_grades_shows_the_model_answer_and_stores_the_rating(set_file: Path) -> None:
    stdin = GOOD_Q1 + ACCEPT + ACCEPT + UNRELATED + ACCEPT + "h\n"
    r = _practice(str(set_file), "--new", "2", stdin=stdin)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert _items(out) == [
        "[1/2] new · Structural Architecture · Foundational",
        "[2/2] new · Data Architecture · Advanced",  # new questions take turns by cluster
    ]
    assert f"Q: {QS[0].title}" in out
    assert "Key points covered: 3/3 (100%, lexical grader)" in out
    assert f"  1 ✓ {QS[0].key_points[0]}\n      “I would use a bounded context around payment retries.”" in out
    assert "Key points covered: 0/3 (0%, lexical grader)" in out
    assert f"  2 ✗ {QS[3].key_points[1]}" in out
    flat = _flat(out)
    assert f"Key insight: {QS[0].key_insight}" in flat and "Model answer: " + " ".join(QS[0].answer.split()) in flat
    assert "You confirmed 3 of 3 key points (100%): Enter = easy." in out and "Enter = again" in out
    assert "Saved: easy. Next review in " in out and "Saved: hard. Next review in " in out
    assert "Session over: 2 reviews saved (easy 1, hard 1)." in out
    # Wrapped to 80 columns (no terminal): prompts, echoed by no terminal here, are left out of the count.
    shown = re.sub(r"(?:verdicts|rating)?> ", "", out)
    assert all(len(line) <= 80 for line in shown.splitlines() if not line.startswith(str(set_file)))
    rows = _reviews()
    assert [(q, rating, suggested, grade, confirmed) for q, rating, suggested, grade, confirmed, *_ in rows] == [
        (QS[0].id, 4, 4, 1.0, 1.0),
        (QS[3].id, 2, 1, 0.0, 0.0),
    ]
    assert [(p, v, u) for p, v, _, u in _points(1)] == [(k, "covered", 1) for k in QS[0].key_points]
    assert [(p, v, e, u) for p, v, e, u in _points(2)] == [(k, "missing", "", 0) for k in QS[3].key_points]
    assert rows[0][5] == GOOD_Q1.removesuffix("\n.\n") and rows[1][5] == "Bananas are yellow and the beach is warm."
    with _db() as c:
        cards = dict(c.execute("SELECT question_id, due FROM cards").fetchall())
        reviewed = dict(c.execute("SELECT question_id, reviewed_at FROM reviews").fetchall())
    assert set(cards) == {QS[0].id, QS[3].id}
    assert all(parse_stamp(cards[q]) > parse_stamp(reviewed[q]) for q in cards)
    assert parse_stamp(cards[QS[0].id]) - parse_stamp(reviewed[QS[0].id]) >= timedelta(days=1)  # easy: days


def test_blank_lines_stay_in_the_answer_and_flips_set_the_suggested_rating(set_file: Path) -> None:
    answer = (
        "I would use a bounded context around payment retries.\n"
        "\n"
        "Every wait is bounded by timeouts.\n"
        "\n"
        "\n"
        "The extra state has a cost in memory.\n"
    )
    # Flip 1 and 3, change my mind about 3, then accept: one of three confirmed, which suggests hard.
    stdin = answer + ".\n" + "1 3\n" + "3\n" + "zz\n" + "7\n" + ACCEPT + "maybe\n" + ACCEPT
    r = _practice(str(set_file), "--limit", "1", stdin=stdin)
    assert r.returncode == 0, r.stderr
    assert "Key points covered: 3/3" in r.stdout
    assert "Your verdicts: 1 of 3 covered." in r.stdout and "Your verdicts: 2 of 3 covered." in r.stdout
    assert "'zz': type key-point numbers (1-3) to flip, or Enter to accept" in r.stdout
    assert "there is no key point 7; type numbers from 1 to 3" in r.stdout
    assert "'maybe' is not a rating" in r.stdout
    assert "You confirmed 2 of 3 key points (67%): Enter = good." in r.stdout
    assert "Saved: good." in r.stdout
    rows = _reviews()
    assert [(rating, suggested, grade) for _, rating, suggested, grade, *_ in rows] == [(3, 3, 1.0)]
    assert rows[0][4] == pytest.approx(2 / 3) and rows[0][5] == answer.rstrip("\n")
    assert [(v, u) for _, v, _, u in _points(1)] == [("covered", 0), ("covered", 1), ("covered", 1)]


def test_ratings_typed_as_numbers_letters_or_words_and_skip(set_file: Path) -> None:
    stdin = "a\n.\n\n1\n" + "b\n.\n\nmaybe\ng\n" + "c\n.\n\ns\n" + "d\n.\ns\n" + "e\n.\n\nEASY\n"
    r = _practice(str(set_file), "--new", "5", stdin=stdin)
    assert r.returncode == 0, r.stderr
    assert "'maybe' is not a rating; type 1-4, a/h/g/e or again/hard/good/easy" in r.stdout
    assert r.stdout.count("Skipped: nothing saved.") == 2  # at the rating prompt, and at the verdict prompt
    # New questions in turn by cluster: Q1 (structural), Q4 (data), Q2, Q5, Q3.
    assert [(q, rating) for q, rating, *_ in _reviews()] == [(QS[0].id, 1), (QS[3].id, 3), (QS[2].id, 4)]


def test_due_questions_come_first_and_the_daily_new_limit_holds(set_file: Path) -> None:
    r = _practice(str(set_file), "--new", "2", stdin="x\n.\n\ng\ny\n.\n\ng\n")
    assert r.returncode == 0 and len(_reviews()) == 2
    # Same day: both new questions are used up and nothing is due yet.
    r = _practice(str(set_file), "--new", "2", stdin="")
    assert r.returncode == 0
    flat = _flat(r.stdout)  # wrapped to 80 columns
    assert "2 of 2 new introduced today" in flat and "Nothing to practise now." in flat
    assert "Next due in " in flat and "Raise --new" in flat
    # A higher limit admits exactly the difference.
    r = _practice(str(set_file), "--new", "3", stdin="z\n.\nq\n")
    assert _items(r.stdout) == ["[1/1] new · Structural Architecture · Intermediate"]
    assert f"Q: {QS[1].title}" in r.stdout and len(_reviews()) == 2
    # A day later both are due: they come first, then today's new questions.
    _age(1)
    r = _practice(str(set_file), "--new", "2", stdin="")
    assert r.returncode == 0
    assert "2 due, 3 never seen (0 of 2 new introduced today)" in _flat(r.stdout)
    items = _items(r.stdout)
    assert [i.split(" · ")[0] for i in items] == ["[1/4] due"]  # stdin ended after the first question
    r = _practice(str(set_file), "--new", "2", stdin="a\n.\n\ng\n" * 4)
    assert [i.split(" · ")[0] for i in _items(r.stdout)] == ["[1/4] due", "[2/4] due", "[3/4] new", "[4/4] new"]
    assert [q for q, *_ in _reviews()][2:] == [QS[0].id, QS[3].id, QS[1].id, QS[4].id]


def test_filters_and_limit(set_file: Path) -> None:
    r = _practice(str(set_file), "--topic", "data", stdin="")
    assert "set.md: 2 questions" in _flat(r.stdout.replace(str(set_file), "set.md"))
    assert _items(r.stdout) == ["[1/2] new · Data Architecture · Advanced"]
    r = _practice(str(set_file), "--difficulty", "intermediate", "--difficulty", "foundational", stdin="")
    assert ": 3 questions;" in _flat(r.stdout)
    r = _practice(str(set_file), "--topic", "structural", "--difficulty", "F", stdin="")
    assert ": 1 question;" in _flat(r.stdout)
    r = _practice(str(set_file), "--limit", "1", stdin="")
    assert _items(r.stdout) == ["[1/1] new · Structural Architecture · Foundational"]
    r = _practice(str(set_file), "--topic", "security")
    assert r.returncode == 2 and "no question in" in r.stderr and "--topic security" in r.stderr
    r = _practice(str(set_file), "--difficulty", "hardest")
    assert r.returncode == 2 and "--difficulty 'hardest'" in r.stderr
    r = run_cli("practice", str(set_file), "--grader", "magic")
    assert r.returncode == 2 and "--grader 'magic': unknown grader; choose one of lexical" in r.stderr
    r = _practice("no-such-set.md")
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_the_bundled_bank_is_the_default_source() -> None:
    r = run_cli("practice", "--limit", "1", stdin=".\n\n\n")  # the default grader
    assert r.returncode == 0, r.stderr
    from archqa.generate import load_bank

    n = len(load_bank().entries)
    assert r.stdout.startswith(f"bank: {n} questions; 0 due, {n} never seen")
    assert "Key points covered: 0/" in r.stdout and "Saved: again." in r.stdout
    assert len(_reviews()) == 1


def test_the_store_is_a_source(tmp_path: Path) -> None:
    assert run_cli("import", str(Path(__file__).parent / "fixtures" / "dialects")).returncode == 0
    imported = json.loads(run_cli("stats", "--format", "json").stdout)["questions"]
    r = _practice("store", "--limit", "2", stdin="leases expire\n.\n\ng\nx\n.\n\ng\n")
    assert r.returncode == 0, r.stderr
    assert imported > 10 and r.stdout.startswith(f"store: {imported} questions")
    # Imported questions without key points are graded against their key insight (import takes it from the
    # first sentence of the answer when the source has none): one point, a suggested rating, the user's own.
    assert r.stdout.count("Key points covered: ") == 2 and "Session over: 2 reviews saved (good 2)." in r.stdout
    rows = [(rating, suggested is not None, grade is not None) for _, rating, suggested, grade, *_ in _reviews()]
    assert rows == [(3, True, True)] * 2


def test_stats_shows_reviews_retention_and_due_days(set_file: Path) -> None:
    _practice(str(set_file), "--new", "3", stdin=GOOD_Q1 + "\n\n" + UNRELATED + "\n\n" + "z\n.\nq\n")
    data = json.loads(run_cli("stats", "--format", "json").stdout)
    p = data["practice"]
    assert (p["reviews"], p["reviews_30d"], p["cards"]) == (2, 2, 2)
    assert p["retention"] == 0.5 and p["retention_30d"] == 0.5 and p["ratings"] == {"again": 1, "easy": 1}
    assert len(p["due_by_day"]) == 7 and sum(d["due"] for d in p["due_by_day"]) >= 1
    text = run_cli("stats").stdout
    assert "practice: 2 reviews (2 in the last 30 days) of 2 questions; retention 50% (50% in the last 30 days)" in text
    assert "due (" in text and " now): today " in text


# -- stopping mid-session loses no completed review -------------------------------------


def _start(set_file: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "archqa", "practice", str(set_file), "--new", "5", "--grader", "lexical"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def _wait_for_reviews(n: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if Path(os.environ["ARCHQA_DB"]).exists():
            try:
                if len(_reviews()) >= n:
                    return
            except sqlite3.Error:
                pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the review was not stored in time")


def test_end_of_input_mid_answer_keeps_completed_reviews(set_file: Path) -> None:
    r = _practice(str(set_file), stdin=GOOD_Q1 + ACCEPT + "g\n" + "half an answer with no end")
    assert r.returncode == 0, r.stderr
    assert "Session over: 1 review saved (good 1)." in r.stdout
    assert [q for q, *_ in _reviews()] == [QS[0].id]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_mid_session_keeps_completed_reviews(set_file: Path, sig: signal.Signals) -> None:
    proc = _start(set_file)
    assert proc.stdin is not None
    proc.stdin.write(GOOD_Q1 + ACCEPT + "g\n" + "the second answer has begun\n")
    proc.stdin.flush()
    _wait_for_reviews(1, proc)
    time.sleep(0.3)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    with _db() as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [(q, rating) for q, rating, *_ in _reviews()] == [(QS[0].id, 3)]
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert "Session over: 1 review saved (good 1)." in out and "Traceback" not in err
    # The next session carries on with the question that was interrupted.
    r = _practice(str(set_file), "--new", "5", stdin="")
    assert _items(r.stdout)[0] == "[1/4] new · Structural Architecture · Intermediate"


# -- reading answers, verdicts and ratings ------------------------------------------------------------------------


def _reader(*lines: str | None) -> Callable[[str], str | None]:
    """A line reader that answers prompts from ``lines`` (None: end of input), then ends input."""
    queue = list(lines)
    return lambda _prompt: queue.pop(0) if queue else None


def test_read_answer_keeps_blank_lines_and_ends_at_a_dot() -> None:
    read = _reader("", "First paragraph,", "  indented line.  ", "", "", "Second paragraph.", " . ", "3")
    assert read_answer(read) == ("First paragraph,\n  indented line.\n\n\nSecond paragraph.", False)
    assert read("") == "3"  # what follows the end mark is left for the next prompt, not read as the answer


def test_read_answer_ends_at_end_of_input() -> None:
    assert read_answer(_reader("one", "", "two", None)) == ("one\n\ntwo", False)
    assert read_answer(_reader(None)) == ("", True)  # Ctrl-D before any line: the session ends
    assert read_answer(_reader(".")) == ("", False)  # an empty answer is still an answer
    assert read_answer(_reader("", "", None)) == ("", False)


def test_confirm_points_accepts_flips_and_rejects_stray_input(capsys: pytest.CaptureFixture[str]) -> None:
    from archqa.practice import Grade, PointGrade

    grade = Grade("lexical", (PointGrade("A", 1.0, "covered", "a"), PointGrade("B", 0.3, "unsure", "", "why")))
    got = confirm_points(grade, _reader("maybe", "5", "2", ""))
    assert not isinstance(got, str) and got is not None and got.covered == (True, True) and got.flipped == (2,)
    out = capsys.readouterr().out
    assert "'maybe': type key-point numbers (1-2) to flip, or Enter to accept" in out
    assert "there is no key point 5" in out and "  2 ✓ B (you flipped the grader's ?)" in out
    accepted = confirm_points(grade, _reader(""))
    assert not isinstance(accepted, str) and accepted is not None and accepted.covered == (True, False)
    assert confirm_points(grade, _reader("s")) == "skip" and confirm_points(grade, _reader("Q")) == "quit"
    assert confirm_points(grade, _reader(None)) is None


def test_read_rating_takes_only_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert read_rating(3, read=_reader("")) == 3
    assert read_rating(3, read=_reader("Some pasted text.", "7", "h")) == 2
    assert capsys.readouterr().out.count("is not a rating") == 2
    assert read_rating(None, read=_reader("", "e")) == 4
    assert "no key points to suggest a rating" in capsys.readouterr().out
    assert read_rating(2, read=_reader("s")) == "skip" and read_rating(2, read=_reader("q")) == "quit"
    assert read_rating(2, read=_reader(None)) is None


def test_the_editor_template_is_stripped_from_the_answer() -> None:
    q = QS[0]
    template = editor_template(q)
    assert template.startswith("\n\n# How would you make") and "# Write your answer above." in template
    written = "My answer.\n\n# a heading I wrote\nMore.\n" + template
    assert strip_template(written, template) == "My answer.\n\n# a heading I wrote\nMore."
    assert strip_template(template, template) == ""


def test_practice_with_an_editor(set_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path).read()\n"
        "open(path, 'w').write('I would use a bounded context around payment retries.\\n\\n'\n"
        "                      'Every wait is bounded by timeouts.\\n' + text)\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    r = _practice(str(set_file), "--limit", "1", "--editor", stdin=ACCEPT + ACCEPT)
    assert r.returncode == 0, r.stderr
    assert "Each answer opens in your editor" in r.stdout and "Key points covered: 2/3" in r.stdout
    assert "> I would use a bounded context around payment retries.\n>\n> Every wait" in r.stdout
    rows = _reviews()
    assert rows[0][5] == "I would use a bounded context around payment retries.\n\nEvery wait is bounded by timeouts."
    monkeypatch.setenv("EDITOR", "false")
    r = _practice(str(set_file), "--limit", "1", "--editor", stdin="")
    assert r.returncode == 2 and "--editor: " in r.stderr and "set $VISUAL or $EDITOR" in r.stderr
    assert "Session over: 0 reviews saved." in r.stdout and len(_reviews()) == 1


def test_grader_help_lists_the_registered_graders(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from archqa.cli.app import cli
    from archqa.practice import Grade, Grader, graders
    from archqa.practice.grade import _GRADERS

    class Fake(Grader):
        name = "fake"
        description = "a grader registered by a test"

        def grade(self, answer: str, key_points: Sequence[str]) -> Grade:
            return Grade(self.name, ())

    graders()  # the built-in ones first
    monkeypatch.setitem(_GRADERS, "fake", Fake)
    out = " ".join(CliRunner().invoke(cli, ["practice", "--help"], terminal_width=200).output.split())
    assert "fake: a grader registered by a test" in out
    assert all(name in out for name in graders())


# -- progress and history on the command line ---------------------------------------------------------------------


def test_progress_and_show_history(set_file: Path) -> None:
    stdin = GOOD_Q1 + "2\n" + ACCEPT + "e\n" + UNRELATED + ACCEPT + "h\n"  # flip point 2, then rate easy anyway
    assert _practice(str(set_file), "--new", "2", stdin=stdin).returncode == 0
    r = run_cli("progress", str(set_file))
    assert r.returncode == 0, r.stderr
    assert "Reviews: 2 in all, 2 in the last 14 days; retention 100%" in _flat(r.stdout)
    assert re.search(r"\n  structural +1/1 67% +0/2 - +1/3 67%\n", r.stdout), r.stdout
    assert re.search(r"\n  data +1/2 0% +1/2 0%\n", r.stdout), r.stdout
    assert f"1 of 1  {QS[0].key_points[1]}" in r.stdout  # the point the user flipped to missed
    data = json.loads(run_cli("progress", str(set_file), "--format", "json", "--days", "3").stdout)
    assert data["reviews"] == 2 and len(data["days"]) == 3 and data["days"][-1]["reviews"] == 2
    cell = next(c for c in data["cells"] if (c["cluster"], c["difficulty"]) == ("structural", "Foundational"))
    assert (cell["seen"], cell["total"]) == (1, 1) and cell["coverage"] == pytest.approx(2 / 3, abs=1e-4)
    assert {(m["question_id"], m["point"]) for m in data["missed"]} >= {(QS[0].id, QS[0].key_points[1])}

    r = run_cli("show", QS[0].id, "--history")
    assert r.returncode == 0, r.stderr
    assert "1 answer, oldest first." in r.stdout and "easy (suggested good) · lexical grader 3/3" in _flat(r.stdout)
    assert (
        f"  ✗ {QS[0].key_points[1]} (you flipped the grader's ✓)\n      “Every wait is bounded by timeouts.”"
        in r.stdout
    )
    assert "  Answer:\n    I would use a bounded context" in r.stdout
    hist = json.loads(run_cli("show", QS[0].id, "--history", "--format", "json").stdout)
    (review,) = hist["reviews"]
    assert (hist["id"], review["rating_name"], review["suggested"]) == (QS[0].id, "easy", 3)
    assert [(p["verdict"], p["user_covered"]) for p in review["points"]] == [
        ("covered", True),
        ("covered", False),
        ("covered", True),
    ]
    r = run_cli("show", "nope", "--history")
    assert r.returncode == 2 and "no question with id 'nope'" in r.stderr
    bank_id = json.loads(run_cli("generate", "--count", "1", "--format", "json").stdout)["set"]["questions"][0]["id"]
    r = run_cli("show", bank_id, "--history")
    assert r.returncode == 0 and "No answers saved yet" in r.stdout and bank_id in r.stdout


def test_wrap_keeps_lines_blank_lines_and_list_indents() -> None:
    from archqa.cli.term import wrap

    text = "A first paragraph that is long enough to wrap.\n\n- a list item that also wraps here\n  indented line"
    assert wrap(text, columns=24) == (
        "A first paragraph that\nis long enough to wrap.\n\n- a list item that also\n  wraps here\n  indented line"
    )
    assert (
        wrap("Why is the sky blue today?", indent="   ", first="Q: ", columns=16)
        == "Q: Why is the\n   sky blue\n   today?"
    )
