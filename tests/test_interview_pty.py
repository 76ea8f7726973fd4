"""`archqa interview` on a real terminal (a pty): a whole five-minute mock of the bank's rate limiter with
scripted answers, graded by the default (semantic) grader: the phases and the clock, the follow-ups chosen
for the points the answers missed, the diagram comparison, the scorecard, and the transcript in the store."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.test_practice_pty import Terminal, env  # noqa: F401  (env is a fixture)

pytest.importorskip("termios", reason="needs a POSIX terminal")

DIAGRAM = """```mermaid
flowchart LR
  C[Client] --> LB[Load balancer]
  LB --> G[Gateway]
  G -->|check| R[(Redis)]
  G --> B[Backend services]
```"""

ANSWERS = {
    "Requirements": "Limits are per API key and plan. The limit state lives in a shared store keyed by client, so "
    "the limit holds across all gateway nodes.",
    "Estimation": "Assume 1 M API keys and 100,000 requests per second at peak, so 100,000 store calls a second.",
    "Entities and API": "A check(key, cost) call returns allowed or denied and the remaining quota.",
    "Data model": "One hash per key holding the tokens and the last refill time, with a TTL.",
    "High-level design": "The gateways call the limiter store before the backend.\n\n" + DIAGRAM,
    "Deep dives": "A token bucket stores two numbers per key and allows bursts up to its capacity, while a fixed "
    "window lets through up to twice the limit at a window boundary.",
    "Wrap-up": "The first bottleneck is the store's CPU, so I would add shards.",
}

FOLLOW_UP_KP2 = (
    "Without the script both nodes take the last token and the bucket is overspent. The refill-and-take step has "
    "to be atomic, so I run it as a server-side Lua script in Redis."
)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_whole_five_minute_mock_with_scripted_answers(tmp_path: Path, env: dict[str, str]) -> None:  # noqa: F811
    args = [sys.executable, "-m", "archqa", "interview", "case-rate-limiter", "--minutes", "5", "--level", "senior"]
    term = Terminal(args, env)
    try:
        head = term.expect("Ctrl-C stops (nothing is saved).")
        assert "Mock interview: Design a distributed rate limiter for a public API" in head
        assert "case-rate-limiter · level senior · 5 minutes" in head and "key points by embedding" in head
        budgets = ["0:36", "0:30", "0:30", "0:30", "1:06", "1:18", "0:30"]
        for n, (title, answer) in enumerate(ANSWERS.items(), 1):
            shown = flat(term.expect("> "))
            assert f"[{n}/7] {title} · budget {budgets[n - 1]} · clock 0:0" in shown, shown
            assert "Interviewer: " in shown
            term.send(answer + "\n.\n")
            if title == "Deep dives":
                # the answer made the token-bucket point (KP 3) only: the interviewer probes KP 2, then KP 5
                shown = flat(term.expect("> "))
                assert "Follow-up: Two gateway nodes read the bucket" in shown and "(probes KP 2)" in shown
                term.send(FOLLOW_UP_KP2 + "\n.\n")
                shown = flat(term.expect("> "))
                assert "Follow-up: The Redis shard holding your largest customer goes down" in shown
                assert "(probes KP 5)" in shown
                term.send("I am not sure.\n.\n")
            if title == "Wrap-up":
                shown = flat(term.expect("> "))
                assert "Follow-up: Now one customer alone sends ten times" in shown and "(probes KP 6)" in shown
                term.send(".\n")  # an empty answer
            shown = flat(term.expect("Phase time: "))
            if title not in ("Deep dives", "Wrap-up"):
                assert "Follow-up:" not in shown  # every other phase's points were made, or it has no follow-up
        card = term.expect("Saved as interview 1")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    card = flat(card)
    assert "Scorecard (target level: senior):" in card
    assert "Requirements: staff (1 of 1 key points, 100%)" in card
    assert "“Limits are per API key and plan. The limit state lives in a shared store keyed by client" in card
    assert "API and data model: below mid (0 of 1 key points, 0%)" in card
    assert "Estimation: not assessed" in card
    # KP 3 in the answer, KP 2 only after its follow-up (half), KP 5 and KP 6 missed: 1.5 of 4
    assert "Deep dives and trade-offs: mid (1.5 of 4 key points, 38%)" in card
    assert "after the follow-up: half credit" in card
    # the diagram: Mermaid's parser, the config service and its connection missing
    assert "Your diagram (Mermaid's parser; 5 nodes, 4 edges)" in card
    assert "missing components: Limit config service" in card
    assert "missing connection: Limit config service → Gateway node" in card
    assert "missing connection: Gateway node → Client" in card
    assert "Time management: staff" in card
    assert "High-level design: senior (1.5 of 2 key points, 75%)" in card  # 5 of 6 components, 4 of 6 connections
    assert "A senior answer: Explains the race between nodes" in card

    with sqlite3.connect(env["ARCHQA_DB"]) as db:
        rows = db.execute("SELECT id, question_id, level, minutes, transcript, scorecard FROM interviews").fetchall()
    assert len(rows) == 1
    iid, qid, level, minutes, transcript, scorecard = rows[0]
    assert (iid, qid, level, minutes) == (1, "case-rate-limiter", "senior", 5)
    t = json.loads(transcript)
    assert [turn["phase"] for turn in t["turns"]] == [
        "requirements",
        "estimation",
        "api",
        "data_model",
        "high_level_design",
        "deep_dives",
        "wrap_up",
    ]
    assert t["turns"][0]["answer"] == ANSWERS["Requirements"]
    deep = t["turns"][5]
    assert [(f["key_point"], f["covered"]) for f in deep["follow_ups"]] == [(2, True), (5, False)]
    assert deep["follow_ups"][0]["answer"] == FOLLOW_UP_KP2
    assert t["turns"][4]["diagram"]["parser"] == "mermaid"
    s = json.loads(scorecard)
    assert {d["key"]: d["level"] for d in s["dimensions"]}["requirements"] == "staff"
    assert s["target"] == "senior"
