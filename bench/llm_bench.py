"""Model-writing concurrency: 26 questions from a server that answers each request after a fixed delay.

A chat-completions server on loopback (the one the tests use) answers every
request with a valid question after ``--delay`` seconds. The same 26-slot
blueprint is written at concurrency 1 (the baseline, measured in the same run)
and at ``--concurrency`` (default 8). With bounded concurrency the writing phase
should take close to ceil(26 / concurrency) delays, not 26. The response cache
is not used, so every slot makes a request. Nothing leaves loopback.

Usage: python bench/llm_bench.py [--delay 0.2] [--concurrency 8] [--count 26]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.chat_server import ChatServer, Reply, valid  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--count", type=int, default=26)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ARCHQA_CACHE_DIR"] = str(Path(tmp) / "cache")
        from archqa.generate import generate, load_bank
        from archqa.llm import get_backend
        from archqa.llm.author import Author
        from archqa.llm.compose import ModelOptions, plan
        from archqa.model import Blueprint

        bank = load_bank()
        bp = Blueprint(count=args.count, seed=3)
        jobs = plan(bank, bp, model=True).jobs

        def script(body, n):  # type: ignore[no-untyped-def]
            return Reply(valid(body, n).content, delay=args.delay)

        with ChatServer(script) as srv:
            backend = get_backend("openai", base_url=srv.url, api_key="bench-key")
            timings = {}
            for conc in (1, args.concurrency):
                author = Author(backend=backend, model="bench", concurrency=conc)
                t0 = time.perf_counter()
                outcomes = author.write(jobs)
                timings[conc] = time.perf_counter() - t0
                assert all(o.ok for o in outcomes), [o.describe() for o in outcomes if not o.ok]
            calls_before = srv.calls
            t0 = time.perf_counter()
            opts = ModelOptions(backend=backend, model="bench", concurrency=args.concurrency)
            g = generate(bp, bank=bank, model=opts)
            t_total = time.perf_counter() - t0
            assert srv.calls - calls_before == args.count and len(g.set.questions) == args.count
            peak = srv.max_in_flight

    n, c, d = args.count, args.concurrency, args.delay
    ideal = math.ceil(n / c) * d
    t1, tc = timings[1], timings[c]
    print(f"{n} questions, server delay {d:.2f} s per request, {len(jobs)} requests per run")
    print(f"concurrency 1 (baseline): {t1:.2f} s = {t1 / d:.1f} delays (serial would be {n} delays = {n * d:.2f} s)")
    print(
        f"concurrency {c}: {tc:.2f} s = {tc / d:.1f} delays; ceil({n}/{c}) = {math.ceil(n / c)} delays "
        f"= {ideal:.2f} s; ratio to ideal {tc / ideal:.2f}x; speed-up over concurrency 1: {t1 / tc:.1f}x; "
        f"peak in flight {peak}"
    )
    print(f"archqa generate end to end at concurrency {c} (plan + write + validate + assemble): {t_total:.2f} s")


if __name__ == "__main__":
    main()
