"""A question's topic cluster and difficulty from its words, each with a confidence and a reason."""

from __future__ import annotations

import re
from collections import Counter

from archqa.model import CLUSTERS, Difficulty

KEYWORDS: dict[str, list[str]] = {
    "structural": [
        "monolith",
        "microservice",
        "modular",
        "hexagonal",
        "layer",
        "bounded context",
        "component",
        "coupling",
        "cohesion",
        "boundary",
        "decompos",
        "sidecar",
        "architecture style",
        "clean architecture",
        "domain-driven",
        "ddd",
        "module",
        "service granularity",
        "tenant isolation",
        "cell",
        "design pattern",
        "dependency injection",
        "inheritance",
        "polymorphism",
        "encapsulation",
        "singleton",
        "solid principle",
        "object-oriented",
        "separation of concerns",
        "service boundar",
        "modular monolith",
    ],
    "behavioral": [
        "schedul",
        "cron",
        "leader election",
        "consensus",
        "event",
        "saga",
        "orchestrat",
        "choreograph",
        "workflow",
        "state machine",
        "retry",
        "idempoten",
        "circuit breaker",
        "backpressure",
        "exactly-once",
        "actor",
        "compensat",
        "timeout",
        "failure",
        "race condition",
        "concurren",
        "async",
        "heartbeat",
        "lease",
        "fencing",
        "split brain",
        "clock",
        "deadlock",
        "thread",
        "mutex",
        "semaphore",
        "atomic",
        "lock",
        "leader",
        "election",
        "gossip",
        "worker pool",
        "back-pressure",
        "callback",
        "coroutine",
    ],
    "quality": [
        "cdn",
        "load balanc",
        "autoscal",
        "hot key",
        "latency",
        "throughput",
        "scalab",
        "availab",
        "reliab",
        "performance",
        "security",
        "observab",
        "slo",
        "sla",
        "rate limit",
        "load shed",
        "capacity",
        "cost",
        "monitor",
        "resilien",
        "tail",
        "cach",
        "thundering",
        "disaster",
        "scale",
        "auth",
        "runbook",
        "incident",
        "on-call",
        "alert",
        "error budget",
        "symptom",
        "reverse proxy",
        "proxy",
        "tls",
        "encrypt",
        "password",
        "csrf",
        "xss",
        "oauth",
        "jwt",
        "token bucket",
        "throttl",
        "scaling",
        "scale out",
        "scale up",
        "sticky session",
        "load test",
        "benchmark",
        "profil",
        "outage",
        "postmortem",
        "chaos",
        "testing",
        "test pyramid",
    ],
    "data": [
        "key-value",
        "blob",
        "object storage",
        "time-series",
        "database",
        "sql",
        "nosql",
        "schema",
        "shard",
        "partition",
        "replica",
        "replication",
        "consisten",
        "transaction",
        "isolation level",
        "index",
        "storage",
        "cqrs",
        "event sourcing",
        "data model",
        "ledger",
        "warehouse",
        "lake",
        "query",
        "write-heavy",
        "read-heavy",
        "embedding store",
        "normali",
        "denormali",
        "b-tree",
        "btree",
        "lsm",
        "compaction",
        "write-ahead",
        "buffer pool",
        "join",
        "column",
        "document store",
        "read replica",
        "n+1",
        "orm",
        "acid",
        "mvcc",
        "key space",
        "url shortener",
        "cassandra",
        "postgres",
        "mysql",
        "mongodb",
        "redis",
    ],
    "integration": [
        "fan-out",
        "notification",
        "broker",
        "api",
        "rest",
        "grpc",
        "graphql",
        "gateway",
        "webhook",
        "message broker",
        "kafka",
        "queue",
        "stream",
        "integration",
        "contract",
        "protocol",
        "outbox",
        "cdc",
        "mesh",
        "websocket",
        "synchronous",
        "asynchronous communication",
        "pub/sub",
        "tcp",
        "udp",
        "http",
        "dns",
        "handshake",
        "rpc",
        "dead-letter",
        "consumer",
        "producer",
        "head-of-line",
        "network",
        "hateoas",
        "idempotent api",
        "status code",
        "pagination",
        "serializ",
        "json",
        "cors",
    ],
    "evolution": [
        "migrat",
        "legacy",
        "strangler",
        "refactor",
        "rewrite",
        "technical debt",
        "deprecat",
        "version",
        "feature flag",
        "canary",
        "blue-green",
        "rollout",
        "evolution",
        "evolv",
        "modernis",
        "moderniz",
        "fitness function",
        "adr",
        "zero downtime",
        "backward compat",
        "deploy",
        "release",
        "ci/cd",
        "continuous integration",
        "continuous delivery",
        "pipeline",
        "docker",
        "container",
        "kubernetes",
        "terraform",
        "infrastructure as code",
        "rollback",
        "roll back",
        "blue/green",
    ],
}


