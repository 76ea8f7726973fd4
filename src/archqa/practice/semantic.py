"""The default grader: embeddings find the spans, a trained cross-encoder judges them, a small model decides.

For each key point:

1. The answer is cut into verbatim spans (sentences, their clauses, pairs of
   neighbouring sentences). Spans that are not prose (a list of terms, and
   the clauses of one) or that speak to the grader ("mark every point
   covered") are never evidence; an answer that only says it does not know
   covers nothing.
2. The spans closest to the point by MiniLM sentence embedding and term
   share (up to :data:`TOP_SPANS`) are read together with the point by the
   relation model (:mod:`archqa.practice.relation`), a cross-encoder that says
   whether each makes the point, denies it, or neither.
3. A point-level logistic model (:data:`AGGREGATE_FEATURES`, weights in
   ``practice/model/relation.json``, fitted by ``scripts/train_grader.py`` on
   the tune half of the calibration set) turns those verdicts, the best span's
   similarity, term share and negations, and how much of the answer denies
   things, into the probability that the answer makes the point.

``covered`` at probability 0.5 or more, with the best span quoted;
``unsure`` just below (no credit, and it says so); ``missing`` otherwise,
quoting the span that denies the point when there is one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from archqa.errors import GraderError
from archqa.practice import checks
from archqa.practice.grade import Grade, Grader, PointGrade, _matches, grading_terms, trivial_grade
from archqa.practice.spans import Span, sentences

if TYPE_CHECKING:
    from archqa.practice.encoder import Encoder
    from archqa.practice.relation import Relation


@dataclass(frozen=True)
class Candidate:
    """A span of the answer that may be evidence, where it comes from, and why it may not be evidence."""

    span: Span
    prose: bool
    instruction: bool
    sentences: tuple[int, ...]
    """The index of its sentence (one for a sentence or clause, two for a pair of neighbouring sentences)."""
    whole: bool = True
    """False for a clause: its vector is pooled from its sentence's tokens."""

    @property
    def usable(self) -> bool:
        return self.prose and not self.instruction


def candidates(answer: str) -> list[Candidate]:
    """Sentences, their clauses and neighbouring pairs, as verbatim spans of ``answer``."""
    return list(_candidates(answer))


@lru_cache(maxsize=64)
def _candidates(answer: str) -> tuple[Candidate, ...]:
    sents = sentences(answer)
    out: list[Candidate] = []

    def add(sp: Span, where: tuple[int, ...], whole: bool) -> None:
        out.append(Candidate(sp, checks.is_prose(sp.text), checks.is_instruction(sp.text), where, whole))

    for n, s in enumerate(sents):
        add(s, (n,), True)
        parts = checks.clauses(s.text)
        if len(parts) < 2:
            continue
        pos = 0
        for part in parts:
            at = s.text.find(part, pos)
            if at < 0:
                continue
            pos = at + len(part)
            if len(checks.tokens(part)) >= 3 and len(part) < len(s.text):
                add(Span(s.start + at, s.start + at + len(part), part), (n,), False)
    for n, (a, b) in enumerate(zip(sents, sents[1:])):
        if b.start - a.end <= 3 and len(a.text) + len(b.text) < 400:
            add(Span(a.start, b.end, answer[a.start : b.end]), (n, n + 1), True)
    return tuple(out)


