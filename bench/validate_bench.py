"""Validation speed: a ~5 MB house-format document (~1,000 questions) vs a bare markdown-it parse.

Prints the figures and the ratio, both measured in this run. Target: validation under 10 s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from markdown_it import MarkdownIt

from archqa import QuestionSet, read_set, validate_file, write_set

BANK = Path(__file__).resolve().parents[1] / "src" / "archqa" / "bank"
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def big_document(target_bytes: int = 5_000_000) -> str:
    bank = [read_set(p) for p in sorted(BANK.glob("*.md"))]
    base = bank[0].model_copy(deep=True)
    pool = [q for s in bank for q in s.questions]
    questions = []
    i = 0
    text = ""
    while True:
        for _ in range(100):
            q = pool[i % len(pool)].model_copy(deep=True)
            tag = " ".join(WORDS[(i // len(WORDS) ** k) % len(WORDS)] for k in range(3))
            q.title = f"{q.title.rstrip('?')} for the {tag} team?"
            q.id = f"{q.id}-{i}"
            q.related = []
            q.topic = pool[i % len(pool)].topic
            questions.append(q)
            i += 1
        topics = []
        for s in bank:
            topics.extend(s.topics)
        doc = QuestionSet(
            title="Bench set",
            topics=topics,
            questions=[],
            glossary=base.glossary,
            bibliography=base.bibliography,
            tools=base.tools,
        )
        ordered = [q for t in topics for q in questions if q.topic == t.name]
        for n, q in enumerate(ordered, 1):
            q.number = n
        doc.questions = ordered
        text = write_set(doc)
        if len(text.encode()) >= target_bytes:
            return text


def best_of(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    text = big_document()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.md"
        path.write_text(text)
        size = path.stat().st_size
        full = MarkdownIt("commonmark").enable("table")
        baseline = best_of(lambda: full.parse(path.read_text()))
        timings = []
        report = None
        for _ in range(3):
            t0 = time.perf_counter()
            report = validate_file(path)
            timings.append(time.perf_counter() - t0)
    assert report is not None
    best = min(timings)
    print(f"document: {size / 1e6:.2f} MB, {report.questions} questions, {len(report.findings)} findings")
    print(f"markdown-it-py full parse, commonmark + tables (baseline): {baseline:.2f} s")
    print(f"archqa validate: best {best:.2f} s, median {statistics.median(timings):.2f} s")
    print(f"ratio validate / parse: {best / baseline:.1f}x")
    print(f"target < 10 s: {'met' if best < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
