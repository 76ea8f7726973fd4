"""`archqa import` and the store: dialects, repair, enrichment, duplicates, re-import, bad input, search."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archqa.formats.source import read_text
from archqa.importer import import_paths, read_file_questions
from archqa.model import Question
from archqa.store import Store
from tests.conftest import run_cli

FIX = Path(__file__).parent / "fixtures" / "dialects"
EXPECTED = {
    "numbered.md": ("numbered", 2),
    "qa_headings.md": ("qa-headings", 4),
    "details.md": ("details", 3),
    "qa_markers.md": ("qa-markers", 3),
    "cards.md": ("cards", 2),
    "front_matter.md": ("front-matter", 1),
    "sections.md": ("sections", 1),
    "labelled_prompts.md": ("qa-headings", 3),
    "decorated_numbered.md": ("numbered", 3),
    "list_cards.md": ("list-cards", 2),
    "bold_questions.md": ("bold-questions", 3),
    "qa_table.md": ("qa-table", 3),
    "numbered_prompts.md": ("numbered", 3),
    "list_questions.md": ("list-cards", 3),
}


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_DB", str(tmp_path / "store.db"))
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_dialect_is_detected_and_read(name: str) -> None:
    p = FIX / name
    dialect, qs, _ = read_file_questions(read_text(p), str(p))
    assert (dialect, len(qs)) == EXPECTED[name]
    for sq in qs:
        assert sq.question.title and sq.question.provenance and sq.question.provenance.line >= 1
        assert sq.cluster_reason and sq.difficulty_reason


def _read(name: str) -> list[tuple[object, ...]]:
    p = FIX / name
    _, qs, _ = read_file_questions(read_text(p), str(p))
    return [(sq.question, sq.flags) for sq in qs]


def test_labelled_prompts_keywords_and_answers_in_plain_fences() -> None:
    qs = [q for q, _ in _read("labelled_prompts.md")]
    first = qs[0]
    assert first.title.startswith("Design a Rate Limiter for a Public API: How would you limit each API key")
    assert [q.number for q in qs] == [1, 2, 1]  # 'Question 1.1', '1.2', '2.1'
    assert [q.topic for q in qs] == ["Rate Limiting", "Rate Limiting", "Messaging"]
    assert {"token-bucket", "sliding-window", "redis"} <= set(first.tags)
    # The sample answer sits in an untagged fence: it is answer text (kept verbatim), not a code example.
    assert not first.code and "```\nI would keep one token bucket per API key" in first.answer
    assert "**Question:**" not in first.answer and "Sample Answer" not in first.answer
    assert "What happens when the shared store is unavailable?" in first.answer
    assert qs[1].answer.startswith("Count asynchronously from the request log")


def test_decorated_numbered_headings_and_emphasis_in_titles() -> None:
    qs = [q for q, _ in _read("decorated_numbered.md")]
    assert [(q.number, q.title) for q in qs] == [
        (1, "What is a cache stampede?"),
        (2, "When should you prefer write-through caching?"),
        (3, "How does a CDN decide what to evict?"),
    ]
    assert qs[0].answer.startswith("A stampede happens") and "request coalescing" in qs[0].answer
    assert qs[2].code and qs[2].code[0].language == "python"


def test_questions_inside_list_items() -> None:
    qs = [q for q, _ in _read("list_cards.md")]
    assert [(q.number, q.title, q.provenance.line if q.provenance else 0) for q in qs] == [
        (1, "What is idempotency", 10),
        (2, "What is a saga", 20),
    ]
    assert qs[0].code and qs[0].code[0].code == "await put(`/orders/${id}`, body);"
    assert all("Back to Top" not in q.answer for q in qs)  # navigation links are not answer text
    assert all(q.topic != "Table of Contents" for q in qs)


def test_list_items_with_a_question_line_and_an_answer() -> None:
    qs = [q for q, _ in _read("list_questions.md")]
    assert [(q.number, q.title, q.provenance.line if q.provenance else 0) for q in qs] == [
        (1, "What does a load balancer do?", 3),
        (2, "What is the difference between L4 and L7 load balancing?", 7),
        (3, "What is a sticky session?", 14),
    ]
    assert qs[1].answer.endswith("- L7 can terminate TLS\n- L4 is cheaper per connection")
    assert qs[2].answer == "Requests from one client keep going to the same server, usually through a cookie."
    # A bank whose questions are headings keeps its reader even when an answer lists questions with notes.
    text = (FIX / "numbered.md").read_text() + "\n- Why?\n  Because.\n- How?\n  Like this.\n"
    assert read_file_questions(text, "n.md")[0] == "numbered"


def test_bold_question_lines_under_category_headings() -> None:
    qs = [q for q, _ in _read("bold_questions.md")]
    assert [(q.number, q.title, q.topic) for q in qs] == [
        (1, "What is the CAP theorem?", "Databases"),
        (2, "How do you pick a shard key?", "Databases"),
        (3, "What is back-pressure?", "Queues"),
    ]
    assert "avoid monotonically increasing keys" in qs[1].answer


def test_imperative_prompts_are_questions_and_their_sub_sections_the_answer() -> None:
    text = (FIX / "numbered_prompts.md").read_text()
    for variant, dialect in ((text, "numbered"), (re.sub(r"(?m)^## \d\. ", "## ", text), "cards")):
        got, qs, _ = read_file_questions(variant, "p.md")
        assert got == dialect
        assert [sq.question.title for sq in qs] == [
            "Design a URL shortener",
            "Design a news feed",
            "Design a distributed job scheduler",
        ]
        assert qs[1].question.answer.startswith("**Requirements**\n\nFollowers see new posts within seconds.")
        assert "**High-level design**" in qs[1].question.answer


def test_details_inside_code_do_not_make_a_details_file() -> None:
    example = "\n```html\n<details><summary>{}</summary>body</details>\n```\n"
    text = (FIX / "cards.md").read_text() + example.format("a") + example.format("b")
    assert read_file_questions(text, "c.md")[0] == "cards"


def test_a_category_that_names_a_cluster_files_the_question_there() -> None:
    _, qs, _ = read_file_questions(read_text(FIX / "front_matter.md"), "f.md")  # category: Quality
    assert (qs[0].cluster, qs[0].cluster_confidence) == ("quality", 1.0)
    assert qs[0].cluster_reason == "in the source's 'Quality' section"
    _, qs, _ = read_file_questions("## Data Architecture\n\n### Why?\n\nBecause.\n\n### How?\n\nSo.\n", "d.md")
    assert {sq.cluster for sq in qs} == {"data"}


def test_rules_right_under_an_answer_do_not_make_it_a_question() -> None:
    # CommonMark reads a paragraph directly followed by '---' as a heading; in a bank that is a separator.
    text = (
        "# Bank\n\n## What is a lease?\nA lock with an expiry.\n---\n"
        "## Why fence tokens?\nThey stop a paused holder from writing.\n---\n"
    )
    _, qs, _ = read_file_questions(text, "r.md")
    assert [(sq.question.title, sq.question.answer) for sq in qs] == [
        ("What is a lease?", "A lock with an expiry."),
        ("Why fence tokens?", "They stop a paused holder from writing."),
    ]


def test_question_and_answer_tables() -> None:
    qs = [q for q, _ in _read("qa_table.md")]
    assert [(q.number, q.topic, q.provenance.line if q.provenance else 0) for q in qs] == [
        (1, "Replication", 7),
        (2, "Replication", 8),
        (3, "Queues", 14),
    ]
    assert qs[1].answer.endswith("- semi-synchronous replication narrows the window")  # <br> became a line break
    assert qs[2].title == "What does a dead-letter queue hold?"


def test_q_marker_titles_and_plain_answer_markers() -> None:
    text = (
        "# Caching\n\n### Q: What is a write-behind cache?\n\n"
        "Answer: The cache acknowledges writes and flushes them later, in batches.\n\n"
        "### Q: Why put a TTL on every key?\n\n**A:** So stale entries age out when an invalidation is lost.\n"
    )
    _, qs, _ = read_file_questions(text, "c.md")
    assert [(q.title, q.answer) for q in (sq.question for sq in qs)] == [
        ("What is a write-behind cache?", "The cache acknowledges writes and flushes them later, in batches."),
        ("Why put a TTL on every key?", "So stale entries age out when an invalidation is lost."),
    ]


def test_import_help_names_every_reader() -> None:
    from click.testing import CliRunner

    from archqa.cli.app import cli
    from archqa.formats.readers import readers

    text = " ".join(CliRunner().invoke(cli, ["import", "--help"]).output.split())
    assert all(name in text.replace("- ", "-") for name in readers())


def test_detection_skips_only_readers_that_cannot_win() -> None:
    from archqa.formats.readers import SourceText, detect, readers

    docs = [read_text(p) for p in sorted(FIX.iterdir())]
    docs += [
        (FIX / "qa_markers.md").read_text() + "\n<details><summary>More?</summary>\n\nYes.\n</details>\n",
        "## Is this a card?\n\nYes.\n\n## And this?\n\nNo.\n",
        "plain text with no questions at all\n",
    ]
    for text in docs:
        src = SourceText.parse(text, "x.md")
        order = list(readers())
        every = [(r.detect(src), -order.index(n), n) for n, r in readers().items()]
        assert all(c <= readers()[n].max_confidence for c, _, n in every)
        conf, _, name = max(every)
        got, got_conf = detect(src)
        assert (got.name, got_conf) == (name, conf)


def test_fences_never_split_questions_and_code_is_kept_byte_for_byte() -> None:
    _, qs, _ = read_file_questions(read_text(FIX / "numbered.md"), "numbered.md")
    code = qs[0].question.code[0].code
    assert code == "# A heading-looking comment must stay inside the code\n---\ndef enqueue(job):\n    return job"
    _, cards, _ = read_file_questions(read_text(FIX / "cards.md"), "cards.md")
    assert [q.question.title for q in cards] == ["What is an error budget?", "Why add jitter to retries?"]
    assert cards[1].question.code[0].code.startswith("# not a heading\nretry:")


def test_range_headings_and_answer_markers() -> None:
    _, qs, _ = read_file_questions(read_text(FIX / "qa_headings.md"), "x.md")
    assert [q.question.number for q in qs] == [41, 42, 44, 45]
    assert [q.question.topic for q in qs] == ["Messaging", "Messaging", "Storage", "Storage"]
    assert qs[0].question.answer.startswith("Each partition")
    assert "leader" in qs[3].question.answer


def test_stubs_and_empty_answers_are_flagged_not_stored() -> None:
    _, qs, _ = read_file_questions(read_text(FIX / "details.md"), "d.md")
    assert qs[2].flags == ["stub-answer"] and qs[2].question.answer == ""
    _, qs, _ = read_file_questions(read_text(FIX / "qa_markers.md"), "q.md")
    assert qs[2].flags == ["empty-answer"]


def test_import_directory_reimport_and_change(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    for name in EXPECTED:
        (bank / name).write_bytes((FIX / name).read_bytes())
    with Store.open() as store:
        r = import_paths([str(bank)], store)
        assert [f.status for f in r.files] == ["imported"] * len(EXPECTED)
        total = store.stats()["questions"]
        assert total == sum(n for _, n in EXPECTED.values())
        r = import_paths([str(bank)], store)
        assert {f.status for f in r.files} == {"unchanged"}
        assert store.stats()["questions"] == total
        qa = bank / "qa_markers.md"
        qa.write_text(qa.read_text().split("Q: Why version")[0])
        r = import_paths([str(bank / "*.md")], store)
        assert [f.status for f in r.files if f.path.endswith("qa_markers.md")] == ["imported"]
        assert store.stats()["questions"] == total - 2
        assert not store.search("breaking change")


def test_mojibake_is_repaired_and_unrepairable_lines_reported(tmp_path: Path) -> None:
    f = tmp_path / "m.md"
    f.write_text(
        "# T\n\nQ: What\u00e2\u20ac\u2122s a lease?\nA: A time-limited lock \u2014 it expires.\n\n"
        "Q: Broken?\nA: This line has a lost byte \ufffd here.\n",
        encoding="utf-8",
    )
    with Store.open() as store:
        r = import_paths([str(f)], store)
        res = r.files[0]
        assert res.status == "imported" and res.repaired_lines == 1
        assert res.unrepaired_lines == [7]
        titles = [h.title for h in store.list()]
        assert "What\u2019s a lease?" in titles


def test_duplicates_are_linked_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("Q: What is replication lag in a database?\nA: The delay.\n\nQ: x y z?\nA: w.\n")
    (tmp_path / "b.md").write_text(
        "Q: What is replication lag in a database?\nA: Delay.\n\n"
        "Q: What is the replication lag of a database?\nA: Also delay.\n"
    )
    with Store.open() as store:
        r = import_paths([str(tmp_path)], store)
        assert r.exact_duplicates == 1 and r.near_duplicates >= 1
        hit = store.search("replication lag", source="a.md")[0]
        info = store.get(hit.id)
        assert info is not None and {d["kind"] for d in info["duplicates"]} == {"exact", "near"}
        links = store.db.execute("SELECT * FROM duplicates ORDER BY a, b").fetchall()
        # Rows stored before migration 0005 have no title terms: linking computes them and finds the same.
        store.db.execute("UPDATE questions SET title_terms = ''")
        assert store.relink_duplicates() == (r.exact_duplicates, r.near_duplicates)
        assert store.db.execute("SELECT * FROM duplicates ORDER BY a, b").fetchall() == links


def test_import_lists_the_duplicates_it_found(tmp_path: Path) -> None:
    import json

    (tmp_path / "a.md").write_text("Q: What is replication lag in a database?\nA: The delay.\n\nQ: x y z?\nA: w.\n")
    (tmp_path / "b.md").write_text(
        "Q: What is replication lag in a database?\nA: Delay.\n\nQ: What is the replication lag of a database?\nA: D.\n"
    )
    r = run_cli("import", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "1 exact, 2 near" in r.stdout and "duplicates touching these files (3):" in r.stdout
    assert "a.md:1 'What is replication lag in a database?'" in r.stdout
    assert r.stdout.index("near ") < r.stdout.index("exact ", r.stdout.index("touching"))  # near ones first
    (tmp_path / "c.md").write_text("Q: Unrelated question about leases?\nA: They expire.\n\nQ: And locks?\nA: Held.\n")
    data = json.loads(run_cli("import", str(tmp_path), "--format", "json").stdout)
    assert data["new_duplicate_pairs"] == []  # only c.md was imported, and it repeats nothing
    assert [f["status"] for f in data["files"]] == ["unchanged", "unchanged", "imported"]


def test_a_reader_failing_on_one_file_does_not_stop_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archqa.formats.readers import RawQuestion, SourceText, base, bold_questions

    (tmp_path / "a.md").write_text("Q: What is a lease?\nA: A lock that expires.\n\nQ: b?\nA: c.\n")
    (tmp_path / "b.md").write_text("**1. What is odd?**\n\nThis file trips the reader.\n\n**2. Why?**\n\nBecause.\n")

    def broken(src: SourceText) -> list[RawQuestion]:
        raise IndexError("list index out of range")

    monkeypatch.setattr(bold_questions, "read", broken)
    monkeypatch.setattr(base, "_READERS", {})  # re-register the built-in readers with the broken one
    try:
        with Store.open(tmp_path / "s.db") as store:
            report = import_paths([str(tmp_path)], store)
            assert store.stats()["questions"] == 2
    finally:
        monkeypatch.undo()
        base._READERS.clear()  # the next use registers the real readers again
    assert [(Path(f.path).name, f.status) for f in report.files] == [("a.md", "imported"), ("b.md", "failed")]
    assert "b.md: archqa could not read this file (IndexError: list index out of range)" in report.files[1].error


def test_bad_files_are_reported_and_the_others_import(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("Q: What is a lease?\nA: A lock that expires.\n\nQ: b?\nA: c.\n")
    (tmp_path / "binary.md").write_bytes(b"\x89PNG\x00\x00\x01")
    (tmp_path / "latin1.md").write_bytes("Q: caf\u00e9?\nA: x\n".encode("latin-1"))
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "prose.md").write_text("Just some notes without any questions at all.\n")
    big = tmp_path / "big.md"
    with big.open("wb") as fh:
        fh.write(b"Q: big?\nA: " + b"x " * 26_000_000 + b"\n")
    r = run_cli("import", str(tmp_path))
    assert r.returncode == 1
    for name, words in [
        ("binary.md", "binary"),
        ("latin1.md", "not valid UTF-8"),
        ("empty.md", "empty"),
        ("prose.md", "no recognizable questions"),
        ("big.md", "MB limit"),
    ]:
        line = next(x for x in r.stderr.splitlines() if name in x)
        assert words in line, line
    assert "latin1.md:1:" in r.stderr
    assert "imported" in r.stdout and "good.md" in r.stdout
    assert "Traceback" not in r.stderr
    with Store.open() as store:
        assert store.stats()["questions"] == 2


def test_schema_is_exactly_the_migrated_one(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        rows = store.db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'questions_fts_%' ORDER BY name"
        ).fetchall()
        names = [r[0] for r in store.db.execute("SELECT name FROM migrations ORDER BY rowid")]
        fts_config = dict(store.db.execute("SELECT k, v FROM questions_fts_config").fetchall())
    expected = (Path(__file__).parent / "fixtures" / "schema.sql").read_text()
    got = "\n".join(f"-- {t} {n}\n{' '.join((s or '').split())}" for t, n, s in rows) + "\n"
    assert got == expected
    assert names == [
        "0001_initial",
        "0002_source_references",
        "0003_practice",
        "0004_fts_automerge",
        "0005_title_terms",
        "0006_review_points",
        "0007_interviews",
        "0008_team",
    ]
    assert fts_config.get("automerge") == 16


def test_migrations_run_once_and_survive_reopen(tmp_path: Path) -> None:
    from archqa.store import migrate

    with Store.open(tmp_path / "s.db") as store:
        assert migrate(store.db) == []


def test_search_all_words_vs_any_and_filters() -> None:
    with Store.open() as store:
        import_paths([str(FIX)], store)
        assert store.search("replication lag")
        assert not store.search("replication jitter")
        assert store.search("replication jitter", any_words=True)
        assert all(h.difficulty == "Foundational" for h in store.search("what", difficulty="foundational"))
        hits = store.search("consumer", topic="messaging")
        assert hits and {h.topic for h in hits} == {"Messaging"}
        assert len(store.search("consumer")) > len(hits)
        assert store.search("limiter", tag="rate-limiting")


def test_cli_search_show_list_stats_json() -> None:
    import json

    assert run_cli("import", str(FIX)).returncode == 0
    r = run_cli("search", "consumer group", "--format", "json")
    hits = json.loads(r.stdout)
    assert hits and hits[0]["title"].startswith("What does a consumer group")
    r = run_cli("show", hits[0]["id"])
    assert "cluster:" in r.stdout and "difficulty:" in r.stdout and "qa_headings.md:" in r.stdout
    assert run_cli("show", "nope").returncode == 2
    stats = json.loads(run_cli("stats", "--format", "json").stdout)
    assert stats["questions"] == sum(n for _, n in EXPECTED.values()) and stats["flagged"] == {
        "stub-answer": 1,
        "empty-answer": 1,
    }
    assert "cards.md" in run_cli("list").stdout


def test_generate_draws_from_the_store() -> None:
    assert run_cli("import", str(Path(__file__).parents[1] / "src" / "archqa" / "bank")).returncode == 0
    r = run_cli("generate", "--bank", "store", "--count", "8")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("\n### Q") == 8


def test_killing_an_import_leaves_the_store_consistent(tmp_path: Path) -> None:
    src = tmp_path / "many"
    src.mkdir()
    body = "".join(
        f"Q: Question number {i} about leases and locks?\nA: Answer {i} explains it.\n\n" for i in range(400)
    )
    for i in range(60):
        (src / f"f{i:03d}.md").write_text(f"# File {i}\n\n" + body.replace("Question", f"Item{i} question"))
    db = tmp_path / "kill.db"
    env = {**os.environ, "ARCHQA_DB": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "archqa", "import", str(src)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=5) as c:
                    if c.execute("SELECT count(*) FROM sources").fetchone()[0] >= 3:
                        break
            except sqlite3.Error:
                continue
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = c.execute(
            "SELECT s.questions, (SELECT count(*) FROM questions q WHERE q.source_id = s.id) FROM sources s"
        ).fetchall()
        assert rows and all(a == b for a, b in rows)
        n_sources = len(rows)
    assert n_sources < 60
    r = subprocess.run([sys.executable, "-m", "archqa", "import", str(src)], env=env, capture_output=True, text=True)
    assert r.returncode == 0
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM sources").fetchone()[0] == 60


DETAILS_DOC = """# Queues

