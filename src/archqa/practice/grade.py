"""Grading a typed answer against a question's key points: the interface, the registry, the lexical grader.

A grader implements one method, ``grade(answer, key_points) -> Grade``, and is
registered by name with :func:`register_grader`; the built-in graders register
the same way (see ``archqa.practice.builtin``). The grade of an answer is the
share of key points it covers, and that share suggests a recall rating:

========  ==================
covered   suggested rating
========  ==================
< 25 %    again (1)
< 50 %    hard (2)
< 85 %    good (3)
>= 85 %   easy (4)
========  ==================
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from archqa.errors import GraderError
from archqa.text import STOPWORDS, stem, words

DEFAULT_GRADER = "semantic"
"""The grader `archqa practice` and `archqa grade` use unless --grader says otherwise."""

RATINGS: dict[int, str] = {1: "again", 2: "hard", 3: "good", 4: "easy"}
"""FSRS ratings by number; ``again`` means not recalled, the other three recalled."""

RATING_THRESHOLDS: tuple[tuple[float, int], ...] = ((0.25, 1), (0.50, 2), (0.85, 3))
"""(upper bound of the covered share, rating): below 25 % again, below 50 % hard, below 85 % good, else easy."""


def suggest_rating(share: float) -> int:
    """The rating (1-4) that a covered share of key points suggests; see RATING_THRESHOLDS."""
    for bound, rating in RATING_THRESHOLDS:
        if share < bound:
            return rating
    return 4


Verdict = Literal["covered", "missing", "unsure"]
"""A grader's verdict on one key point. ``unsure`` earns no credit, like ``missing``, and says why in ``reason``."""

VERDICTS: tuple[Verdict, ...] = ("covered", "missing", "unsure")


@dataclass(frozen=True)
class PointGrade:
    """A grader's verdict on one key point, with the span of the answer that is its evidence."""

    point: str
    score: float
    """0..1: how strongly the best span of the answer makes the point (the grader's own scale)."""
    verdict: Verdict = "missing"
    evidence: str = ""
    """The span of the user's own answer, quoted verbatim, that makes (or, for a contradiction, denies) the point.
    Empty when nothing in the answer bears on it. A ``covered`` verdict always has evidence."""
    reason: str = ""
    """Why, in a few words: "paraphrase", "negated: 'never'", "keyword list, not prose", "no span close enough"..."""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r}: use one of {', '.join(VERDICTS)}")
        if self.verdict == "covered" and not self.evidence.strip():
            raise ValueError("a covered key point needs evidence: the span of the answer that makes it")

    @property
    def covered(self) -> bool:
        return self.verdict == "covered"


@dataclass(frozen=True)
class Grade:
    """The per-point verdicts on one answer and the share of points it covers."""

    grader: str
    points: tuple[PointGrade, ...]

    @property
    def covered(self) -> int:
        return sum(p.covered for p in self.points)

    @property
    def unsure(self) -> int:
        return sum(p.verdict == "unsure" for p in self.points)

    @property
    def total(self) -> int:
        return len(self.points)

    @property
    def share(self) -> float | None:
        """Covered points / all points, or None when there was nothing to grade against."""
        return self.covered / self.total if self.points else None

    @property
    def suggested(self) -> int | None:
        """The suggested rating (1-4), or None when there are no key points."""
        share = self.share
        return None if share is None else suggest_rating(share)

    def to_json(self) -> list[dict[str, object]]:
        """The per-point results as stored with a review."""
        return [
            {
                "point": p.point,
                "verdict": p.verdict,
                "covered": p.covered,
                "score": round(p.score, 3),
                "evidence": p.evidence,
                "reason": p.reason,
            }
            for p in self.points
        ]


def trivial_grade(grader: str, answer: str, key_points: Sequence[str]) -> Grade | None:
    """The grade of an answer no grader needs to read: empty, or only saying it does not know. None otherwise."""
    from archqa.practice.checks import says_dont_know

    if not answer.strip():
        why = "no answer"
    elif says_dont_know(answer):
        why = "the answer says it does not know"
    else:
        return None
    return Grade(grader, tuple(PointGrade(p, 0.0, "missing", reason=why) for p in key_points))


