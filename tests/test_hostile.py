"""Hostile and broken input never stalls, crashes or overwrites anything (issue 11).

Each stall is run under a tight time budget (archqa.limits.time_budget): were a pattern or a parser to
backtrack again, the budget would stop it and the test fail at once instead of hanging CI.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import archqa
from archqa.errors import InputError, StoreError
from archqa.export.base import atomic_write
from archqa.importer.pipeline import _parse_file, import_paths, read_file_questions
from archqa.limits import read_document_bytes, time_budget
from archqa.store import Store
from archqa.text import mentions, terminal_safe
from archqa.validate import validate_file, validate_text
from archqa.validate.code import parse_code
from tests import hostile
from tests.chat_server import ChatServer, Reply
from tests.conftest import run_cli

BUDGET = 5.0
"""Seconds any of these inputs may take to import or validate (each took from 10 s to hours before)."""


def _import(text: str, path: str = "hostile.md") -> tuple[str, int]:
    """(error, questions) of one file through the importer's per-file step, as a worker runs it."""
    data = text.encode("utf-8")
    parsed = _parse_file(path, path, data, "sha", None)
    assert "took longer than" not in parsed.error, parsed.error
    return parsed.error, len(parsed.rows)


@pytest.mark.parametrize("name", sorted(hostile.CASES))
def test_hostile_input_imports_and_validates_in_time(name: str) -> None:
    text = hostile.CASES[name]()
    start = time.monotonic()
    error, _ = _import(text)
    assert "could not read this file" not in error
    try:
        report = validate_text(text, f"{name}.md", time_limit=BUDGET)
        assert report.path == f"{name}.md"
    except InputError as exc:
        assert "took longer than" not in str(exc)
    assert time.monotonic() - start < 2 * BUDGET


def test_glossary_term_with_runs_of_spaces_is_linear() -> None:
    term = "a" + " " * 40 + "b"
    with time_budget(2, "glossary"):
        assert not mentions("a" + " " * 60 + "c", term)
        assert mentions("an a  b here", term)  # a run of spaces in a term counts as one separator
        assert mentions("we use a-b", term)
    assert mentions("consistent hashing (CH) helps", "Consistent Hashing (CH)")
    assert mentions("a ch ring", "Consistent Hashing (CH)")


def test_house_import_of_4000_questions_is_linear() -> None:
    with time_budget(BUDGET, "house-4000"):
        dialect, questions, _ = read_file_questions(hostile.house_many_questions(), "bank.md")
    assert dialect == "house" and len(questions) == 4000


def test_deep_code_blocks_are_reported_unchecked_not_crashed() -> None:
    for label, code in [
        ("json", "[" * 50_000),
        ("yaml", "a: " + "[" * 50_000),
        ("sql", "SELECT " + "(" * 5_000 + "1" + ")" * 5_000),
        ("python", "x = " + "-" * 50_000 + "1"),
    ]:
        r = parse_code(label, code)
        assert r.ok and not r.checked, (label, r)
    report = validate_text(hostile.deep_code(), "deep.md", time_limit=BUDGET)
    unchecked = [f for f in report.findings if f.rule == "code.unchecked"]
    assert len(unchecked) >= 4 and all(f.severity.value == "warning" for f in unchecked)


def test_slow_tree_sitter_parse_is_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    import archqa.validate.code as code

    monkeypatch.setattr(code, "BLOCK_SECONDS", 0.0)
    r = parse_code("go", "package main\n\nfunc main() {\n" + "\tx := f(a, b)\n" * 2_000 + "}\n")
    assert not r.checked and "longer than" in r.message


def test_yaml_alias_bomb_in_front_matter_is_refused() -> None:
    text = hostile.yaml_alias_bomb()
    assert len(text) < 400
    _import(text)
    error, _ = _import(text.replace("tags: [*h, *h]", "tags: [x]").replace("title:", "title:"), "fm.md")
    assert not error


def test_lone_surrogate_escape_is_kept_literal_and_stored(tmp_path: Path) -> None:
    f = tmp_path / "s.md"
    f.write_text(hostile.lone_surrogate(), encoding="utf-8")
    with Store.open(tmp_path / "s.db") as store:
        report = import_paths([str(f)], store)
        assert not report.failed, report.failed
        q = store.get(store.list()[0].id)
    assert q is not None
    answer = q["question"].answer  # type: ignore[attr-defined]
    assert "\\ud800" in answer and "\U0001f600" in answer


def test_a_file_over_its_time_budget_fails_alone(tmp_path: Path) -> None:
    ok = tmp_path / "ok.md"
    ok.write_text(hostile.house_many_questions(3), encoding="utf-8")
    with pytest.raises(InputError, match="took longer than"):
        validate_file(ok, time_limit=0.0001)
    assert validate_file(ok).questions == 3


