"""Questions from a CV: find the quantified claims, match them to bank questions, frame a question.

A claim is a line with an action verb ("cut", "migrated", "led") and a
quantity that is not just a year ("60%", "3x", "12 services", "$2M"). Offline,
each claim is matched to the most similar bank question not yet used (Jaccard
similarity of stemmed content words, :mod:`archqa.text`) and framed as a
question about the claim ("You cut p95 latency by 60%: how did you do it?")
whose answer, key points and citations are the matched bank question's; its
source comment points at that bank question. A claim whose best match is below
:data:`MIN_SIMILARITY` is unmatched: it gets no question rather than one about
something else. With a backend, the claims become
slots that a model writes through the same validated path as blueprint slots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from archqa.errors import InputError
from archqa.formats.source import read_text
from archqa.generate.bank import Bank, Entry
from archqa.model import Question, stable_id
from archqa.text import jaccard, stem, terms, words

VERBS = frozenset(
    stem(v)
    for v in """accelerated achieved architected automated boosted built consolidated created cut decommissioned
    decreased delivered deployed designed developed doubled drove eliminated expanded grew halved handled hardened
    hired implemented improved increased integrated introduced launched led lowered managed mentored migrated
    modernised modernized moved negotiated onboarded optimised optimized owned partitioned processed raised rebuilt
    redesigned reduced refactored replaced retired rewrote saved scaled secured served sharded shipped shrank sped
    split stabilised stabilized standardised standardized streamlined tripled trimmed tuned unified upgraded wrote
    reducing improving cutting migrating scaling leading building designing""".split()
)
"""Stems of the action verbs that make a line a claim."""

MIN_SIMILARITY = 0.08
"""A bank question must share at least this much (Jaccard) with a claim to ground its answer; below it the claim is
unmatched. Of the 14 claims labelled in tests/test_llm_cv.py, the seven the bank has a question about score 0.08 to
0.21 against it; the best match of the seven it has none about scores 0.07 at most ("Cut checkout p95 latency by
45%" meets a batching question at 0.065 on 'latency' and 'request' alone). A loose but fair match can fall below
too (a read-through cache claim meets cache-aside at 0.06) and is left unmatched: no question beats a wrong one."""

GENERIC = frozenset(
    stem(w)[:5]
    for w in """per more less off add time times second seconds minute minutes hour hours day days week weeks
    month months year years team teams engineer engineers across using""".split()
)
"""Terms of a CV line that say how much or how long, not what about (the 'per' of '10k per second')."""

_QUANTITY = re.compile(
    r"(?<![\w.])([$€£])?(\d+(?:[.,]\d+)*)(\s*(?:%|percent\b|x\b|×|[kmb]\b|bn\b|ms\b|s\b|[kmgt]b\b|[rq]ps\b))?",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*+•·–—]|\d+[.)])\s+")


@dataclass(frozen=True)
class Claim:
    """A quantified claim: the cleaned line, where it is, its verb and quantities."""

    line: int
    text: str
    verb: str
    quantities: tuple[str, ...]


@dataclass
class CVMatch:
    """A claim and the bank questions most similar to it, best first."""

    claim: Claim
    entries: list[Entry] = field(default_factory=list)
    similarity: float = 0.0

    @property
    def entry(self) -> Entry | None:
        """The bank question the claim is about, or None when even the best is below MIN_SIMILARITY."""
        return self.entries[0] if self.entries and self.similarity >= MIN_SIMILARITY else None

    def describe(self) -> str:
        """'CV line 5: '...' -> id (similarity 0.13)', or why the claim is unmatched."""
        head = f"CV line {self.claim.line}: '{self.claim.text}'"
        if self.entry is not None:
            return f"{head} -> {self.entry.id} (similarity {self.similarity:.2f})"
        best = f"the closest, {self.entries[0].id}, has {self.similarity:.2f}" if self.entries else "no bank question"
        return f"{head} -> unmatched ({best}; a match needs {MIN_SIMILARITY:.2f})"


def match_summary(matches: list[CVMatch]) -> str:
    """'4 CV claims: 3 matched a bank question, 1 unmatched (similarity below 0.08)'."""
    matched = sum(1 for m in matches if m.entry is not None)
    n = len(matches)
    return (
        f"{n} CV claim{'s' if n != 1 else ''}: {matched} matched a bank question, {n - matched} unmatched"
        f" (similarity below {MIN_SIMILARITY:.2f})"
    )


def _quantities(text: str) -> list[str]:
    out = []
    for m in _QUANTITY.finditer(text):
        currency, number, unit = m.group(1), m.group(2), m.group(3)
        if not currency and not unit and re.fullmatch(r"(19|20)\d\d", number):
            continue  # a year is a date, not a result
        out.append(m.group(0).strip())
    return out


def _clean(line: str) -> str:
    text = _BULLET.sub("", line)
    text = re.sub(r"[*_`]+", "", text)
    text = re.sub(r"^#+\s*", "", text)
    return " ".join(text.split()).rstrip(".;,")


def extract_claims(text: str, path: str = "<cv>") -> list[Claim]:
    """Every line of a CV with an action verb and a quantity; InputError when there is none."""
    claims = []
    for n, raw in enumerate(text.split("\n"), 1):
        line = _clean(raw)
        if len(line) < 12:
            continue
        verb = next((w for w in words(line) if stem(w) in VERBS), None)
        qty = _quantities(line)
        if verb and qty:
            claims.append(Claim(line=n, text=line, verb=verb, quantities=tuple(qty)))
    if not claims:
        raise InputError(
            path,
            None,
            "no quantified claims found (a claim is a line with an action verb and a number, like "
            "'Cut p95 latency by 60%')",
            "pass a CV in plain text or Markdown, one achievement per line",
        )
    return claims


def read_claims(path: str | Path) -> list[Claim]:
    """Read a CV file (UTF-8 text) and extract its claims; InputError for missing, binary or non-UTF-8 files."""
    return extract_claims(read_text(path), str(path))


def match_terms(stems: frozenset[str]) -> frozenset[str]:
    """Terms for matching a claim: no numbers, action verbs or GENERIC terms, cut to 5 letters ('migrat' meets
    'migration')."""
    cut = (t[:5] for t in stems if t not in VERBS and not any(ch.isdigit() for ch in t))
    return frozenset(t for t in cut if t not in GENERIC)


def match_claims(bank: Bank, claims: list[Claim], k: int = 2) -> list[CVMatch]:
    """For each claim, the ``k`` most similar bank questions; the best one not already used comes first."""
    pool = bank.entries
    if pool and pool[0]._bank is not None:
        pool[0]._bank.details(pool)
    keys = {e.key: match_terms(e.terms) for e in pool}
    used: set[str] = set()
    out = []
    for c in claims:
        mine = match_terms(terms(c.text))
        ranked = sorted(pool, key=lambda e: (-jaccard(mine, keys[e.key]), e.id))
        fresh = [e for e in ranked if e.id not in used]
        best = fresh[:k] if fresh else ranked[:k]
        sim = jaccard(mine, keys[best[0].key]) if best else 0.0
        m = CVMatch(claim=c, entries=best, similarity=sim)
        if m.entry is not None:
            used.add(m.entry.id)
        out.append(m)
    return out


def frame_title(claim: Claim) -> str:
    """'Cut p95 latency by 60%' -> 'You cut p95 latency by 60%: how did you do it?'."""
    text = claim.text
    first = text.split(" ", 1)[0]
    if first.lower() in ("i", "we"):
        body = text.split(" ", 1)[1] if " " in text else text
    elif stem(first.lower()) in VERBS:
        body = first.lower() + text[len(first) :]
    else:
        return f'Your CV says "{text}": how did you do it?'
    return f"You {body}: how did you do it?"


def frame_question(claim: Claim, grounding: Question) -> Question:
    """A question about ``claim`` whose answer, key points and citations are ``grounding``'s (provenance kept)."""
    q = grounding.model_copy(deep=True)
    q.id = f"cv-{stable_id(claim.text)}"
    q.title = frame_title(claim)
    q.type = "CV claim"
    q.tags = list(dict.fromkeys([*q.tags, "cv"]))
    q.related = []
    return q