class Grader(ABC):
    """Grades a typed answer against key points. Implement ``grade`` and register the class."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    """One line for help text."""

    @abstractmethod
    def grade(self, answer: str, key_points: Sequence[str]) -> Grade:
        """Score ``answer`` against each of ``key_points``; an empty answer covers none."""

    def prepare(self, key_points: Sequence[str]) -> None:  # noqa: B027  (optional, empty by default)
        """Do the work that depends on the key points alone before the answer arrives (optional).

        A practice session calls it in the background while the question is shown, so that what the user
        waits for after answering is only the work that needs the answer.
        """

    def draft(self, answer: str, key_points: Sequence[str]) -> None:  # noqa: B027  (optional, empty by default)
        """Work on an answer that is still being written (optional), so that grading it when it is finished
        finds most of that work done.

        A practice session calls it in the background each time the user ends a line, with the answer so far.
        It must not change what :meth:`grade` returns for any answer: only cache what ``grade`` would compute.
        """


_GRADERS: dict[str, Callable[[], Grader]] = {}


def register_grader(name: str, factory: Callable[[], Grader]) -> Callable[[], Grader]:
    """Make ``factory`` (a Grader class or a function returning one) available as ``--grader name``."""
    _GRADERS[name] = factory
    return factory


def graders() -> dict[str, Callable[[], Grader]]:
    """Every registered grader factory by name, the built-in ones included (``archqa.practice`` registers those)."""
    return dict(_GRADERS)


def get_grader(name: str, **options: Any) -> Grader:
    """A ready grader registered as ``name``, built with ``options`` (e.g. ``model=`` for ``llm``).

    GraderError names the known graders, or what the grader needs to load."""
    known = graders()
    if name not in known:
        raise GraderError(f"--grader {name!r}: unknown grader; choose one of {', '.join(sorted(known))}")
    factory: Callable[..., Grader] = known[name]
    return factory(**{k: v for k, v in options.items() if v is not None})


# -- the lexical grader -----------------------------------------------------

GRADING_STOPWORDS = STOPWORDS | frozenset(
    """about above across after against all also always any around because before being below between both but
    cause causes each either else ensure ensures every first further has have having here instead just keep keeps
    less make makes many may more most much must need needs never no nor not now one only other over own per
    rather root same since so some such than then there thereby though through too two under unless until up upon
    very via was were whether within without yet
    uses mentions names explains describes discusses considers covers gives identifies knows shows states""".split()
)
"""Words that say nothing about whether a point is covered: English glue and rubric verbs ("names", "explains")."""

SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("database", "db", "datastore"),
    ("kubernetes", "k8s"),
    ("message", "msg"),
    ("authentication", "authn"),
    ("authorization", "authz"),
    ("configuration", "config"),
    ("asynchronous", "async"),
    ("synchronous", "sync"),
    ("latency", "slowness"),
    ("wait", "delay", "pause", "sleep"),
    ("key", "token"),
    ("identifier", "id"),
    ("charge", "bill"),
    ("double", "twice"),
    ("replica", "follower", "secondary", "copy"),
    ("error", "failure", "fail"),
    ("order", "sequence", "sequential", "sequentially"),
    ("random", "jitter", "randomize"),
    ("write", "save"),
    ("update", "change", "modify"),
    ("transaction", "atomic", "atomically"),
    ("dependency", "downstream"),
    ("expiry", "expire", "expiration", "ttl"),
    ("duplicate", "dupe", "dedup", "deduplicate", "deduplication"),
    ("limit", "cap", "bound", "ceiling", "throttle"),
    ("timeout", "deadline"),
    ("retry", "reattempt", "redeliver", "redelivery", "resend"),
    ("cost", "expense", "price"),
    ("delete", "remove", "drop", "purge"),
    ("monitor", "observe", "observability", "telemetry"),
    ("measure", "metric", "measurement"),
    ("primary", "leader"),
    ("shard", "partition"),
    ("prevent", "avoid", "stop", "block"),
    ("fallback", "degrade", "degradation"),
    ("idempotent", "idempotency", "idempotence"),
    ("immutable", "append-only"),
    ("customer", "tenant", "account"),
    ("encrypt", "encryption", "encrypted"),
    ("fast", "quick", "speed"),
    ("large", "big", "huge"),
    ("split", "divide", "separate"),
)
"""Groups of words the lexical grader treats as one (abbreviations and close synonyms)."""

COVER_SHARE = 0.5
"""A key point is covered when at least this share of its terms appears in the answer ..."""
COVER_MIN_TERMS = 2
"""... and at least this many of them (or all, for a shorter point)."""
PREFIX_MIN = 5
PREFIX_SHARE = 0.8
"""Two words match when they share a prefix of PREFIX_MIN characters and PREFIX_SHARE of the shorter one
(replicate/replication, idempotent/idempotency), which tolerates inflections the stemmer leaves."""


def _norm(word: str) -> str:
    s = stem(word)
    if len(s) > 3 and s.endswith("e"):
        s = s[:-1]
    return s


_CANON: dict[str, str] = {}
for _group in SYNONYMS:
    for _w in _group:
        _CANON[_norm(_w)] = _norm(_group[0])


def grading_terms(text: str) -> dict[str, str]:
    """Canonical terms of a text (stemmed, synonyms folded, hyphenated words split) -> the word as written."""
    out: dict[str, str] = {}
    for token in words(text):
        whole = _norm(token)
        if whole in _CANON:
            out.setdefault(_CANON[whole], token)
            continue
        for w in re.split(r"[-']", token):
            if len(w) < 2 or w in GRADING_STOPWORDS:
                continue
            n = _norm(w)
            out.setdefault(_CANON.get(n, n), w)
    return out


def _matches(term: str, answer_terms: Sequence[str] | set[str] | frozenset[str]) -> bool:
    if term in answer_terms:
        return True
    if len(term) < PREFIX_MIN:
        return False
    for other in answer_terms:
        if len(other) < PREFIX_MIN or other[:PREFIX_MIN] != term[:PREFIX_MIN]:
            continue
        p = len(_common_prefix(term, other))
        if p >= PREFIX_SHARE * min(len(term), len(other)):
            return True
    return False


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


class LexicalGrader(Grader):
    """Stemmed content-word overlap per key point, with synonym and inflection tolerance. No model, no download.

    A point is covered when the answer contains at least half of the point's
    content terms and at least two of them (all of them for a one-term point).
    It cannot see a paraphrase that shares no words with the point; the
    ``embedding`` grader can.
    """

    name = "lexical"
    description = "stemmed content-word overlap per key point (no model; cannot see paraphrase or negation)"

    def grade(self, answer: str, key_points: Sequence[str]) -> Grade:
        from archqa.practice.spans import sentences

        spans = sentences(answer)
        span_terms = [set(grading_terms(s.text)) for s in spans]
        have = set().union(*span_terms) if span_terms else set()
        out = []
        for point in key_points:
            want = grading_terms(point)
            if not want:
                out.append(PointGrade(point, 0.0, "unsure", reason="the key point has no content words"))
                continue
            found = [w for t, w in want.items() if _matches(t, have)]
            needed = max(min(COVER_MIN_TERMS, len(want)), math.ceil(COVER_SHARE * len(want)))
            score = len(found) / len(want)
            if len(found) < needed or not spans:
                out.append(PointGrade(point, score, "missing", reason=f"{len(found)} of {len(want)} terms"))
                continue
            best = max(range(len(spans)), key=lambda i: sum(_matches(t, span_terms[i]) for t in want))
            reason = f"terms found: {', '.join(found)}"
            out.append(PointGrade(point, score, "covered", spans[best].text, reason))
        return Grade(self.name, tuple(out))