_BY_PREFIX: dict[str, list[tuple[str, str]]] = {}
_MULTI: list[tuple[str, str]] = []
for _cluster, _kws in KEYWORDS.items():
    for _kw in _kws:
        if " " in _kw:
            _MULTI.append((_cluster, _kw))
        else:
            _BY_PREFIX.setdefault(_kw[:3], []).append((_cluster, _kw))
_WORDS = re.compile(r"[a-z0-9][a-z0-9/-]*")


_SPACES = bytes(c if re.fullmatch(rb"[a-z0-9/-]", bytes([c])) else 32 for c in range(256))
"""A byte table: every byte that cannot be part of a ``_WORDS`` word becomes a space (bytes.translate is a
plain table lookup, many times faster than str.translate)."""


def _trie_pattern(words: list[str]) -> str:
    """A regex alternation of literal words, factored by first character (cheap to try at every word)."""
    if "" in words:
        rest = [w for w in words if w]
        return f"(?:{_trie_pattern(rest)})?" if rest else ""
    by_first: dict[str, list[str]] = {}
    for w in sorted(set(words)):
        by_first.setdefault(w[0], []).append(w[1:])
    alts = [re.escape(c) + _trie_pattern(tails) for c, tails in by_first.items()]
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


_PHRASE_LAST = {kw: kw.rsplit(" ", 1)[1] for _, kw in _MULTI}
_CANDIDATES = re.compile(
    " ([/-]*"
    + _trie_pattern([kw for kws in _BY_PREFIX.values() for _, kw in kws] + list(_PHRASE_LAST.values()))
    + "[a-z0-9/-]*)"
)
"""In text whose separators are all spaces: each word that starts with a one-word keyword or with the last
word of a phrase, with any leading '/' or '-' (``_WORDS`` starts the word after them)."""
_Hits = tuple[tuple[str, str], ...]
_TOKEN_HITS: dict[str, tuple[_Hits, frozenset[str]]] = {}


def _token_hits(token: str) -> tuple[_Hits, frozenset[str]]:
    """The one-word keywords a candidate word starts with, and the phrases it may end. Cached."""
    found = _TOKEN_HITS.get(token)
    if found is None:
        w = token.lstrip("/-")
        hits = tuple((c, kw) for c, kw in _BY_PREFIX.get(w[:3], ()) if w.startswith(kw))
        phrases = frozenset(kw for kw, last in _PHRASE_LAST.items() if token.startswith(last))
        if len(_TOKEN_HITS) > 100_000:
            _TOKEN_HITS.clear()
        found = _TOKEN_HITS[token] = hits, phrases
    return found


def _keyword_counts(text: str) -> dict[str, dict[str, int]]:
    """Occurrences of each keyword in lowercase text, by cluster, in order of first occurrence.

    Every non-ASCII character separates words (as in ``_WORDS``), so it becomes a space too.
    """
    spaced = " " + text.encode("ascii", "replace").translate(_SPACES).decode("ascii")
    counts: dict[str, dict[str, int]] = {}
    phrases: set[str] = set()
    for token, n in Counter(_CANDIDATES.findall(spaced)).items():
        hits, ends = _token_hits(token)
        for cluster, kw in hits:
            per = counts.get(cluster)
            if per is None:
                counts[cluster] = {kw: n}
            else:
                per[kw] = per.get(kw, 0) + n
        if ends:
            phrases |= ends
    if phrases:
        for cluster, kw in _MULTI:
            if kw in phrases:
                c = text.count(kw)
                if c:
                    per = counts.setdefault(cluster, {})
                    per[kw] = per.get(kw, 0) + c
    return counts