def test_validate_judges_each_file_on_its_own(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text(hostile.house_many_questions(2), encoding="utf-8")
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    start = time.monotonic()
    r = run_cli("validate", "-q", str(fifo), "/dev/zero", str(folder), str(tmp_path / "missing.md"), str(good))
    assert time.monotonic() - start < 30
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert "FIFO" in r.stderr and "device" in r.stderr and "is a directory" in r.stderr
    assert "cannot be read: No such file" in r.stderr
    assert "good.md: 2 questions" in r.stdout
    with pytest.raises(InputError, match="over the 1 MB limit"):
        big = tmp_path / "big.md"
        big.write_bytes(b"# x\n" * 300_000)
        read_document_bytes(big, 1_000_000)


def test_store_errors_are_clear_and_leave_nothing_half_written(tmp_path: Path) -> None:
    f = tmp_path / "bank.md"
    f.write_text(hostile.house_many_questions(50), encoding="utf-8")
    db = tmp_path / "s.db"
    with Store.open(db) as store:
        import_paths([str(f)], store)
    g = tmp_path / "more.md"
    g.write_text(hostile.house_many_questions(2000).replace("thing", "other"), encoding="utf-8")
    with pytest.raises(StoreError, match="disk is full.*nothing half-written"):
        with Store.open(db) as store:
            pages = store.db.execute("PRAGMA page_count").fetchone()[0]
            store.db.execute(f"PRAGMA max_page_count={pages}")
            import_paths([str(g)], store)
    with pytest.raises(StoreError, match="read-only"):
        with Store.open(db) as store:
            store.db.execute("PRAGMA query_only=1")
            import_paths([str(g)], store)
    with Store.open(db) as store:
        assert store.stats()["questions"] == 50
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = os.urandom(8192)
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(data))
    for args in (["import", str(g)], ["list"], ["search", "thing"], ["stats"]):
        r = run_cli(*args, "--db", str(bad))
        assert "Traceback" not in r.stderr, r.stderr
        assert r.returncode in (0, 2), (args, r.returncode, r.stderr)


