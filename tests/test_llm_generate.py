"""`archqa generate` with a model, against a scripted chat-completions server on loopback."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from archqa import Blueprint, read_text_document, validate_text
from archqa.generate import generate, load_bank
from archqa.llm import get_backend
from archqa.llm.cache import CachedBackend
from archqa.llm.compose import ModelOptions
from tests.chat_server import ChatServer, Reply, draft, valid
from tests.conftest import run_cli

KEY = "sk-test-SECRET-9876543210"
HAVE = sum(1 for e in load_bank().entries if e.topic == "Data Architecture" and e.difficulty == 2)
"""Advanced data questions in the bank: a set of HAVE + 4 of them leaves 4 slots for the model."""
N = HAVE + 4
SHORT = Blueprint(count=N, topics={"data": N}, mix=(0, 0, 100))
"""The bank holds 6 advanced data questions: --fill leaves 4 slots to the model."""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for var in ("ARCHQA_CONFIG", "ARCHQA_BASE_URL", "ARCHQA_MODEL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ARCHQA_API_KEY", KEY)


def _options(srv: ChatServer, **kw: Any) -> ModelOptions:
    backend = CachedBackend(get_backend("openai", base_url=srv.url, api_key=KEY, backoff=0.01, sleep=lambda s: None))
    return ModelOptions(backend=backend, model="test-model", **kw)


def _cli(srv: ChatServer, *args: str) -> list[str]:
    return ["generate", "--backend", "openai", "--model", "test-model", "--base-url", srv.url, *args]


def _is_repair(body: dict[str, Any]) -> bool:
    return len(body["messages"]) > 2


def test_fill_writes_only_what_the_bank_cannot() -> None:
    with ChatServer(valid) as srv:
        g = generate(SHORT, model=_options(srv, fill=True))
    assert srv.calls == 4
    qs = g.set.questions
    assert len(qs) == N and all(q.topic == "Data Architecture" and q.difficulty.value == "Advanced" for q in qs)
    gen = [q for q in qs if q.id.startswith("gen-")]
    assert len(gen) == 4 and all(q.provenance and q.provenance.file == "model:openai/test-model" for q in gen)
    assert g.report.errors == 0 and not g.shortfalls
    again = validate_text(g.text)
    assert not [f for f in again.findings if f.rule == "references.citation"]
    # Generated citations were renumbered into the set's bibliography like bank ones.
    assert all(q.citations and set(q.citations) <= {b.id for b in g.set.bibliography} for q in gen)
    assert g.authoring is not None and g.authoring.stats is not None
    assert g.authoring.stats.completions == 4 and g.authoring.stats.usage.prompt_tokens == 4 * 120


def test_prompt_carries_slot_schema_examples_and_bibliography() -> None:
    bp = Blueprint(count=2, topics={"integration": 2}, mix=(0, 50, 50), focus=["payments"], languages=["go"])
    with ChatServer(valid) as srv:
        generate(bp, model=_options(srv))
    assert srv.calls == 2
    body = srv.received[0].body
    user = body["messages"][1]["content"]
    assert '"Integration Architecture"' in user and "payments" in user and "go" in user
    assert re.search(r"^A\d+\. .*\(\d{4}\)", user, re.M), "the bibliography lists real works with ids"
    assert user.count('"key_insight"') >= 1, "bank examples in the reply format"
    schema = body["response_format"]["json_schema"]["schema"]
    assert {"title", "answer", "key_points", "code"} <= set(schema["required"])


def test_every_slot_by_the_model_and_a_topic_the_bank_lacks() -> None:
    bp = Blueprint(count=3, topics={"edge computing": 3}, mix=(34, 33, 33))
    with ChatServer(valid) as srv:
        g = generate(bp, model=_options(srv))
    assert srv.calls == 3
    assert {q.topic for q in g.set.questions} == {"Edge Computing"}
    assert all(q.id.startswith("gen-") for q in g.set.questions)
    assert "## Topic 1: Edge Computing" in g.text and g.report.errors == 0


def test_invalid_reply_is_repaired_with_the_findings() -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        if _is_repair(body):
            return valid(body, n)
        return Reply(json.dumps(draft(body, n, answer="Too short to be an answer [Ref: A999].")))

    with ChatServer(script) as srv:
        g = generate(SHORT, model=_options(srv, fill=True, max_repairs=2))
    assert srv.calls == 8  # 4 slots x (first reply + one repair)
    repair = srv.received[-1].body["messages"]
    assert repair[-2]["role"] == "assistant" and "Too short" in repair[-2]["content"]
    assert "[structure.answer-length]" in repair[-1]["content"] and "[references.citation]" in repair[-1]["content"]
    assert "Fix:" in repair[-1]["content"]
    assert len(g.set.questions) == N and g.report.errors == 0
    assert g.authoring is not None and g.authoring.stats is not None and g.authoring.stats.repairs == 4


@pytest.mark.parametrize(
    ("first", "rule"),
    [
        ('{"title": "Unclosed', "reply.json"),
        (json.dumps({"title": "Only a title?"}), "reply.schema"),
        ("", "reply.empty"),
    ],
)
def test_malformed_or_schema_invalid_reply_is_repaired(first: str, rule: str) -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        return valid(body, n) if _is_repair(body) else Reply(first)

    with ChatServer(script) as srv:
        g = generate(Blueprint(count=1, topics={"data": 1}, mix=(100, 0, 0)), model=_options(srv))
    assert srv.calls == 2
    assert f"[{rule}]" in srv.received[1].body["messages"][-1]["content"]
    assert len(g.set.questions) == 1


def test_a_question_that_never_validates_is_reported_not_written(tmp_path: Path) -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        bad_code = [{"language": "python", "code": "def broken(:\n    pass"}]
        d = draft(body, n, code=bad_code, key_insight="It hinges on [Ref: A999], which is not in the list.")
        return Reply(json.dumps(d))

    out = tmp_path / "set.md"
    with ChatServer(script) as srv:
        r = run_cli(*_cli(srv, "--count", "2", "--topics", "data:2", "--mix", "50/50/0", "--out", str(out)))
        assert srv.calls == 2 * 3  # each slot: first reply + 2 repairs
    assert r.returncode == 1, r.stderr
    assert "not written: Data Architecture / Foundational #1" in r.stderr
    assert "[code.parse]" in r.stderr and "[references.citation] [Ref: A999] does not resolve" in r.stderr
    assert "failed validation after 2 repairs" in r.stderr
    assert "wrote 0 questions" in r.stderr and "nothing to score" in r.stderr and "100/100" not in r.stderr
    text = out.read_text()
    assert "def broken" not in text
    assert "### Shortfall" in text and "Data Architecture / Intermediate #1: needs 1, got 0" in text
    assert len(read_text_document(text).set.questions) == 0


def test_allow_shortfall_accepts_a_failed_slot(tmp_path: Path) -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        topic = re.search(r'topic "([^"]+)"', body["messages"][1]["content"])
        if topic and topic.group(1).startswith("Data"):
            return Reply("not json at all")
        return valid(body, n)

    with ChatServer(script) as srv:
        r = run_cli(
            *_cli(srv, "--count", "2", "--topics", "data:1,quality:1", "--mix", "50/50/0", "--max-repairs", "1"),
            "--allow-shortfall",
        )
        assert srv.calls == 1 + 2
    assert r.returncode == 0, r.stderr
    assert "[reply.json]" in r.stderr and "shortfall: Data Architecture" in r.stderr
    assert r.stdout.count("### Q") == 1


def test_second_run_is_served_from_the_cache(tmp_path: Path) -> None:
    with ChatServer(valid) as srv:
        args = _cli(srv, "--count", str(N), "--topics", f"data:{N}", "--mix", "0/0/100", "--fill")
        first = run_cli(*args)
        assert first.returncode == 0, first.stderr
        assert srv.calls == 4
        second = run_cli(*args)
        assert second.returncode == 0, second.stderr
        assert srv.calls == 4
    assert "4 from the cache" in second.stderr and "model: 0 requests" in second.stderr
    assert first.stdout == second.stdout


def test_the_api_key_never_appears(tmp_path: Path) -> None:
    out = tmp_path / "set.json"
    with ChatServer(valid) as srv:
        runs = [
            run_cli(*_cli(srv, "--count", str(N), "--topics", f"data:{N}", "--mix", "0/0/100", "--fill")),
            run_cli(*_cli(srv, "--count", str(N), "--topics", f"data:{N}", "--mix", "0/0/100", "--fill", "--dry-run")),
            run_cli(*_cli(srv, "--count", "2", "--format", "json", "--out", str(out))),
        ]
        headers = [{k.lower(): v for k, v in r.headers.items()} for r in srv.received]
    assert all(h["authorization"] == f"Bearer {KEY}" for h in headers), "the key was sent to the server"
    for r in runs:
        assert r.returncode == 0, r.stderr
        assert KEY not in r.stdout and KEY not in r.stderr
    files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] + [out]
    assert any(p.suffix == ".json" for p in files)
    for p in files:
        assert KEY.encode() not in p.read_bytes(), p


def test_dry_run_prints_prompts_and_calls_nothing() -> None:
    with ChatServer(valid) as srv:
        r = run_cli(*_cli(srv, "--count", str(N), "--topics", f"data:{N}", "--mix", "0/0/100", "--fill", "--dry-run"))
        assert srv.calls == 0
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("## Request ") == 4
    assert "Data Architecture / Advanced #4" in r.stdout and "json_schema" in r.stdout
    assert "API key: set (from ARCHQA_API_KEY)" in r.stdout and KEY not in r.stdout


def test_dry_run_needs_no_sdk_call_even_without_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCHQA_API_KEY")
    r = run_cli("generate", "--model", "gpt-test", "--count", "2", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "API key: not set" in r.stdout and "base URL: (OpenAI default)" in r.stdout


def test_concurrency_is_bounded_and_used() -> None:
    # The time it saves is measured in bench/llm_bench.py, as a ratio against concurrency 1.
    with ChatServer(lambda body, n: Reply(valid(body, n).content, delay=0.3)) as srv:
        g = generate(Blueprint(count=8, topics={"edge computing": 8}), model=_options(srv, concurrency=4))
    assert len(g.set.questions) == 8
    assert srv.max_in_flight == 4


def test_rejected_key_stops_the_run_with_a_clear_error() -> None:
    with ChatServer(lambda body, n: Reply(status=401)) as srv:
        r = run_cli(*_cli(srv, "--count", "6", "--concurrency", "1"))
        assert srv.calls == 1
    assert r.returncode == 2 and "ARCHQA_API_KEY" in r.stderr and "Traceback" not in r.stderr
    assert KEY not in r.stderr


def test_retries_show_in_the_summary_and_cost_from_prices() -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        return Reply(status=429, headers={"Retry-After": "0"}) if n == 1 else valid(body, n)

    with ChatServer(script) as srv:
        r = run_cli(
            *_cli(srv, "--count", "1", "--topics", "data:1", "--mix", "100/0/0", "--concurrency", "1"),
            "--price-input",
            "2",
            "--price-output",
            "10",
        )
    assert r.returncode == 0, r.stderr
    assert "model: 2 requests, 1 reply (1 failed request, 1 retry, 0 from the cache, 0 repairs, 0 cut off)" in r.stderr
    assert "tokens: 120 prompt + 80 completion = 200; cost $0.0010" in r.stderr


def test_missing_model_is_a_config_error() -> None:
    r = run_cli("generate", "--backend", "openai", "--count", "2")
    assert r.returncode == 2 and "--model" in r.stderr and "ARCHQA_MODEL" in r.stderr


def test_unknown_backend_lists_the_known_ones() -> None:
    r = run_cli("generate", "--backend", "nope", "--model", "m")
    assert r.returncode == 2 and "openai" in r.stderr and "Traceback" not in r.stderr


def test_config_file_problem_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "archqa.toml"
    cfg.write_text('[llm]\nmodel = "m"\ncolour = "blue"\n')
    monkeypatch.setenv("ARCHQA_CONFIG", str(cfg))
    r = run_cli("generate", "--fill", "--dry-run")
    assert r.returncode == 2 and str(cfg) in r.stderr and "llm.colour" in r.stderr


def test_bank_only_generate_is_unchanged() -> None:
    with ChatServer(valid) as srv:
        r = run_cli("generate", "--count", "6")
        assert srv.calls == 0
    assert r.returncode == 0 and "model:" not in r.stderr


# ---------------------------------------------------------------------------
# What real local servers do (issue 19)

ONE = ("--count", "1", "--topics", "data:1", "--mix", "0/0/100", "--concurrency", "1")


def test_start_line_and_max_tokens_sent() -> None:
    with ChatServer(valid) as srv:
        r = run_cli(*_cli(srv, *ONE, "--max-tokens", "1500"))
    assert r.returncode == 0, r.stderr
    first = r.stderr.splitlines()[0]
    assert first.startswith(f"archqa: writing 1 question with test-model at {srv.url}"), first
    assert srv.received[0].body["max_tokens"] == 1500


def test_a_cut_off_reply_is_its_own_failure_not_repaired_nor_cached() -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        return Reply(json.dumps(draft(body, n))[:300], finish_reason="length", usage=(3000, 2048))

    with ChatServer(script) as srv:
        r = run_cli(*_cli(srv, *ONE))
        assert srv.calls == 1, "a cut-off reply is not sent back for repair"
        again = run_cli(*_cli(srv, *ONE))
        assert srv.calls == 2, "nor cached: the next run asks again"
    assert r.returncode == 1
    assert "cut off at --max-tokens 2048" in r.stderr and "raise --max-tokens" in r.stderr
    assert "[reply.json]" not in r.stderr, "not reported as a JSON error"
    assert "1 cut off" in r.stderr and "tokens: 3000 prompt + 2048 completion" in r.stderr
    assert again.returncode == 1


def test_a_reply_cut_at_the_context_names_the_context() -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        return Reply('{"title": "How', finish_reason="length", usage=(8000, 192))

    with ChatServer(script) as srv:
        r = run_cli(*_cli(srv, *ONE))
    assert r.returncode == 1 and "cut off at the server's context after 192 tokens" in r.stderr
    assert "llama-server -c" in r.stderr


def test_context_exceeded_is_not_retried_and_the_summary_is_honest() -> None:
    said = "Context size has been exceeded."
    with ChatServer(lambda body, n: Reply(status=500, message=said)) as srv:
        r = run_cli(*_cli(srv, "--count", "2", "--topics", "data:2", "--mix", "0/0/100", "--concurrency", "1"))
        assert srv.calls == 2, "one request per slot, none retried"
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert said in r.stderr and "llama-server -c 16384 -np 1" in r.stderr
    assert "try again later" not in r.stderr
    assert "model: 2 requests, 0 replies (2 failed requests, 0 retries" in r.stderr
    assert "nothing to score" in r.stderr


def test_a_json_object_only_server_is_used_after_one_rejection() -> None:
    with ChatServer(valid, json_object_only=True) as srv:
        r = run_cli(*_cli(srv, "--count", "3", "--topics", "data:3", "--mix", "0/0/100", "--concurrency", "1"))
        forms = [x.body["response_format"]["type"] for x in srv.received]
    assert r.returncode == 0, r.stderr
    assert forms == ["json_schema", "json_object", "json_object", "json_object"]
    assert "1 failed request" in r.stderr


def test_model_not_listed_warns_and_slots_fit_concurrency() -> None:
    props = {"total_slots": 1, "default_generation_settings": {"n_ctx": 65536}}
    with ChatServer(lambda b, n: Reply(valid(b, n).content, delay=0.2), models=["smollm2"], props=props) as srv:
        r = run_cli(*_cli(srv, "--count", "3", "--topics", "data:3", "--mix", "0/0/100", "--concurrency", "4"))
        assert srv.max_in_flight == 1
    assert r.returncode == 0, r.stderr
    assert "--model 'test-model' is not among the models" in r.stderr and "--model smollm2" in r.stderr
    assert "concurrency 4 lowered to 1: the server has 1 slot" in r.stderr


def test_ctrl_c_stops_at_once_and_closes_the_connection(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    with ChatServer(lambda body, n: Reply(valid(body, n).content, delay=60)) as srv:
        args = [sys.executable, "-m", "archqa", *_cli(srv, "--count", "2", "--topics", "data:2", "--mix", "0/0/100")]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while srv.in_flight < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert srv.in_flight == 2, "both requests reached the server"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        stopped = time.monotonic() - t0
        while srv.disconnects < 2 and time.monotonic() < t0 + 10:
            time.sleep(0.05)
        assert srv.disconnects == 2, "the server saw both connections close"
    assert stopped < 5, f"Ctrl-C took {stopped:.1f} s"
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err


def test_one_example_and_a_placeholder_ref_and_none_after_a_near_duplicate() -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        user = body["messages"][1]["content"]
        if not _is_repair(body):
            example = json.loads(user.split("in the reply format only (do not repeat its concept or sentences):\n")[1])
            return Reply(json.dumps(draft(body, n, title=example["title"])))
        return valid(body, n)

    with ChatServer(script) as srv:
        g = generate(Blueprint(count=1, topics={"data": 1}, mix=(0, 0, 100)), model=_options(srv))
    first, repair = srv.received[0].body["messages"], srv.received[1].body["messages"]
    assert first[1]["content"].count('"key_insight"') == 1, "one example"
    assert "[Ref: <id>]" in first[1]["content"] and "[Ref: A3]" not in first[1]["content"]
    assert "[links.near-duplicate]" in repair[-1]["content"]
    assert '"key_insight"' not in repair[1]["content"], "the repair shows no example"
    assert "Bibliography you may cite" in repair[1]["content"]
    assert len(g.set.questions) == 1


def test_lists_labels_and_missing_tradeoffs_are_sent_back() -> None:
    listy = (
        "**Implementation:**\n\nThe service keeps an idempotency key per write [Ref: A1]. "
        + "It stores the result and answers a retry from it. " * 12
        + "\n\n- a dedup table\n- a reconcile job"
    )

    def script(body: dict[str, Any], n: int) -> Reply:
        if _is_repair(body):
            return valid(body, n)
        ids = re.findall(r"^(A\d+)\. ", body["messages"][1]["content"], re.M)
        return Reply(json.dumps(draft(body, n, answer=listy.replace("A1", ids[0]), tradeoffs=[])))

    with ChatServer(script) as srv:
        g = generate(Blueprint(count=1, topics={"data": 1}, mix=(0, 0, 100)), model=_options(srv))
    repair = srv.received[1].body["messages"][-1]["content"]
    for rule in ("structure.prose-label", "structure.prose-list", "structure.tradeoffs"):
        assert f"[{rule}]" in repair, rule
    assert len(g.set.questions) == 1


def test_the_cache_keeps_only_validated_replies() -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        if _is_repair(body):
            return valid(body, 1)
        return Reply(json.dumps(draft(body, 1, answer="Too short [Ref: A999].")))

    with ChatServer(script) as srv:
        args = _cli(srv, *ONE)
        first = run_cli(*args)
        assert first.returncode == 0 and srv.calls == 2
        second = run_cli(*args)
        assert second.returncode == 0, second.stderr
        assert srv.calls == 3, "the invalid first reply was not cached; the kept repair was"
    assert "1 from the cache" in second.stderr


@pytest.mark.parametrize(
    ("answer", "rules"),
    [
        ("The cache - a Redis cluster - holds the keys. It expires them after a day [Ref: A1].", []),
        ("We keep three things. - a dedup table. - a reconcile job. - an alert.", ["structure.prose-list"]),
        ("First we store keys.\n1. store\n2. expire", ["structure.prose-list"]),
        ("Trade-offs:\n\nThe table costs memory.", ["structure.prose-label"]),
        ("**Why it works** The key makes a retry safe.", ["structure.prose-label"]),
        ("## Design\n\nThe key makes a retry safe.", ["structure.prose-heading"]),
    ],
)
def test_prose_checks_read_the_draft_as_written(answer: str, rules: list[str]) -> None:
    from archqa.llm.check import check_prose
    from archqa.llm.prompt import DraftQuestion
    from archqa.model import Difficulty

    d = DraftQuestion.model_validate(draft({"messages": [{"role": "user", "content": "A1. Book"}]}, 1, answer=answer))
    assert [f.rule for f in check_prose(d, Difficulty.FOUNDATIONAL)] == rules
    assert "structure.tradeoffs" not in [f.rule for f in check_prose(d, Difficulty.ADVANCED)], "two rows are enough"
    one_row = d.model_copy(update={"tradeoffs": d.tradeoffs[:1]})
    assert [f.rule for f in check_prose(one_row, Difficulty.INTERMEDIATE)][-1] == "structure.tradeoffs"
    assert "structure.tradeoffs" not in [f.rule for f in check_prose(one_row, Difficulty.FOUNDATIONAL)]
