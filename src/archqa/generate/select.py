"""Fill a blueprint from a bank: exact quotas, the difficulty mix, focus, and diversity.

1. Topic quotas: given ones are kept; the rest of ``count`` is shared evenly.
2. Difficulty totals from the mix, by largest remainder.
3. A topic x difficulty table whose rows and columns meet those totals within what
   the bank holds (greedy proportional rounding, then augmenting paths: exact
   whenever the bank allows it).
4. Each cell is filled by score (focus match, preferred languages, a seeded jitter),
   skipping a candidate too similar to one already chosen.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from archqa.errors import BlueprintError
from archqa.generate.bank import Bank, Entry
from archqa.model import CLUSTERS, Blueprint, Difficulty, cluster_of, type_slug
from archqa.text import jaccard

DIVERSITY_THRESHOLD = 0.18
"""Two questions whose title+insight+tag terms overlap this much (Jaccard) test the same concept."""
SCAN_FACTOR = 40
MIN_SCAN = 200
"""A slot looks at its best-ranked max(200, 40 x need) candidates for diverse ones; if too few are
diverse enough, the least similar of those fill it. This bounds the work on very large banks."""


@dataclass
class Shortfall:
    """A slot the bank cannot fill: what was needed and what the bank holds."""

    slot: str
    need: int
    got: int
    holds: str

    def describe(self) -> str:
        return f"{self.slot}: needs {self.need}, got {self.got} (the bank holds {self.holds})"


@dataclass
class Selection:
    """The chosen entries in set order, the resolved blueprint and any shortfall."""

    entries: list[Entry]
    blueprint: Blueprint
    topics: list[str]
    shortfalls: list[Shortfall] = field(default_factory=list)


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights``; ties go to the earlier item."""
    s = sum(weights)
    if s <= 0 or total <= 0:
        return [0] * len(weights)
    ideal = [total * w / s for w in weights]
    out = [math.floor(x) for x in ideal]
    rest = total - sum(out)
    order = sorted(range(len(weights)), key=lambda i: (-(ideal[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


def _wanted(e: Entry, kind: str, topics_named: bool) -> bool:
    """Whether this entry's type fits ``--type kind``. Without a type, named topics take every type and a
    default set every type but case studies (an end-to-end design prompt is a session of its own)."""
    if kind:
        return e.kind == kind
    return topics_named or e.kind != "case-study"


def resolve_topics(
    bank: Bank, requested: dict[str, int | None], default: set[str] | None = None
) -> list[tuple[str, int | None]]:
    """Map the user's topic names (cluster slugs, names or prefixes) to the bank's topics.

    With no topics requested, every topic of the bank, or of ``default`` when given.
    """
    names = bank_topics(bank)
    if not requested:
        return [(n, None) for n in names if default is None or n in default]
    out: list[tuple[str, int | None]] = []
    for want, quota in requested.items():
        w = want.strip().lower()
        several = [n for n in names if cluster_of(n) == w] if w in CLUSTERS else []
        if len(several) > 1 and not any(n.lower() == w for n in names):
            # a cluster slug that names several topics (the case studies' two files): all of them, sharing the quota
            shares = largest_remainder(quota, [1.0] * len(several)) if quota is not None else [None] * len(several)
            for n, share in zip(several, shares):
                if any(n == t for t, _ in out):
                    raise BlueprintError(f"--topics: '{want}' names {n} twice")
                out.append((n, share))
            continue
        hit = next((n for n in names if n.lower() == w), None)
        hit = hit or next((n for n in names if cluster_of(n) == w or cluster_of(n) == cluster_of(want)), None)
        hit = hit or next((n for n in names if n.lower().startswith(w)), None)
        if hit is None:
            raise BlueprintError(
                f"--topics: '{want}' is not a topic of this bank; choose from: "
                + ", ".join(f"{cluster_of(n) or n} ({n})" if cluster_of(n) else n for n in names)
            )
        if any(hit == t for t, _ in out):
            raise BlueprintError(f"--topics: '{want}' names {hit} twice")
        out.append((hit, quota))
    return out


def bank_topics(bank: Bank) -> list[str]:
    """The bank's topics, the six clusters first in their canonical order."""
    order = list(CLUSTERS)
    present = {e.topic for e in bank.entries}
    names = [t for t in bank.topics if t in present] + sorted(present - set(bank.topics))

    def position(n: str) -> tuple[int, int]:
        c = cluster_of(n)
        return (order.index(c) if c is not None and c in order else len(order), names.index(n))

    return sorted(names, key=position)


def _quotas(count: int, topics: list[tuple[str, int | None]]) -> list[int]:
    fixed = sum(q for _, q in topics if q is not None)
    if fixed > count:
        raise BlueprintError(
            f"--topics quotas add up to {fixed}, more than --count {count}; lower them or raise --count"
        )
    free = [i for i, (_, q) in enumerate(topics) if q is None]
    if not free and fixed != count:
        raise BlueprintError(
            f"--topics quotas add up to {fixed} but --count is {count}; "
            "make them equal or leave a topic without a quota"
        )
    share = largest_remainder(count - fixed, [1.0] * len(free))
    out = [q or 0 for _, q in topics]
    for i, n in zip(free, share):
        out[i] = n
    return out


def allocate(rows: list[int], cols: list[int], avail: list[list[int]]) -> list[list[int]]:
    """A table with row sums ``rows`` and column sums ``cols``, cell (t, d) at most ``avail[t][d]``.

    Proportional rounding first, then augmenting paths (a max-flow on the small
    topic/difficulty graph) so the totals are met exactly whenever that is possible.
    """
    n_r, n_c = len(rows), len(cols)
    total = sum(cols) or 1
    ideal = [[rows[t] * cols[d] / total for d in range(n_c)] for t in range(n_r)]
    x = [[min(math.floor(ideal[t][d]), avail[t][d]) for d in range(n_c)] for t in range(n_r)]

    def row_left(t: int) -> int:
        return rows[t] - sum(x[t])

    def col_left(d: int) -> int:
        return cols[d] - sum(x[t][d] for t in range(n_r))

    while True:
        cands = [
            (ideal[t][d] - x[t][d] + (0.5 if x[t][d] == 0 else 0.0), -t, -d)
            for t in range(n_r)
            for d in range(n_c)
            if row_left(t) > 0 and col_left(d) > 0 and x[t][d] < avail[t][d]
        ]
        if not cands:
            break
        _, mt, md = max(cands)
        x[-mt][-md] += 1
    # Augmenting paths: source -> topic -> difficulty -> sink, with reverse edges through x.
    while True:
        prev: dict[tuple[str, int], tuple[str, int] | None] = {}
        queue: deque[tuple[str, int]] = deque()
        for t in range(n_r):
            if row_left(t) > 0:
                prev[("t", t)] = None
                queue.append(("t", t))
        end = None
        while queue and end is None:
            kind, i = queue.popleft()
            if kind == "t":
                for d in range(n_c):
                    if x[i][d] < avail[i][d] and ("d", d) not in prev:
                        prev[("d", d)] = (kind, i)
                        if col_left(d) > 0:
                            end = ("d", d)
                            break
                        queue.append(("d", d))
            else:
                for t in range(n_r):
                    if x[t][i] > 0 and ("t", t) not in prev:
                        prev[("t", t)] = (kind, i)
                        queue.append(("t", t))
        if end is None:
            return _spread(x, ideal, avail)
        node: tuple[str, int] | None = end
        while node is not None and prev[node] is not None:
            p = prev[node]
            assert p is not None
            if node[0] == "d":
                x[p[1]][node[1]] += 1
            else:
                x[node[1]][p[1]] -= 1
            node = p


def _spread(x: list[list[int]], ideal: list[list[float]], avail: list[list[int]]) -> list[list[int]]:
    """Even out the difficulties within each topic, keeping every row and column sum.

    Augmenting paths meet the totals but may pile one topic's questions on one difficulty. A swap
    moves one question of topic a from difficulty d to e and one of topic b from e to d; swaps are
    made while they bring the table closer (in squared distance) to the proportional ideal.
    """
    n_r, n_c = len(x), len(x[0]) if x else 0

    def cost(t: int, d: int, v: int) -> float:
        return (v - ideal[t][d]) ** 2

    improved = True
    while improved:
        improved = False
        for a in range(n_r):
            for b in range(n_r):
                for d in range(n_c):
                    for e in range(n_c):
                        if a == b or d == e or x[a][d] == 0 or x[b][e] == 0:
                            continue
                        if x[a][e] >= avail[a][e] or x[b][d] >= avail[b][d]:
                            continue
                        before = cost(a, d, x[a][d]) + cost(a, e, x[a][e]) + cost(b, e, x[b][e]) + cost(b, d, x[b][d])
                        after = (
                            cost(a, d, x[a][d] - 1)
                            + cost(a, e, x[a][e] + 1)
                            + cost(b, e, x[b][e] - 1)
                            + cost(b, d, x[b][d] + 1)
                        )
                        if after < before - 1e-9:
                            x[a][d] -= 1
                            x[a][e] += 1
                            x[b][e] -= 1
                            x[b][d] += 1
                            improved = True
    return x


_MASK = 2**64 - 1


def _jitter(seed: int, qhash: int) -> float:
    """A number in [0, 1) fixed by the seed and the question's id hash (a splitmix64 finalizer)."""
    z = (qhash ^ (seed * 0x9E3779B97F4A7C15)) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return (z ^ (z >> 31)) / 2**64


def _focus_score(e: Entry, focus: list[str]) -> float:
    """Share of the focus terms found among the question's tags."""
    if not focus:
        return 0.0
    tags = e.tags
    return sum(1 for f in focus if f in tags) / len(focus)


def select(bank: Bank, blueprint: Blueprint, *, allow_shortfall: bool = False) -> Selection:
    """Choose the questions of a set. Raises BlueprintError when the bank cannot fill it."""
    if blueprint.count < 1:
        raise BlueprintError("--count must be at least 1")
    kind = type_slug(blueprint.type)
    pool_entries = [e for e in bank.entries if _wanted(e, kind, bool(blueprint.topics))]
    held = {e.topic for e in pool_entries}
    if not held:
        raise BlueprintError(
            f"--type {blueprint.type}: the bank holds no question of this type; "
            + "choose from: "
            + ", ".join(sorted({e.kind for e in bank.entries if e.kind}))
        )
    topics = resolve_topics(bank, blueprint.topics, held if not blueprint.topics else None)
    names = [t for t, _ in topics]
    quotas = _quotas(blueprint.count, topics)
    diffs = list(Difficulty)
    totals = largest_remainder(blueprint.count, [float(m) for m in blueprint.mix])
    cells: dict[tuple[str, int], list[Entry]] = {}
    for e in pool_entries:
        cells.setdefault((e.topic, e.difficulty), []).append(e)
    avail = [[len(cells.get((t, d), [])) for d in range(3)] for t in names]
    table = allocate(quotas, totals, avail)

    shortfalls = []
    for i, name in enumerate(names):
        filled = sum(table[i])
        if filled < quotas[i]:
            holds = "/".join(f"{avail[i][d]}{diffs[d].letter}" for d in range(3))
            shortfalls.append(Shortfall(f"topic {name}", quotas[i], filled, holds))
    for d in range(3):
        filled = sum(table[i][d] for i in range(len(names)))
        if filled < totals[d]:
            holds = f"{sum(avail[i][d] for i in range(len(names)))} {diffs[d].value} in the chosen topics"
            shortfalls.append(Shortfall(f"difficulty {diffs[d].value}", totals[d], filled, holds))
    if shortfalls and not allow_shortfall:
        lines = "\n".join("  - " + s.describe() for s in shortfalls)
        raise BlueprintError(
            f"the bank cannot fill this blueprint ({blueprint.count} questions, mix "
            f"{'/'.join(map(str, blueprint.mix))}):\n{lines}\n"
            "Lower --count, change --mix or --topics, use a larger --bank, or pass --allow-shortfall."
        )

    focus = [f.strip().lower().replace(" ", "-") for f in blueprint.focus if f.strip()]
    langs = {x.lower() for x in blueprint.languages}
    chosen: dict[tuple[str, int], list[Entry]] = {}
    picked: list[Entry] = []
    order = sorted(
        ((t, d) for t in range(len(names)) for d in range(3) if table[t][d]),
        key=lambda td: (avail[td[0]][td[1]] / table[td[0]][td[1]], td),
    )
    for t, d in order:
        need = table[t][d]
        pool = cells.get((names[t], d), [])

        def rank(e: Entry) -> tuple[float, str]:
            score = _jitter(blueprint.seed, e.hash) + 3 * e.complete
            if focus:
                score += 4 * _focus_score(e, focus)
            if langs and e.languages & langs:
                score += 2
            return (-score, e.id)

        ranked = sorted(pool, key=rank)[: max(MIN_SCAN, SCAN_FACTOR * need)]
        if ranked and ranked[0]._bank is not None:
            ranked[0]._bank.details(ranked)
        got: list[Entry] = []
        skipped: list[tuple[float, Entry]] = []
        for e in ranked:
            if len(got) == need:
                break
            worst = max((jaccard(e.terms, p.terms) for p in picked), default=0.0)
            if worst >= DIVERSITY_THRESHOLD:
                skipped.append((worst, e))
                continue
            got.append(e)
            picked.append(e)
        for _, e in sorted(skipped, key=lambda x: x[0])[: need - len(got)]:
            got.append(e)
            picked.append(e)
        chosen[(names[t], d)] = got
    entries = [e for name in names for d in range(3) for e in chosen.get((name, d), [])]
    # Topics that get no question (count smaller than the number of topics) are not part of the set's blueprint.
    resolved = blueprint.model_copy(update={"topics": {t: q for (t, _), q in zip(topics, quotas) if q > 0}})
    kept = [n for n, q in zip(names, quotas) if q > 0]
    return Selection(entries=entries, blueprint=resolved, topics=kept, shortfalls=shortfalls)