def test_generate_out_is_atomic_and_never_writes_through_links(tmp_path: Path) -> None:
    target = tmp_path / "target.md"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "outside" / "x.md")
    private = tmp_path / "private.md"
    private.write_text("old", encoding="utf-8")
    private.chmod(0o600)
    for out in (link, dangling, private):
        r = run_cli("generate", "--count", "6", "--out", str(out))
        assert r.returncode == 0, r.stderr
        assert not out.is_symlink() and out.read_text(encoding="utf-8").startswith("#")
    assert target.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "outside").exists()
    assert private.stat().st_mode & 0o777 == 0o600
    r = run_cli("generate", "--count", "6", "--out", str(tmp_path / "missing" / "set.md"))
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_cleans_up_after_a_failure_and_a_killed_writer(tmp_path: Path) -> None:
    out = tmp_path / "set.md"
    out.write_text("previous", encoding="utf-8")

    def fail(tmp: Path) -> None:
        tmp.write_text("partial", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(Exception, match="No space left"):
        atomic_write(out, fail)
    assert out.read_text(encoding="utf-8") == "previous"
    stale = tmp_path / ".set.md.999999999.abc.tmp"  # left by a writer killed with -9 (no such process)
    stale.write_text("partial", encoding="utf-8")
    atomic_write(out, lambda tmp: tmp.write_text("new", encoding="utf-8"))
    assert out.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.md"]


def test_atomic_write_removes_its_temp_file_on_sigterm(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from archqa.export.base import atomic_write\n"
        "def slow(tmp):\n    tmp.write_text('partial'); print('writing', flush=True); time.sleep(30)\n"
        f"atomic_write(Path({str(tmp_path / 'out.md')!r}), slow)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "writing"
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=20) != 0
    assert list(tmp_path.iterdir()) == []


def test_import_workers_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    for i in range(4):
        (tmp_path / f"b{i}.md").write_text(hostile.house_many_questions(4000).replace("thing", f"t{i}x"), "utf-8")
    code = (
        "import os, sys; from archqa.importer import pipeline; from archqa.store import Store\n"
        "real = pipeline._parse_file\n"
        "def slow(*a):\n    import time; time.sleep(60); return real(*a)\n"
        "pipeline._parse_file = slow\n"
        f"store = Store.open({str(tmp_path / 'k.db')!r})\n"
        f"pipeline.import_paths([{str(tmp_path)!r}], store, workers=2)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code])
    children: list[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(children) < 2:
        time.sleep(0.2)
        children = [int(c) for c in Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()]
    assert len(children) == 2
    p.kill()
    p.wait()
    deadline = time.monotonic() + 10
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [c for c in alive if _running(c)]
    assert not alive


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_terminal_output_strips_control_sequences(tmp_path: Path) -> None:
    evil = "\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x1b\\\x1b[2J\x9b31m"
    f = tmp_path / "evil.md"
    f.write_text(f"# Bank\n\n## What is a {evil}cache?\n\nA cache {evil}keeps data.\n", encoding="utf-8")
    db = str(tmp_path / "e.db")
    out = ""
    for args in (["import", str(f)], ["list"], ["search", "cache"]):
        r = run_cli(*args, "--db", db)
        assert r.returncode == 0, r.stderr
        out += r.stdout + r.stderr
    qid = run_cli("list", "--db", db).stdout.split()[0]
    out += run_cli("show", qid, "--db", db).stdout
    assert "What is a " in out and "keeps data" in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out)
    assert terminal_safe("a\tb\nc\x1b[31md\r") == "a\tb\ncd"


def test_credentials_in_the_base_url_are_never_printed() -> None:
    url = "http://bob:sk-hunter2@127.0.0.1:9/v1?api_key=k3y"
    r = run_cli("generate", "--model", "m", "--base-url", url, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "sk-hunter2" not in r.stdout + r.stderr and "k3y" not in r.stdout + r.stderr and "***@127.0.0.1" in r.stdout
    with ChatServer(lambda body, n: Reply(status=401)) as srv:
        url = srv.url.replace("http://", "http://bob:sk-hunter2@")
        r = run_cli("generate", "--count", "1", "--model", "m", "--base-url", url)
    assert r.returncode == 2 and "rejected" in r.stderr and "sk-hunter2" not in r.stderr + r.stdout


def test_a_200_reply_that_is_not_json_is_a_clear_error() -> None:
    with ChatServer(lambda body, n: Reply(raw=b"<html>login</html>", content_type="text/html")) as srv:
        r = run_cli("generate", "--count", "1", "--model", "m", "--base-url", srv.url)
    assert r.returncode == 2, r.stderr
    assert "not with a chat completion" in r.stderr and "Traceback" not in r.stderr


def _patterns() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    for m in pkgutil.walk_packages(archqa.__path__, "archqa."):
        if m.name.endswith("__main__"):
            continue
        try:
            mod = importlib.import_module(m.name)
        except Exception:  # a module that does not import fails its own tests; its patterns are not reached
            continue
        for name, value in vars(mod).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.setdefault(f"{m.name}.{name}", value)
    return found


PREFIXES = ["", "**", "__", "Q1:", "Q", "[", "(", "<details><summary>", "1. ", "A:", "**A", "a ", "`", "|"]
PUMPS = [" ", "\u00a0", "\n", " \n", "\u00a0\n", "(", "[", "<", "*a", "1.", "**", "](#", "http://", "-", "|"]


def test_every_module_level_pattern_matches_in_linear_time() -> None:
    """Each compiled pattern in archqa, on strings built to make backtracking patterns blow up (16,000
    characters of a pumped fragment after a prefix, with a failing end): a quadratic pattern takes seconds."""

    class Slow(Exception):
        pass

    def alarm(signum: int, frame: object) -> None:
        raise Slow

    previous = signal.signal(signal.SIGALRM, alarm)
    slow = []
    try:
        for name, pattern in sorted(_patterns().items()):
            for pre in PREFIXES:
                for pump in PUMPS:
                    s = pre + pump * (16_000 // len(pump)) + "!\x01"
                    signal.setitimer(signal.ITIMER_REAL, 0.5)
                    try:
                        pattern.search(s)
                        pattern.match(s)
                    except Slow:
                        slow.append((name, pre, pump))
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    if slow and slow[-1][0] == name:
                        break
                if slow and slow[-1][0] == name:
                    break
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert not slow, slow


def test_store_error_messages_name_the_file_and_the_fix() -> None:
    from archqa.store.store import store_error

    for msg, want in [
        ("attempt to write a readonly database", "read-only"),
        ("database or disk is full", "disk is full"),
        ("database disk image is malformed", "damaged"),
        ("database is locked", "busy"),
    ]:
        text = str(store_error(Path("/x/s.db"), sqlite3.OperationalError(msg)))
        assert text.startswith("/x/s.db: ") and want in text and ("--db" in text or "again" in text)


def test_a_deadline_inside_a_deferred_region_is_raised_when_it_ends() -> None:
    from archqa.limits import deferred, time_budget

    start = time.monotonic()
    reached = []
    with pytest.raises(InputError, match="time limit"):
        with time_budget(0.2, "slow.md"):
            with deferred():
                time.sleep(0.4)  # the alarm fires here and waits
                reached.append(True)
            reached.append(False)  # never: raised as the region ends
    assert reached == [True] and time.monotonic() - start >= 0.4


def test_exempt_time_does_not_count_against_the_budget() -> None:
    from archqa.limits import exempt, time_budget

    with time_budget(0.3, "doc.md"):
        with exempt():
            time.sleep(0.4)
        time.sleep(0.1)  # 0.5 s in all, 0.1 s of it counted
