"""The default grader: sentence embeddings plus checks for prose, polarity and contradiction, offline.

For each key point the grader looks for the span of the answer that makes it:

1. The answer is cut into verbatim spans (sentences, their clauses, pairs of
   neighbouring sentences). Spans that are not prose (a list of terms) or
   that speak to the grader ("mark every point covered") are never evidence.
   An answer that only says it does not know covers nothing.
2. Each span is scored against the point by a small logistic model over two
   signals: the cosine similarity of their MiniLM embeddings (which sees a
   point made in other words) and the share of the point's content terms the
   span uses (with abbreviations and synonyms folded). The weights are
   trained by ``scripts/train_grader.py`` on the tuning half of the labelled
   calibration set and stored in ``practice/model/grader.json``.
3. The best span must not deny the point: a negation the point does not have
   ("never", "instead of", "no need"), or the opposite word in the same
   vocabulary ("asynchronous" for "synchronous"), turns it into evidence
   against the point.

The verdict is ``covered`` above the model's upper threshold, ``unsure``
between the thresholds (no credit, and it says so) and ``missing`` below.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from archqa.practice import checks
from archqa.practice.grade import Grade, Grader, PointGrade, _matches, grading_terms
from archqa.practice.spans import Span, sentences

if TYPE_CHECKING:
    from archqa.practice.encoder import Encoder

FEATURES = ("cos", "lex", "cos_x_lex", "answer_cos")
"""What the logistic model reads, per (point, span): see :func:`features`."""

DEFAULT_MODEL: dict[str, Any] = {
    "features": list(FEATURES),
    "weights": [9.0, 3.0, 2.0, 1.0],
    "bias": -6.5,
    "covered": 0.5,
    "unsure": 0.35,
}
"""Used only when grader.json is missing; the trained file replaces it."""


def load_model() -> dict[str, Any]:
    """The trained weights and thresholds (``practice/model/grader.json``)."""
    try:
        text = resources.files("archqa.practice").joinpath("model/grader.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        return dict(DEFAULT_MODEL)
    model = json.loads(text)
    if list(model.get("features", [])) != list(FEATURES):
        raise ValueError("practice/model/grader.json was trained on other features; run scripts/train_grader.py")
    return dict(model)


@dataclass(frozen=True)
class Candidate:
    """A span of the answer that may be evidence, and why it may not be."""

    span: Span
    prose: bool
    instruction: bool

    @property
    def usable(self) -> bool:
        return self.prose and not self.instruction


def candidates(answer: str) -> list[Candidate]:
    """Sentences, their clauses and neighbouring pairs, as verbatim spans of ``answer``."""
    sents = sentences(answer)
    spans: list[Span] = list(sents)
    for s in sents:
        pos = 0
        parts = checks.clauses(s.text)
        if len(parts) < 2:
            continue
        for part in parts:
            at = s.text.find(part, pos)
            if at < 0:
                continue
            pos = at + len(part)
            if len(checks.tokens(part)) >= 3:
                spans.append(Span(s.start + at, s.start + at + len(part), part))
    for a, b in zip(sents, sents[1:]):
        if b.start - a.end <= 3 and len(a.text) + len(b.text) < 400:
            spans.append(Span(a.start, b.end, answer[a.start : b.end]))
    seen: set[tuple[int, int]] = set()
    out = []
    for sp in spans:
        if (sp.start, sp.end) in seen:
            continue
        seen.add((sp.start, sp.end))
        out.append(Candidate(sp, checks.is_prose(sp.text), checks.is_instruction(sp.text)))
    return out


def lexical_share(point_terms: dict[str, str], span_text: str) -> float:
    """The share of a point's content terms that a span uses (synonyms, inflections and abbreviations folded)."""
    if not point_terms:
        return 0.0
    have = set(grading_terms(span_text))
    return sum(_matches(t, have) for t in point_terms) / len(point_terms)


def features(cos: float, lex: float, answer_cos: float) -> list[float]:
    """The model's inputs for one (point, span): cosine, term share, their product, whole-answer cosine."""
    return [cos, lex, cos * lex, answer_cos]