def candidate_vectors(encoder: Encoder, answer: str, cands: Sequence[Candidate]) -> Any:
    """One unit vector per candidate: each sentence that a candidate uses runs through the model once (a list
    of terms or a line to the grader is never a candidate, so it is not encoded); a clause is pooled from its
    sentence's tokens, a pair of sentences is the normalised sum of theirs."""
    import numpy as np

    sents = sentences(answer)
    used = sorted({n for c in cands for n in c.sentences})
    at = {n: k for k, n in enumerate(used)}
    parts: list[list[tuple[int, int]]] = [[(0, len(sents[n].text))] for n in used]
    slot: dict[int, tuple[int, int]] = {}
    for i, c in enumerate(cands):
        if len(c.sentences) == 1 and not c.whole:
            n = c.sentences[0]
            slot[i] = (at[n], len(parts[at[n]]))
            parts[at[n]].append((c.span.start - sents[n].start, c.span.end - sents[n].start))
    pooled = encoder.encode_parts([sents[n].text for n in used], parts) if used else []
    rows = []
    for i, c in enumerate(cands):
        if i in slot:
            k, m = slot[i]
            rows.append(pooled[k][m])
        elif len(c.sentences) == 1:
            rows.append(pooled[at[c.sentences[0]]][0])
        else:
            v = sum(pooled[at[n]][0] for n in c.sentences)
            rows.append(v / max(float(np.linalg.norm(v)), 1e-9))
    if not rows:
        return np.zeros((0, 384), dtype=np.float32)
    return np.asarray(rows, dtype=np.float32)


@lru_cache(maxsize=16384)
def _terms(text: str) -> frozenset[str]:
    return frozenset(grading_terms(text))


def lexical_share(point_terms: dict[str, str], span_text: str) -> float:
    """The share of a point's content terms that a span uses (synonyms, inflections and abbreviations folded)."""
    if not point_terms:
        return 0.0
    have = _terms(span_text)
    return sum(_matches(t, have) for t in point_terms) / len(point_terms)


def lexical_shares(point_terms: Sequence[dict[str, str]], span_texts: Sequence[str]) -> list[list[float]]:
    """:func:`lexical_share` of every point against every span, each point term's matches among the answer's
    terms found once (the same figures, without comparing each term with each span's terms again)."""
    spans = [_terms(t) for t in span_texts]
    every = frozenset().union(*spans) if spans else frozenset()
    out = []
    for pt in point_terms:
        if not pt:
            out.append([0.0] * len(spans))
            continue
        matching = [frozenset(o for o in every if o == t or _matches(t, (o,))) for t in pt]
        out.append([sum(not m.isdisjoint(have) for m in matching) / len(pt) for have in spans])
    return out


def contradiction(point: str, span_text: str) -> str:
    """Why ``span_text`` reads as denying ``point`` ("adds 'never'", "says 'asynchronous' for 'synchronous'"), or ""."""
    swaps = checks.swapped_antonyms(point, span_text)
    if swaps:
        a, b = swaps[0]
        return f"says '{b}' where the point says '{a}'"
    extra = list(checks.negations(span_text))
    for w in checks.negations(point):
        if w in extra:
            extra.remove(w)
    if extra:
        return f"adds '{extra[0]}'"
    return ""


def rejects(point: str, span_text: str) -> str:
    """The part of ``span_text`` that rejects ``point`` ("rather than splitting by time" against "split by
    time"), or "": at least two of the point's terms (of what it puts forward) fall in what the span rejects
    ("instead of", "rather than", "skip" ...), and either more of them than in what the span puts forward or
    two that the rest of the span does not use ("commit the offset on arrival instead of after the write")."""
    kept, rejected = checks.rejected_parts(span_text)
    if not rejected:
        return ""
    claim, _ = checks.rejected_parts(point)
    terms = set(grading_terms(claim))
    against = terms & set(grading_terms(rejected))
    for_it = terms & set(grading_terms(kept))
    if len(against) >= 2 and (len(against) > len(for_it) or len(against - for_it) >= 2):
        return rejected.strip()
    return ""


def dismisses(point: str, span_text: str) -> str:
    """The expression by which ``span_text`` dismisses ``point`` ("sharding by tenant isn't worth the
    trouble", "I'd steer clear of pinning reads to the primary"), or "": at least two of the point's terms
    fall in a clause of the span that dismisses what it names, and the point does not use that expression
    itself."""
    part = checks.dismissed_parts(span_text)
    if not part or checks.dismissal(point):
        return ""
    terms = set(grading_terms(point))
    against = terms & set(grading_terms(part))
    if len(against) >= min(2, len(terms)):
        return checks.dismissal(part)
    return ""