<details>
<summary>How do you make a consumer idempotent?</summary>

**Key insight:** remember what you applied.

Store each message id with the state change, in one transaction.

**Key points:**

- dedupe by message id
- same transaction as the write

```python
# not a heading
def seen(key):
    return key in applied
```

</details>

<details>
<summary>Why batch acknowledgements?</summary>
Fewer round trips.

- one ack per batch
</details>
"""


def test_details_bodies_read_from_the_file_parse_match_a_separate_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    from archqa.formats.readers import details

    def fields(text: str) -> list[tuple[object, ...]]:
        _, qs, _ = read_file_questions(text, "d.md")
        return [
            (q.title, q.answer, q.key_insight, q.key_points, [c.code for c in q.code], q.provenance.line)
            for q in (sq.question for sq in qs)
            if q.provenance
        ]

    used: list[bool] = []
    real = details._body_blocks

    def spy(*args: object) -> object:
        got = real(*args)  # type: ignore[arg-type]
        used.append(got is not None)
        return got

    monkeypatch.setattr(details, "_body_blocks", spy)
    fast = fields(DETAILS_DOC)
    assert used == [True, False]  # the second body follows its summary with no blank line: parsed on its own
    monkeypatch.setattr(details, "_body_blocks", lambda *a: None)
    assert fast == fields(DETAILS_DOC)
    assert fast[0][2:5] == (
        "remember what you applied.",
        ["dedupe by message id", "same transaction as the write"],
        ["# not a heading\ndef seen(key):\n    return key in applied"],
    )


@pytest.mark.parametrize(
    ("raw", "title", "number"),
    [
        ("Q: What is X?", "What is X?", None),
        ("Question 3: Why?", "Why?", 3),
        ("1.2. How?", "How?", 2),
        ("Q12) What", "What", 12),
        ("2PC vs saga?", "2PC vs saga?", None),
        ("Quorum reads?", "Quorum reads?", None),
        ("**What** is _this_?", "What is this?", None),
        ("\U0001f539 4. Hi?", "Hi?", 4),
        ("3 ways to scale?", "3 ways to scale?", None),
        ("snake_case_names stay?", "snake_case_names stay?", None),
        ('"Quoted" title', '"Quoted" title', None),
    ],
)
def test_clean_title(raw: str, title: str, number: int | None) -> None:
    from archqa.importer.fields import clean_title

    assert clean_title(raw) == (title, number)


def test_worker_pool_import_matches_the_serial_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archqa.importer import pipeline

    src = tmp_path / "bank"
    src.mkdir()
    for p in sorted(FIX.iterdir()):
        (src / p.name).write_bytes(p.read_bytes())
    (src / "broken.md").write_bytes(b"\x89PNG\x00\x00")
    (src / "empty.md").write_text("")

    def run(db: str, workers: int) -> tuple[list[tuple[str, str, int]], list[str], list[tuple[object, ...]]]:
        ticks: list[str] = []
        with Store.open(tmp_path / db) as store:
            report = import_paths([str(src)], store, workers=workers, progress=lambda f: ticks.append(f.name))
            rows = store.db.execute("SELECT id, title, cluster, data FROM questions ORDER BY id").fetchall()
        return [(Path(r.path).name, r.status, r.questions) for r in report.files], ticks, rows

    monkeypatch.setattr(pipeline, "PARALLEL_BYTES", 0)  # use the pool even for these small files
    pooled = run("pooled.db", 2)
    serial = run("serial.db", 1)
    assert pooled == serial
    names = sorted(p.name for p in src.iterdir())
    assert [name for name, *_ in pooled[0]] == names and pooled[1] == names  # results and progress in path order
    assert {status for _, status, _ in pooled[0]} == {"imported", "failed"}
    with Store.open(tmp_path / "pooled.db") as store:  # again: every readable file is unchanged
        again = import_paths([str(src)], store, workers=2)
    assert [f.status for f in again.files if f.status != "failed"] == ["unchanged"] * (len(names) - 2)


INJECT_CASES = {
    "numbered": ("## {n}. How does {w} work?\n\n{body}\n", "## 9. What is injected?"),
    "qa-headings": ("### Q{n}: How does {w} work?\n\n**Answer:** {body}\n", "### Q9: Injected?"),
    "cards": ("## How does {w} work?\n\n{body}\n", "## Is this injected?"),
    "bold-questions": ("**{n}. How does {w} work?**\n\n{body}\n", "**9. Is this injected?**"),
    "qa-markers": ("Q: How does {w} work?\nA: {body}\n", "Q: Is this injected?\nA: It must not be."),
    "details": (
        "<details>\n<summary>How does {w} work?</summary>\n\n{body}\n\n</details>\n",
        "<details>\n<summary>Injected?</summary>\n\nNo.\n\n</details>",
    ),
    "list-cards": ("{n}. ### How does {w} work\n\n   {body}\n", "### Injected heading"),
}


@pytest.mark.parametrize("dialect", sorted(INJECT_CASES))
def test_question_markers_inside_code_fences_never_start_questions(dialect: str) -> None:
    template, marker = INJECT_CASES[dialect]
    fence = f"```text\n{marker}\n---\n# comment\n```"
    if dialect == "list-cards":
        fence = "\n".join("   " + line for line in fence.split("\n"))
    parts = ["# Bank\n"]
    for n, w in enumerate(["leasing", "fencing", "sharding"], 1):
        body = "It depends on clocks and quorum sizes."
        if n == 2:  # the second answer carries a fence holding what would start a question outside one
            body += "\n\n" + fence
        parts.append(template.format(n=n, w=w, body=body))
    got, qs, _ = read_file_questions("\n".join(parts), "inject.md")
    assert got == dialect
    assert [sq.question.title.split()[2] for sq in qs] == ["leasing", "fencing", "sharding"]
    code = [c.code for c in qs[1].question.code]
    assert code == [f"{marker}\n---\n# comment"]


# -- issue 13: the banks people really have ------------------------------------------------------------------

BANKS = Path(__file__).parent / "fixtures" / "banks"


def _bank(name: str) -> tuple[str, list[Question]]:
    got, qs, _ = read_file_questions(read_text(BANKS / name), name)
    return got, [sq.question for sq in qs]


def test_front_matter_is_metadata_and_the_body_is_read_by_the_readers() -> None:
    got, qs = _bank("front_matter_cards.md")
    assert got == "cards" and len(qs) == 4
    assert all(q.topic == "Integration" and {"messaging", "queues"} <= set(q.tags) for q in qs)
    assert qs[1].code and qs[1].code[0].language == "python"
    article = "---\ntitle: What is a lease?\ntags: [locks]\n---\n\nA lock that expires unless renewed.\n"
    got, qs2, _ = read_file_questions(article, "a.md")
    assert got == "front-matter" and [sq.question.title for sq in qs2] == ["What is a lease?"]


def test_readers_are_chosen_per_part_and_combined() -> None:
    from archqa.importer.read import read_file

    got = read_file(read_text(BANKS / "mixed_layouts.md"), "m.md")
    assert got.dialect == "qa-markers+details+bold-questions"
    assert [p.reader for p in got.reading.parts] == ["qa-markers", "details", "bold-questions"]
    assert len(got.questions) == 6
    follow = got.questions[4].question
    assert "What if two candidates split the vote?" in follow.answer  # follow-ups stay in the answer
    got = read_file(read_text(BANKS / "list_then_headings.md"), "l.md")
    assert got.dialect == "list-cards+numbered" and len(got.questions) == 5
    assert got.questions[1].question.code[0].language == "sql"  # code inside a numbered item


def test_prompts_without_a_question_mark_are_questions_and_section_headings_are_not() -> None:
    from archqa.formats.readers.common import is_prompt

    asks = [
        "Explain the Saga pattern.",
        "Name three tools that trace requests",
        "Difference between X and Y",
        "Compare A with B",
        "How would you shard users",
        "Design a feed",
        "List the trade-offs",
        "What is CAP",
        "Why Kafka",
        "Is PUT idempotent?",
        "What is X? ⭐⭐",
    ]
    sections = [
        "What good answers mention",
        "Calculate usage",
        "Out of scope",
        "Requirements",
        "How it works",
        "High-level design",
        "Design considerations:",
        "Introduction",
    ]
    assert [t for t in asks if not is_prompt(t)] == [] and [t for t in sections if is_prompt(t)] == []
    _, qs = _bank("design_sections.md")
    assert [q.title for q in qs] == ["Design a ride-hailing dispatch service", "Design a news feed"]
    assert "Out of scope" in qs[0].answer and "Calculate usage" in qs[0].answer


def test_an_open_fence_is_reported_with_its_line_and_closed_before_the_next_question() -> None:
    from archqa.importer.read import read_file

    got = read_file(read_text(BANKS / "open_fence.md"), "o.md")
    assert [sq.question.title for sq in got.questions][1:] == [
        "What happens when a queue is unbounded?",
        "How do you size a worker pool?",
    ]
    assert [(line, "never closed" in msg) for line, msg in got.reading.warnings] == [(7, True)]
    assert got.questions[0].question.code[0].code.startswith("for msg := range in")
    # with nothing to close it before, the fence swallows the rest, and the warning says so
    got = read_file("## What is X?\n\nIt is.\n\n```go\nx := 1\n\nmore code\n", "p.md")
    assert got.reading.warnings and "lines after it were read as code" in got.reading.warnings[0][1]


def test_paywall_stubs_prose_fences_inline_html_and_decorated_titles() -> None:
    from archqa.importer.read import read_file

    got = read_file(read_text(BANKS / "paywall.md"), "p.md")
    assert [sq.flags for sq in got.questions] == [["stub-answer"], ["stub-answer"], []]
    _, qs = _bank("bash_prose.md")
    assert qs[0].answer.startswith("Two identical environments") and not qs[0].code
    assert qs[2].code[0].code == "kubectl rollout status deployment/web" and not qs[2].answer
    _, qs = _bank("details_html.md")
    assert qs[0].answer.startswith("The client sends **SYN**, the server answers **SYN-ACK**")
    assert all("<br" not in q.answer and "<b>" not in q.answer for q in qs) and "*TTLs*" in qs[1].answer
    _, qs = _bank("decorated_titles.md")
    assert [q.title for q in qs] == [
        "What is an error budget?",
        "Why page on symptoms rather than causes?",
        "What is a runbook?",
    ]
    _, qs = _bank("anchors_lookalike.md")
    assert all("<a" not in q.answer and q.answer for q in qs)


def test_inline_html_conversion_is_safe() -> None:
    from archqa.formats.inline_html import inline_html_to_markdown as md

    assert md("a <b>bold</b><br>b <i>it</i>") == "a **bold**\nb *it*"
    assert md("List<String> and a < b, `x<b>y`, <b>z</b>") == "List<String> and a < b, `x<b>y`, **z**"
    assert md("<b>x</b><script>alert(1)</script><img src=x onerror=alert(1)>") == "**x**"
    assert md('<a href="https://e.org/?a=1&amp;b=2" onclick="x()">docs</a>') == "[docs](https://e.org/?a=1&b=2)"
    assert md("no tags, 1 < 2") == "no tags, 1 < 2"


def test_promotion_and_summaries_are_not_topics() -> None:
    _, qs = _bank("promo_and_summary.md")
    assert [q.topic for q in qs] == ["Modelling", "Modelling"]
    from archqa.formats.readers.common import clean_category

    assert clean_category("You can also find all 85 answers here 👉") == ""
    assert clean_category("Interview-ready summary") == "" and clean_category("Caching (5 questions)") == "Caching"


def test_a_list_of_questions_without_answers_is_read_and_flagged() -> None:
    got, qs, _ = read_file_questions(read_text(BANKS / "question_list.md"), "q.md")
    assert got == "question-list" and len(qs) == 5 and all(sq.flags == ["empty-answer"] for sq in qs)
    assert [sq.question.topic for sq in qs] == ["Scaling"] * 3 + ["Storage"] * 2


def test_cluster_other_stays_rare_and_says_why() -> None:
    from collections import Counter

    clusters: Counter[str] = Counter()
    for p in sorted(BANKS.glob("*.md")):
        _, qs, _ = read_file_questions(read_text(p), p.name)
        clusters.update(sq.cluster for sq in qs)
    assert clusters["other"] / sum(clusters.values()) < 0.10, clusters
    text = (
        "# Misc\n\n## What is a lease?\n\nA lock that expires.\n\n## What is quux?\n\nNobody knows.\n\n"
        "## How do locks expire?\n\nBy lease.\n"
    )
    _, qs, _ = read_file_questions(text, "m.md")
    quux = next(sq for sq in qs if "quux" in sq.question.title)
    assert quux.cluster == "behavioral" and "filed with most questions of its file" in quux.cluster_reason


def test_near_duplicates_keep_acronyms_and_different_code_apart(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "## What is HTTPS?\n\nHTTP over TLS.\n\n## What does this print?\n\n```python\nprint(1)\n```\n"
    )
    (tmp_path / "b.md").write_text(
        "## What is HTTP?\n\nA protocol.\n\n## What does this print?\n\n```python\nprint(2)\n```\n"
        "\n## What are leases for?\n\nLocks.\n"
    )
    (tmp_path / "c.md").write_text("## What are the leases for?\n\nExpiring locks.\n")
    with Store.open(tmp_path / "s.db") as store:
        report = import_paths([str(tmp_path)], store)
        pairs = [(p.kind, p.a[1], p.b[1]) for p in store.duplicate_pairs()]
    assert (report.exact_duplicates, report.near_duplicates) == (0, 1)
    assert pairs == [("near", "What are leases for?", "What are the leases for?")]


def test_import_warns_when_a_file_may_lose_questions(tmp_path: Path) -> None:
    import json

    (tmp_path / "lost.md").write_text(
        "# Notes\n\n## Intro\n\nSome words.\n\nWhy are these lost?\n\nBecause no reader takes a plain line.\n\n"
        "## What is kept?\n\nThis one.\n\n## What else is kept?\n\nThat one.\n\n```sh\nopen fence\n"
    )
    r = run_cli("import", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "lost.md:7: looks like a question but was not imported: 'Why are these lost?'" in r.stderr
    assert "lost.md:19: this code fence is never closed" in r.stderr
    assert "1 file may have lost questions" in r.stderr and "skipped region" in r.stdout
    assert run_cli("import", "--strict", str(tmp_path / "lost.md"), "--db", str(tmp_path / "x.db")).returncode == 3
    data = json.loads(run_cli("import", "--format", "json", str(tmp_path), "--db", str(tmp_path / "y.db")).stdout)
    f = data["files"][0]
    assert f["loses_questions"] and f["skipped_regions"] >= 1 and f["lost"] == [[7, "Why are these lost?"]]
    assert data["files_that_may_lose_questions"] == 1


def test_import_explain_shows_readers_lines_and_what_was_skipped(tmp_path: Path) -> None:
    import json

    r = run_cli("import", "--explain", str(BANKS / "mixed_layouts.md"), str(BANKS / "scenario_question_label.md"))
    assert r.returncode == 0, r.stderr
    assert "read as qa-markers+details+bold-questions" in r.stdout
    assert "lines 3-10: qa-markers, 2 questions" in r.stdout and "lines 27-41: bold-questions" in r.stdout
    assert "  line 29: How would you elect a leader among five nodes?" in r.stdout
    data = json.loads(run_cli("import", "--explain", "--format", "json", str(BANKS / "promo_and_summary.md")).stdout)
    ex = data["files"][0]
    assert [q["title"] for q in ex["questions"]] == ["What is normalisation?", "When would you denormalise?"]
    assert any(s["text"].startswith("- normalise first") for s in ex["skipped"])
    assert not (Path(os.environ["ARCHQA_DB"])).exists()  # --explain writes nothing
    assert run_cli("import", "--explain", str(tmp_path / "missing.md")).returncode == 1


def test_export_and_search_cover_the_store_and_the_bundled_bank() -> None:
    import json

    hits = json.loads(run_cli("search", "saga", "--format", "json").stdout)
    assert hits and all(h["source"].startswith("archqa/bank/") for h in hits)  # nothing imported yet
    assert json.loads(run_cli("search", "saga", "--no-bank", "--format", "json").stdout) == []
    assert run_cli("import", str(BANKS / "*.md")).returncode == 0
    out = Path(os.environ["ARCHQA_DB"]).parent / "store.json"
    r = run_cli("export", "store", "-o", str(out))
    assert r.returncode == 0, r.stderr
    import yaml

    expected = yaml.safe_load((BANKS / "expected.yaml").read_text())
    assert len(json.loads(out.read_text())["set"]["questions"]) == sum(len(v) for v in expected.values())
    hits = json.loads(run_cli("search", "lease", "--format", "json").stdout)
    assert {h["source"].startswith("archqa/bank/") for h in hits} == {True, False}
    # imported notes (an open fence, inline HTML, prose fences among them) make a set the validator can read:
    # its findings (notes have no key insight) give exit 1, never an unreadable document
    r = run_cli("generate", "--bank", "store", "--count", "6", "--allow-shortfall")
    assert r.returncode in (0, 1) and "never closed" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert r.stdout.count("\n### Q") >= 5


MOJIBAKE = BANKS / "mojibake"


@pytest.mark.parametrize("name", ["cp1252.md", "cp1254.md", "latin1.md"])
def test_mojibake_from_each_code_page_is_repaired(name: str, tmp_path: Path) -> None:
    clean = read_file_questions(read_text(MOJIBAKE / "clean.md"), "clean.md")[1]
    with Store.open(tmp_path / "s.db") as store:
        report = import_paths([str(MOJIBAKE / name)], store)
    f = report.files[0]
    assert f.status == "imported" and f.repaired_lines == 7 and f.unrepaired_lines == []
    from archqa.importer.decode import decode_file

    fixed = decode_file((MOJIBAKE / name).read_bytes(), name)
    got = read_file_questions(fixed.text, "clean.md")[1]
    assert [(sq.question.title, sq.question.answer) for sq in got] == [
        (sq.question.title, sq.question.answer) for sq in clean
    ]
    assert "Сервис and 🚀" in got[1].question.answer and "50 €" in got[2].question.title


def test_lossy_mojibake_is_reported_with_its_lines() -> None:
    r = run_cli("import", str(MOJIBAKE / "lossy_cp1252.md"))
    assert r.returncode == 0, r.stderr
    assert "could not repair lines 9, 11" in r.stdout


def test_a_section_where_nothing_asks_is_skipped_when_the_rest_of_the_file_asks() -> None:
    from archqa.importer.read import read_file

    text = (
        "# Bank\n\n## What is a lease?\n\nA lock that expires.\n\n## How do fencing tokens work?\n\nThey grow.\n\n"
        "## Further reading\n\n### Distributed systems books\n\n- a book\n\n### Engineering blogs\n\n- a blog\n"
    )
    got = read_file(text, "r.md")
    assert [sq.question.title for sq in got.questions] == ["What is a lease?", "How do fencing tokens work?"]
    assert got.reading.skipped and got.reading.skipped[-1].reason == "after the last question"
    deck = "# Terms\n\n## CAP theorem\n\nPick two of three.\n\n## Quorum\n\nA majority.\n"  # nothing asks anywhere
    assert [sq.question.title for sq in read_file(deck, "d.md").questions] == ["CAP theorem", "Quorum"]


def test_a_scenario_label_under_a_heading_that_asks_stays_in_the_answer() -> None:
    text = "## How do you cut database load?\n\n**Scenario:** The database is the bottleneck.\n\nAdd a cache.\n"
    _, qs, _ = read_file_questions(text + "\n## Why?\n\nBecause.\n", "s.md")
    assert qs[0].question.title == "How do you cut database load?"
    assert "The database is the bottleneck." in qs[0].question.answer


def test_banners_and_advertising_lines_are_not_answer_text() -> None:
    _, qs = _bank("promo_devstyle.md")
    assert [q.title for q in qs] == ["What is an event?", "How is an event different from a command?"]
    assert qs[1].answer == (
        "A command asks one receiver to do something and may be refused; an event states a fact to any listener."
    )
    assert qs[0].key_points == ["immutable", "carries the facts a consumer needs"]
    text = "## How do you find a shard?\n\nFind the shard by hashing the key.\n\n## Why?\n\nSpread.\n"
    assert read_file_questions(text, "s.md")[1][0].question.answer == "Find the shard by hashing the key."


def test_question_and_answer_label_headings() -> None:
    _, qs = _bank("question_answer_headings.md")
    assert [(q.title, q.answer.split(",")[0]) for q in qs] == [
        ("What does a web application firewall block?", "Requests that match known attack patterns"),
        ("Why rotate secrets?", "A leaked secret stops working at the next rotation"),
    ]