def probability(model: dict[str, Any], x: Sequence[float]) -> float:
    z = float(model["bias"]) + sum(float(w) * v for w, v in zip(model["weights"], x))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def contradiction(point: str, span_text: str, encoder: Encoder | None = None) -> str:
    """Why ``span_text`` denies ``point`` ("negated: 'never'", "says 'asynchronous' for 'synchronous'"), or ""."""
    swaps = checks.swapped_antonyms(point, span_text)
    if swaps:
        a, b = swaps[0]
        return f"says '{b}' where the point says '{a}'"
    point_neg = checks.negations(point)
    parts = [c for s in sentences(span_text) for c in checks.clauses(s.text)] or [span_text]
    if len(parts) > 1 and encoder is not None:
        vecs = encoder.encode([point, *parts])
        sims = vecs[1:] @ vecs[0]
        order = sorted(range(len(parts)), key=lambda i: -float(sims[i]))
        best = float(sims[order[0]])
        parts = [parts[i] for i in order if float(sims[i]) >= best - 0.05]
    for part in parts:
        extra = list(checks.negations(part))
        for w in point_neg:
            if w in extra:
                extra.remove(w)
        # A negation the point lacks denies it; a negation the point has and the span drops is a paraphrase
        # ("reads never go back in time" -> "reads stay monotonic"), not a denial.
        if len(extra) % 2:
            return f"negated: '{extra[0]}'"
    return ""


class SemanticGrader(Grader):
    """MiniLM embeddings (onnxruntime, int8) with prose, polarity and contradiction checks. Default; offline."""

    name = "semantic"
    description = "sentence embeddings + prose, negation and contradiction checks (default; offline)"

    def __init__(self, encoder: Encoder | None = None, model: dict[str, Any] | None = None) -> None:
        if encoder is None:
            from archqa.practice.encoder import shared_encoder

            encoder = shared_encoder()
        self.encoder = encoder
        self.model = model or load_model()

    def score_spans(self, answer: str, key_points: Sequence[str]) -> tuple[list[Candidate], list[list[float]], Any]:
        """The candidates of ``answer`` and, per point, each candidate's probability of making it (for audits)."""
        cands = candidates(answer)
        usable = [c for c in cands if c.usable]
        points = list(key_points)
        if not usable or not points:
            return usable, [[] for _ in points], None
        texts = points + [c.span.text for c in usable] + [answer[:4000]]
        vecs = self.encoder.encode(texts)
        pv, cv, av = vecs[: len(points)], vecs[len(points) : -1], vecs[-1]
        sims = pv @ cv.T
        answer_sims = pv @ av
        probs: list[list[float]] = []
        for i, point in enumerate(points):
            terms = grading_terms(point)
            row = []
            for j, c in enumerate(usable):
                x = features(float(sims[i, j]), lexical_share(terms, c.span.text), float(answer_sims[i]))
                row.append(probability(self.model, x))
            probs.append(row)
        return usable, probs, sims

    def grade(self, answer: str, key_points: Sequence[str]) -> Grade:
        points = list(key_points)
        if not answer.strip():
            return Grade(self.name, tuple(PointGrade(p, 0.0, "missing", reason="no answer") for p in points))
        if checks.says_dont_know(answer):
            why = "the answer says it does not know"
            return Grade(self.name, tuple(PointGrade(p, 0.0, "missing", reason=why) for p in points))
        usable, probs, _ = self.score_spans(answer, points)
        if not usable:
            why = "no sentence in the answer makes a claim (a list of terms is not an explanation)"
            all_cands = candidates(answer)
            if any(c.instruction for c in all_cands):
                why = "the answer speaks to the grader instead of answering"
            return Grade(self.name, tuple(PointGrade(p, 0.0, "missing", reason=why) for p in points))
        hi, lo = float(self.model["covered"]), float(self.model["unsure"])
        out = []
        for point, row in zip(points, probs):
            order = sorted(range(len(row)), key=lambda j: -row[j])
            verdict_set = False
            denied = ""
            denied_span = ""
            for j in order[:5]:
                p = row[j]
                if p < lo:
                    break
                why = contradiction(point, usable[j].span.text, self.encoder)
                if why:
                    if not denied:
                        denied, denied_span = why, usable[j].span.text
                    continue
                if p >= hi:
                    out.append(PointGrade(point, p, "covered", usable[j].span.text, f"close match (p={p:.2f})"))
                else:
                    out.append(
                        PointGrade(point, p, "unsure", usable[j].span.text, f"only a loose match (p={p:.2f})")
                    )
                verdict_set = True
                break
            if verdict_set:
                continue
            best = row[order[0]] if order else 0.0
            if denied:
                out.append(PointGrade(point, best, "missing", denied_span, f"contradicts the point: {denied}"))
            else:
                out.append(PointGrade(point, best, "missing", reason=f"no span makes this point (best p={best:.2f})"))
        return Grade(self.name, tuple(out))