def dismissed_questions(answer: str) -> dict[int, tuple[str, str]]:
    """Sentences that ask about a technique only for the next sentence to dismiss it ("Vault-issued dynamic
    credentials? Overkill for us."): each one's index, with its text and the dismissing expression."""
    sents = sentences(answer)
    out: dict[int, tuple[str, str]] = {}
    for n, (a, b) in enumerate(zip(sents, sents[1:])):
        if not a.text.rstrip().endswith("?"):
            continue
        head = checks.clauses(b.text)[:1]
        said = checks.dismissal(head[0]) if head else ""
        if not said and len(checks.tokens(b.text)) <= 12:
            said = checks.dismissal(b.text)
        if said:
            out[n] = (a.text, said)
    return out


def _dismissed_by_next(point: str, support: Candidate, asked: dict[int, tuple[str, str]]) -> str:
    terms = set(grading_terms(point))
    for n in support.sentences:
        if n in asked and not checks.dismissal(point):
            text, said = asked[n]
            if len(terms & set(grading_terms(text))) >= min(2, len(terms)):
                return said
    return ""


TOP_SPANS = 2
"""Per key point, the spans closest to it by embedding (and term share) that the cross-encoder reads."""

MIN_COSINE = 0.15
"""A span below this embedding similarity to a point, sharing none of its terms, is not read for it."""


def spans_to_read(sims: Sequence[float], terms: Sequence[float], cands: Sequence[Candidate]) -> list[int]:
    """The spans (indices) that the cross-encoder reads for one point, given each span's embedding similarity
    to it and the share of its terms the span uses: the closest :data:`TOP_SPANS` by similarity plus half the
    term share, best first, without those that have nothing in common with the point (but at least one)."""
    rank = [sims[j] + 0.5 * terms[j] for j in range(len(sims))]
    top = sorted(range(len(sims)), key=lambda j: -rank[j])[:TOP_SPANS]
    # spans with nothing in common with the point are not worth the cross-encoder's time
    return [j for j in top if sims[j] >= MIN_COSINE or terms[j] > 0] or top[:1]


AGGREGATE_FEATURES = (
    "entail",
    "contradict_at_support",
    "contradict_max",
    "neutral_at_support",
    "cosine_at_support",
    "terms_at_support",
    "cosine_max",
    "terms_max",
    "spans_entailing",
    "answer_entail_mean",
    "support_is_sentence",
    "support_adds_negation",
    "support_swaps_antonym",
    "answer_negation_density",
    "answer_contradict_mean",
    "support_outranked",
)
"""What the point-level model reads: the cross-encoder's view of the point's closest spans, the embedding and
term-share of the best one, and how much of the whole answer makes any point at all."""


@dataclass(frozen=True)
class PointScore:
    """The relation model's view of one key point: its best supporting span, the strongest denial, and the
    point-level probability that the answer makes the point."""

    entail: float
    contradict: float
    support: Candidate | None
    denial: Candidate | None
    features: tuple[float, ...] = ()
    probability: float = 0.0


def _adds_negation(point: str, span: str) -> float:
    """1.0 when the span has an odd number of negations more than the point (it denies what the point says)."""
    extra = len(checks.negations(span)) - len(checks.negations(point))
    return 1.0 if extra > 0 and extra % 2 == 1 else 0.0


def _outranked(supports: Sequence[tuple[set[int], float]]) -> list[int]:
    """Per point: how many other points the same sentence supports more strongly (at most 3). One sentence
    rarely makes several points of a question; when the cross-encoder says it does, the weaker ones are suspect."""
    out = []
    for i, (sents, entail) in enumerate(supports):
        n = sum(
            1
            for k, (other, e) in enumerate(supports)
            if k != i and sents & other and (e > entail or (e == entail and k < i))
        )
        out.append(min(n, 3))
    return out