def _keyword_hits(text: str) -> dict[str, list[str]]:
    """Keywords found in lowercase text, by cluster, once per occurrence. A one-word keyword is a
    word prefix ('orchestrat' matches 'orchestration'); a two-word keyword matches as a phrase."""
    return {c: [kw for kw, n in per.items() for _ in range(n)] for c, per in _keyword_counts(text).items()}


_ORDER = {cluster: n for n, cluster in enumerate(KEYWORDS)}
"""Ties between clusters go to the one listed first in KEYWORDS."""


def classify_cluster(title: str, body: str, category: str = "") -> tuple[str, float, str]:
    """(cluster, confidence 0..1, reason) from keywords; the title and category weigh six times the body.

    Each keyword counts at most five times in the body (its first 600 characters: the title and
    category carry most of the signal, and this keeps import fast).
    """
    head = _keyword_counts(f"{category} {title}".lower())
    body_hits = _keyword_counts(body[:600].lower())
    if not head and not body_hits:
        return "other", 0.0, "no cluster keywords found in the title, category or answer"
    scores = {cluster: 3.0 * sum(per.values()) for cluster, per in head.items()}
    for cluster, per in body_hits.items():
        scores[cluster] = scores.get(cluster, 0.0) + 0.5 * sum(n if n < 5 else 5 for n in per.values())
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], _ORDER[kv[0]]))
    best, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    confidence = round(min(1.0, (top - second) / top + 0.1 * min(top, 5) / 5), 2)
    in_head = head.get(best, {})
    hits = [*in_head, *(kw for kw in body_hits.get(best, ()) if kw not in in_head)]
    words_hit = ", ".join(f"'{w}'" for w in hits[:4])
    reason = f"keywords {words_hit} point to {CLUSTERS[best]} (score {top:.1f}"
    reason += f" vs {ranked[1][0]} {second:.1f})" if len(ranked) > 1 else ")"
    return best, confidence, reason


ADVANCED = [
    "design a",
    "at scale",
    "global",
    "multi-region",
    "distributed",
    "consensus",
    "trade-off",
    "tradeoff",
    "exactly-once",
    "millions",
    "billion",
    "petabyte",
    "how would you architect",
    "migrate",
    "evolve",
]
FOUNDATIONAL = [
    "what is",
    "what are",
    "define",
    "explain",
    "difference between",
    "why do we",
    "what does",
    "name",
    "list",
    "basic",
]


_LEVEL_MARK = re.compile(r"\((easy|medium|hard|basic|intermediate|advanced|beginner|expert|senior|junior)\)")


def classify_difficulty(title: str, body: str, given: str = "") -> tuple[Difficulty, float, str]:
    """(difficulty, confidence, reason): the source's own label if any, else cues in the question."""
    d = Difficulty.parse(given) if given else None
    if d is not None:
        return d, 1.0, f"the source labels it '{given}'"
    low = title.lower()
    m = _LEVEL_MARK.search(low)
    if m:
        d = Difficulty.parse(m.group(1))
        assert d is not None
        return d, 0.9, f"the title is marked '({m.group(1)})'"
    adv = [k for k in ADVANCED if k in low]
    padded = f" {low} "
    fnd = [k for k in FOUNDATIONAL if low.startswith(k) or f" {k} " in padded]
    n_words = body.count(" ") + 1 if body else 0
    if adv and not fnd:
        return Difficulty.ADVANCED, 0.6, f"the question asks to {', '.join(repr(k) for k in adv[:3])}"
    if fnd and not adv:
        return Difficulty.FOUNDATIONAL, 0.6, f"the question starts like a definition ({fnd[0]!r})"
    if n_words > 600:
        return Difficulty.ADVANCED, 0.4, f"a long answer ({n_words} words) with no explicit level"
    return Difficulty.INTERMEDIATE, 0.3, "no level in the source and no strong cue; intermediate by default"
