"""Import, search and near-duplicate figures, each against a baseline measured in the same run.

1. Import throughput (MB/s) of Markdown banks in several dialects vs a bare
   markdown-it-py parse (commonmark + tables) of the same files. Target: ratio >= 0.7 on the bank-shaped
   corpus (issue 13; the 5 MB/s target was withdrawn on two cores, MB/s is printed as context).
2. Search p50/p99 over a store of 100,000 questions, multi-word queries with all
   words and with any word, vs a bare FTS5 bm25 query on the same table. Target: p99 < 50 ms.
3. Near-duplicate linking over those 100,000 questions. Target: < 60 s.

Usage: python bench/import_bench.py [--mb 20] [--questions 100000] [--import-only]
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from markdown_it import MarkdownIt

from archqa.formats.blocks import markdown
from archqa.importer import import_paths
from archqa.model import Difficulty, Provenance, Question
from archqa.store import Store, StoredQuestion

WORDS = (
    "cache queue shard replica ledger tenant model feature index stream batch gateway saga outbox retry timeout "
    "breaker schema token vector embedding drift registry canary rollout latency throughput quorum lease lock "
    "snapshot compaction partition consumer producer webhook mobile offline courier route invoice payment order "
    "inventory search ranking session cookie region failover backup restore audit metric trace span alert budget"
).split()


SYLLABLES = "ka lo mi ne ru sa te vo xi zu ba de fi go hu ja".split()
VOCAB = WORDS + sorted({"".join(random.Random(i).choices(SYLLABLES, k=3 + i % 3)) for i in range(20_000)})
ZIPF = list(itertools.accumulate(1 / (r + 1) for r in range(len(VOCAB))))
"""Cumulative Zipf weights: realistic text has a few common words and a long tail."""


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCAB, cum_weights=ZIPF, k=n)).capitalize() + "."


def write_corpus(root: Path, mb: float, rng: random.Random) -> int:
    """Files in four dialects until ``mb`` megabytes are written."""
    total = 0
    i = 0
    while total < mb * 1e6:
        kind = i % 4
        parts = [f"# Bank {i}\n"]
        for k in range(60):
            q = f"How would you design the {rng.choice(WORDS)} {rng.choice(WORDS)} for {rng.choice(WORDS)} {k}?"
            body = "\n\n".join(sentence(rng, 40) for _ in range(3))
            code = "```python\n# not a heading\ndef f(x):\n    return x + 1\n```"
            if kind == 0:
                parts.append(f"## {k + 1}. {q}\n\n**Answer:** {body}\n\n{code}\n")
            elif kind == 1:
                parts.append(f"Q: {q}\nA: {body}\n")
            elif kind == 2:
                parts.append(f"<details>\n<summary>{q}</summary>\n\n{body}\n\n</details>\n")
            else:
                parts.append(f"### Q{k + 1}: {q}\n\n**Answer:** {body}\n\n{code}\n")
        text = "\n".join(parts)
        (root / f"bank{i:04d}.md").write_text(text)
        total += len(text.encode())
        i += 1
    return total


LANG_CODE = {
    "python": "def handle(event, store):\n    key = event.key\n    if store.seen(key):\n        return None\n"
    "    result = store.apply(event)\n    store.remember(key, result)\n    return result\n",
    "go": "func (s *Service) Handle(ctx context.Context, e Event) error {\n\tif s.seen(e.Key) {\n\t\treturn nil\n\t}\n"
    "\treturn s.apply(ctx, e)\n}\n",
    "sql": "SELECT tenant_id, count(*) AS n\nFROM orders\nWHERE created_at > now() - interval '1 day'\n"
    "GROUP BY tenant_id\nORDER BY n DESC\nLIMIT 20;\n",
}


def rich_answer(rng: random.Random) -> str:
    """An answer shaped like the banks users bring: labelled sections, inline markup, a list, sometimes a table,
    code or a diagram (about 3 KB)."""
    w = lambda: rng.choice(WORDS)  # noqa: E731
    parts = [f"**Short answer:** {sentence(rng, 25)}"]
    for _ in range(2):
        parts.append(
            f"{sentence(rng, 30)} Use `{w()}_{w()}` with *{w()}* and **{w()}** semantics "
            f"([notes](https://example.org/{w()})). {sentence(rng, 35)}"
        )
    parts.append("**Key points:**\n\n" + "\n".join(f"- {sentence(rng, 12)}" for _ in range(rng.randint(4, 6))))
    if rng.random() < 0.5:
        rows = "\n".join(f"| {w()} | {sentence(rng, 5)} | {rng.randint(1, 99)} ms |" for _ in range(4))
        parts.append(f"| Option | Trade-off | Budget |\n|---|---|---|\n{rows}")
    if rng.random() < 0.5:
        lang = rng.choice(sorted(LANG_CODE))
        parts.append(f"```{lang}\n# {w()} {w()}\n{LANG_CODE[lang]}```")
    if rng.random() < 0.25:
        parts.append(f"```mermaid\nflowchart LR\n  A[{w()}] --> B[{w()}]\n  B --> C[{w()}]\n```")
    parts.append(f"**Follow-up:** {sentence(rng, 20)}")
    return "\n\n".join(parts)


def write_mixed_corpus(root: Path, mb: float, rng: random.Random) -> int:
    """Files in all eight dialects with answers shaped like real banks (see ``rich_answer``)."""
    total = 0
    i = 0
    while total < mb * 1e6:
        kind = i % 8
        if kind == 7:  # a folder's worth of front-matter articles, one question each
            for a in range(10):
                q = f"How does the {rng.choice(WORDS)} {rng.choice(WORDS)} handle {rng.choice(WORDS)}?"
                tags = f"[{rng.choice(WORDS)}, {rng.choice(WORDS)}]"
                text = f"---\ntitle: \"{q}\"\ntags: {tags}\n---\n\n{rich_answer(rng)}\n"
                (root / f"article{i:04d}-{a}.md").write_text(text)
                total += len(text.encode())
            i += 1
            continue
        parts = [f"# Interview bank {i}\n"]
        for k in range(20):
            if k % 7 == 0:
                parts.append(f"## {rng.choice(WORDS).title()} and {rng.choice(WORDS)}\n")
            q = f"How would you design the {rng.choice(WORDS)} {rng.choice(WORDS)} for {rng.choice(WORDS)} {k}?"
            body = rich_answer(rng)
            if kind == 0:
                parts.append(f"### {k + 1}. {q}\n\n{body}\n")
            elif kind == 1:
                parts.append(f"### Q{k + 1}: {q}\n\n**Answer:** {body}\n")
            elif kind == 2:
                parts.append(f"<details>\n<summary>{q}</summary>\n\n{body}\n\n</details>\n")
            elif kind == 3:
                parts.append(f"**Q:** {q}\n\n**A:** {body}\n")
            elif kind == 4:
                parts.append(f"### {q}\n\n{body}\n")
            elif kind == 5:
                parts.append(f"### QUESTION {k + 1}: {rng.choice(WORDS).title()} service\n\n#### The Ask\n\n> {q}\n\n"
                             f"#### Approach\n\n{body}\n")
            else:
                parts.append(f"Q{k + 1}. {q}\n\nA: {body}\n")
        text = "\n".join(parts)
        (root / f"bank{i:04d}.md").write_text(text)
        total += len(text.encode())
        i += 1
    return total


def store_with(n: int, path: Path, rng: random.Random) -> Store:
    store = Store.open(path)
    diffs = list(Difficulty)
    per = 1000
    for f in range(n // per):
        qs = []
        for k in range(per):
            w = rng.choices(VOCAB, cum_weights=ZIPF, k=6)
            q = Question(id=f"q{f}-{k}", number=k + 1, title=f"How would you design the {w[0]} {w[1]} for {w[2]}?",
                         topic="Data Architecture", difficulty=diffs[k % 3], answer=sentence(rng, 60),
                         key_insight=sentence(rng, 12), tags=[w[3]], provenance=Provenance(file=f"f{f}.md", line=k))
            qs.append(StoredQuestion(q, "data", 1.0, "bench", 1.0, "bench"))
        store.replace_source(f"/bench/f{f}.md", f"sha{f}", 1, "bench", qs)
    return store


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def measure_import(name: str, corpus: Path, size: int, repeat: int) -> None:
    """Best of ``repeat`` runs of a bare markdown-it-py parse and of an import into a new store, alternating.

    Also prints, as context for the floor, archqa's own block parse of the same files (inline parsing off)
    and the CPU time the best import used in this process and in its workers.
    """
    files = sorted(corpus.iterdir())
    md = MarkdownIt("commonmark").enable("table")
    parses, blocks, imports, cpus = [], [], [], []
    n_imported, n_files = 0, len(files)
    for r in range(repeat):
        texts = [f.read_text() for f in files]
        t0 = time.perf_counter()
        for text in texts:
            md.parse(text)
        parses.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for text in texts:
            markdown().parse(text)
        blocks.append(time.perf_counter() - t0)
        with Store.open(corpus.parent / f"{corpus.name}-{r}.db") as store:
            c0, k0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            report = import_paths([str(corpus)], store)
            imports.append(time.perf_counter() - t0)
            k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append((time.process_time() - c0, k1.ru_utime + k1.ru_stime - k0.ru_utime - k0.ru_stime))
            n_imported = store.stats()["questions"]
        assert not report.failed, report.failed[:3]
    t_parse, t_import = min(parses), min(imports)
    main_cpu, worker_cpu = cpus[imports.index(t_import)]
    mbs = size / 1e6 / t_import
    print(f"import, {name} corpus: {size / 1e6:.1f} MB in {n_files} files, {n_imported:,} questions "
          f"({size / max(n_imported, 1) / 1e3:.1f} KB each): best of {repeat} {t_import:.2f} s "
          f"(all: {', '.join(f'{t:.2f}' for t in imports)}) = {mbs:.1f} MB/s")
    print(f"  bare markdown-it-py parse of the same files: best {t_parse:.2f} s = {size / 1e6 / t_parse:.1f} MB/s; "
          f"import throughput ratio {t_parse / t_import:.2f} (target >= 0.7: "
          f"{'met' if t_parse / t_import >= 0.7 else 'NOT met'})")
    print(f"  context: archqa's block parse (inline off) best {min(blocks):.2f} s; the best import used "
          f"{main_cpu:.2f} s CPU in the writer and {worker_cpu:.2f} s in the workers")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=20)
    ap.add_argument("--questions", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="import and parse runs; the best of each is reported")
    ap.add_argument("--import-only", action="store_true", help="only the import figures (no search or linking)")
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, writer in (("dense prose", write_corpus), ("mixed, bank-shaped", write_mixed_corpus)):
            corpus = root / name.split()[0].rstrip(",")
            corpus.mkdir()
            size = writer(corpus, args.mb, rng)
            measure_import(name, corpus, size, args.repeat)
        if args.import_only:
            return
        t0 = time.perf_counter()
        store = store_with(args.questions, root / "search.db", rng)
        print(f"store of {args.questions:,} questions built in {time.perf_counter() - t0:.1f} s")
        titles = [r[0] for r in store.db.execute("SELECT title FROM questions ORDER BY random() LIMIT 300")]
        queries = []
        for t in titles:
            common = set(VOCAB[:50])  # the head of the Zipf curve plays the part of stopwords
            content = [w for w in t.lower().rstrip("?").split()
                       if w not in ("how", "would", "you", "design", "the", "for") and w not in common]
            if len(content) >= 2:
                queries.append(" ".join(rng.sample(content, min(len(content), rng.choice([2, 3])))))
        for mode in ("all", "any"):
            ours, bare = [], []
            for q in queries:
                t0 = time.perf_counter()
                store.search(q, any_words=mode == "any", limit=20)
                ours.append((time.perf_counter() - t0) * 1000)
                match = (" OR " if mode == "any" else " ").join(f'"{w}"' for w in q.split())
                t0 = time.perf_counter()
                store.db.execute("SELECT rowid FROM questions_fts WHERE questions_fts MATCH ? "
                                 "ORDER BY bm25(questions_fts) LIMIT 20", (match,)).fetchall()
                bare.append((time.perf_counter() - t0) * 1000)
            print(f"search ({mode} words): p50 {statistics.median(ours):.1f} ms, p99 {pct(ours, 99):.1f} ms; "
                  f"bare FTS5 bm25 p50 {statistics.median(bare):.1f} ms, p99 {pct(bare, 99):.1f} ms; "
                  f"p99 ratio {pct(ours, 99) / max(pct(bare, 99), 1e-6):.2f} "
                  f"(target p99 < 50 ms: {'met' if pct(ours, 99) < 50 else 'NOT met'})")
        t0 = time.perf_counter()
        exact, near = store.relink_duplicates()
        t_dup = time.perf_counter() - t0
        print(f"near-duplicate linking over {args.questions:,} questions: {t_dup:.1f} s ({exact} exact, {near} near; "
              f"target < 60 s: {'met' if t_dup < 60 else 'NOT met'})")
        store.close()


if __name__ == "__main__":
    main()