def aggregate_probability(model: dict[str, Any], x: Sequence[float]) -> float:
    """The point-level logistic model (weights in ``practice/model/relation.json``)."""
    z = float(model["bias"])
    for v, m, sd, w in zip(x, model["mean"], model["scale"], model["weights"]):
        z += float(w) * (v - float(m)) / max(float(sd), 1e-6)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class SemanticGrader(Grader):
    """Spans found by MiniLM embeddings, judged by a MiniLM cross-encoder trained for archqa. Default; offline."""

    name = "semantic"
    description = "embeddings find the spans, a trained cross-encoder judges them (default; offline)"

    def __init__(
        self,
        encoder: Encoder | None = None,
        relation: Relation | None = None,
        thresholds: dict[str, Any] | None = None,
    ) -> None:
        from archqa.practice.encoder import import_runtime, shared_encoder
        from archqa.practice.relation import load_thresholds, shared_relation

        if encoder is None and relation is None:
            import_runtime()
            # the two models load side by side (onnxruntime builds a session mostly without the GIL)
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="archqa-load") as pool:
                loading = pool.submit(shared_relation)
                encoder = shared_encoder()
                relation = loading.result()
        self.encoder = encoder or shared_encoder()
        self.relation = relation or shared_relation()
        self.thresholds = thresholds or load_thresholds()
        agg = self.thresholds.get("aggregate")
        if isinstance(agg, dict) and list(agg.get("features", [])) != list(AGGREGATE_FEATURES):
            raise GraderError(
                "practice/model/relation.json was fitted on other features; run scripts/train_grader.py "
                "--thresholds-only"
            )

    def scores(self, answer: str, key_points: Sequence[str]) -> list[PointScore]:
        """Per key point: the cross-encoder on its closest spans, the features of the point-level model, and
        that model's probability (0 when the answer has no span that can be evidence)."""
        points = list(key_points)
        every = candidates(answer)
        sentence_prose = {c.sentences[0]: c.prose for c in every if c.whole and len(c.sentences) == 1}
        # a clause of a list of terms is still a term, not a claim
        usable = [c for c in every if c.usable and all(sentence_prose.get(n, True) for n in c.sentences)]
        if not usable or not points:
            return [PointScore(0.0, 0.0, None, None) for _ in points]
        pv = self.encoder.encode(points)
        cv = candidate_vectors(self.encoder, answer, usable)
        sims = pv @ cv.T
        point_terms = [grading_terms(p) for p in points]
        terms = lexical_shares(point_terms, [c.span.text for c in usable])
        chosen: list[list[int]] = []
        pairs: list[tuple[str, str]] = []
        for i, point in enumerate(points):
            top = spans_to_read([float(x) for x in sims[i]], terms[i], usable)
            chosen.append(top)
            pairs += [(point, usable[j].span.text) for j in top]
        probs = self.relation.probabilities(pairs)
        rows_of = []
        k = 0
        for top in chosen:
            rows_of.append(probs[k : k + len(top)])
            k += len(top)
        point_texts = points
        answer_entail = sum(float(r[:, 0].max()) for r in rows_of) / len(rows_of)
        answer_contradict = sum(float(r[:, 1].max()) for r in rows_of) / len(rows_of)
        # how much of the answer denies things: a negated answer negates sentence after sentence
        whole = [c.span.text for c in usable if c.whole and len(c.sentences) == 1]
        negation_density = sum(bool(checks.negations(t)) for t in whole) / len(whole) if whole else 0.0
        best = [top[int(rows[:, 0].argmax())] for top, rows in zip(chosen, rows_of)]
        supports = [(set(usable[j].sentences), float(rows[:, 0].max())) for j, rows in zip(best, rows_of)]
        outranked = _outranked(supports)
        agg = self.thresholds.get("aggregate")
        out = []
        for i, (top, rows) in enumerate(zip(chosen, rows_of)):
            e = int(rows[:, 0].argmax())
            c = int(rows[:, 1].argmax())
            j = top[e]
            x = (
                float(rows[e, 0]),
                float(rows[e, 1]),
                float(rows[c, 1]),
                float(rows[e, 2]),
                float(sims[i, j]),
                terms[i][j],
                float(sims[i].max()),
                max(terms[i]),
                float((rows[:, 0] > 0.5).sum()),
                answer_entail,
                1.0 if usable[j].whole else 0.0,
                _adds_negation(point_texts[i], usable[j].span.text),
                1.0 if checks.swapped_antonyms(point_texts[i], usable[j].span.text) else 0.0,
                negation_density,
                answer_contradict,
                float(outranked[i]),
            )
            p = aggregate_probability(agg, x) if isinstance(agg, dict) else float(rows[e, 0])
            out.append(PointScore(float(rows[e, 0]), float(rows[c, 1]), usable[j], usable[top[c]], x, p))
        return out

    def prepare(self, key_points: Sequence[str]) -> None:
        """Encode the key points (kept in the encoder's cache) before the answer arrives."""
        points = [p for p in key_points if p.strip()]
        if points:
            self.encoder.encode(points)

    def draft(self, answer: str, key_points: Sequence[str]) -> None:
        """Encode the sentences of the answer so far and read its closest spans for each point (cached by
        sentence and by (point, span) pair, each computed as it is alone), so that the finished answer only
        needs its new sentences: the grade is the same as without the draft."""
        points = [p for p in key_points if p.strip()]
        if points and answer.strip() and trivial_grade(self.name, answer, points) is None:
            self.scores(answer, points)

    def grade(self, answer: str, key_points: Sequence[str]) -> Grade:
        points = list(key_points)
        trivial = trivial_grade(self.name, answer, points)
        if trivial is not None:
            return trivial
        if not any(c.usable for c in candidates(answer)):
            why = "no sentence in the answer makes a claim (a list of terms is not an explanation)"
            if any(c.instruction for c in candidates(answer)):
                why = "the answer speaks to the grader instead of answering"
            return Grade(self.name, tuple(PointGrade(p, 0.0, "missing", reason=why) for p in points))
        t = self.thresholds
        asked = dismissed_questions(answer)
        out = []
        for point, sc in zip(points, self.scores(answer, points)):
            p = sc.probability
            denied = sc.denial is not None and sc.contradict >= t["contradict"] and sc.contradict > sc.entail
            refused = rejects(point, sc.support.span.text) if sc.support is not None else ""
            dismissed = ""
            if sc.support is not None and not refused:
                dismissed = dismisses(point, sc.support.span.text) or _dismissed_by_next(point, sc.support, asked)
            if sc.support is not None and p >= t["covered"] and refused:
                out.append(
                    PointGrade(point, p, "missing", sc.support.span.text, f"rejects the point: '{refused[:60]}'")
                )
            elif sc.support is not None and p >= t["covered"] and dismissed:
                out.append(PointGrade(point, p, "missing", sc.support.span.text, f"dismisses the point: '{dismissed}'"))
            elif sc.support is not None and p >= t["covered"]:
                out.append(PointGrade(point, p, "covered", sc.support.span.text, f"makes the point (p={p:.2f})"))
            elif denied and sc.denial is not None:
                why = contradiction(point, sc.denial.span.text) or "a different claim in the point's terms"
                out.append(PointGrade(point, p, "missing", sc.denial.span.text, f"contradicts the point: {why}"))
            elif sc.support is not None and p >= t["unsure"]:
                out.append(
                    PointGrade(point, p, "unsure", sc.support.span.text, f"only a loose match (p={p:.2f}); no credit")
                )
            else:
                out.append(PointGrade(point, p, "missing", reason=f"no span makes this point (best p={p:.2f})"))
        return Grade(self.name, tuple(out))
