"""Generate speed: a 26-question set from a synthetic bank of 100,000 questions.

Writes the bank (house format, 200 files), warms archqa's bank cache once, then
measures in the same run: loading the bank, generating end to end (load +
select + assemble + validate) in-process and through the CLI, and `archqa --help`.
Targets: generate under 2 s, --help under 0.5 s.

Usage: python bench/generate_bench.py [--questions N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archqa import (
    BibEntry,
    Blueprint,
    CodeExample,
    Difficulty,
    GlossaryEntry,
    Question,
    QuestionSet,
    Tool,
    Topic,
    write_set,
)
from archqa.model import CLUSTERS

VOCAB = (
    "cache queue shard replica ledger tenant model feature index stream batch gateway saga outbox retry "
    "timeout breaker schema token vector embedding drift registry canary rollout latency throughput quorum "
    "lease lock snapshot compaction partition consumer producer webhook mobile offline courier route invoice"
).split()


def synthetic_bank(root: Path, n: int, per_file: int = 500) -> None:
    rng = random.Random(42)
    topics = list(CLUSTERS.values())
    diffs = list(Difficulty)
    made = 0
    f = 0
    while made < n:
        k = min(per_file, n - made)
        qs = []
        for i in range(k):
            w = rng.sample(VOCAB, 6)
            qs.append(
                Question(
                    id=f"syn-{made + i}",
                    number=i + 1,
                    title=f"How would you design the {w[0]} {w[1]} path for {w[2]} {w[3]} at scale?",
                    topic=topics[(made + i) % 6],
                    difficulty=diffs[rng.randrange(3)],
                    type="Design",
                    key_insight=f"The {w[0]} decides the {w[4]} trade-off [Ref: A1].",
                    answer=" ".join(rng.choice(VOCAB) for _ in range(60)) + " [Ref: A1].",
                    key_points=[f"Names the {w[0]}", f"Bounds the {w[1]}", f"Measures {w[5]}"],
                    code=[CodeExample(language="python", code="def f(a: int) -> int:\n    return a + 1")],
                    tags=[rng.choice(["ai-ml", "payments", "logistics", "mobile"]), w[0]],
                )
            )
        for q in qs[::2]:
            q.code[0] = CodeExample(language="go", code="func f(a int) int {\n\treturn a + 1\n}")
        s = QuestionSet(
            title=f"Synthetic bank {f}",
            topics=[Topic(name=t) for t in topics],
            questions=sorted(qs, key=lambda q: topics.index(q.topic)),
            glossary=[GlossaryEntry(id="G1", term="Ledger", definition="An append-only record of entries.")],
            bibliography=[
                BibEntry(
                    id="A1",
                    text="Kleppmann, M. (2017). *Designing Data-Intensive Applications*. "
                    "O'Reilly Media. ISBN: 978-1449373320",
                )
            ],
            tools=[
                Tool(id="T1", name="PostgreSQL", description="Relational database.", url="https://www.postgresql.org")
            ],
        )
        for num, q in enumerate(s.questions, 1):
            q.number = num
        (root / f"bank-{f:04d}.md").write_text(write_set(s, include_tables=False))
        made += k
        f += 1


def timed(fn, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        bank = root / "bank"
        bank.mkdir(parents=True, exist_ok=True)
        os.environ["ARCHQA_CACHE_DIR"] = str(root / "cache")
        from archqa.generate import generate, load_bank

        t0 = time.perf_counter()
        if not any(bank.iterdir()):
            synthetic_bank(bank, args.questions)
        size = sum(p.stat().st_size for p in bank.iterdir())
        t_write = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_bank(bank)
        t_warm = time.perf_counter() - t0
        t_load = timed(lambda: load_bank(bank))
        t_gen = timed(lambda: generate(Blueprint(seed=7), bank=bank))
        env = dict(os.environ)
        cli = [sys.executable, "-m", "archqa"]
        t_cli = timed(
            lambda: subprocess.run(
                [*cli, "generate", "--bank", str(bank), "--seed", "7"], capture_output=True, check=True, env=env
            ),
            runs=3,
        )
        t_help = timed(lambda: subprocess.run([*cli, "--help"], capture_output=True, check=True), runs=5)
        t_python = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], capture_output=True), runs=5)
    print(f"bank: {args.questions:,} questions in {size / 1e6:.1f} MB of Markdown (written in {t_write:.1f} s)")
    print(f"first load (parses every file into the cache): {t_warm:.1f} s")
    print(f"load bank (warm cache, baseline): {t_load:.3f} s")
    print(
        f"generate 26 questions in-process (load+select+assemble+validate): {t_gen:.3f} s "
        f"= {t_gen / t_load:.2f}x loading"
    )
    print(
        f"archqa generate via the CLI, end to end: {t_cli:.3f} s = {t_cli / t_load:.2f}x loading "
        f"(target < 2 s: {'met' if t_cli < 2 else 'NOT met'})"
    )
    print(
        f"archqa --help: {t_help:.3f} s (bare python start-up {t_python:.3f} s; "
        f"target < 0.5 s: {'met' if t_help < 0.5 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
