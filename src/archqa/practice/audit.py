"""Auditing a grader: its verdicts against labelled answers, as figures with a gate.

The calibration set (``practice/calibration/*.jsonl``) holds answers written
to bank questions, one JSON object per line::

    {"id": "data-read-your-writes/negated-1", "question": "data-read-your-writes", "kind": "negated",
     "split": "tune", "answer": "...", "labels": [false, false, true, false, false, false]}

``labels`` says, per key point of the question in order, whether the answer
makes that point (judged by hand). ``kind`` names what kind of answer it is
(see :data:`KINDS`); ``split`` keeps a held-out half that no tuning reads.
The same figures are computed from a user's own corrections in practice
(:func:`audit_judgements`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from archqa.errors import InputError
from archqa.practice.grade import Grade, Grader

KINDS: dict[str, str] = {
    "paraphrase": "a correct answer in the candidate's own words",
    "terse": "a short correct answer with abbreviations",
    "partial": "some points made, others left out",
    "mixed": "some points made, others denied",
    "keyword-list": "the points' words without the points",
    "negated": "the opposite of the points",
    "contradiction": "wrong claims in the points' vocabulary",
    "fluff": "on-topic talk that makes no point",
    "off-question": "an answer to a different question",
    "idk": '"I don\'t know"',
    "injection": "text that tells the grader what to do",
}
"""Every kind of labelled answer and what it is."""

NO_POINT_KINDS = frozenset({"keyword-list", "negated", "contradiction", "fluff", "off-question", "idk", "injection"})
"""Answers that make no point: any credit on them is false credit."""
REWORDED_KINDS = frozenset({"paraphrase", "terse"})
"""Correct answers in other words: a point they make and the grader misses counts as a miss."""

GATE = {"accuracy": 0.90, "false_credit": 0.05, "miss": 0.15}
"""What the default grader must reach on the calibration set (CI fails otherwise): accuracy at least 90 %,
false credit at most 5 %, miss rate at most 15 %."""

FLOOR = {"accuracy": 0.88, "false_credit": 0.05, "miss": 0.15}
"""What CI holds the default grader to on each half of the calibration set taken alone (the whole set must
meet GATE): a half is a third or two thirds of the points, so its figures move more."""

Split = Literal["tune", "holdout", "all"]


@dataclass(frozen=True)
class LabelledAnswer:
    """One answer of the calibration set, with its question's key points and the labels."""

    id: str
    question: str
    kind: str
    split: str
    answer: str
    points: tuple[str, ...]
    labels: tuple[bool, ...]


def calibration_files() -> list[Path]:
    """The packaged calibration files (``practice/calibration/*.jsonl``), sorted."""
    root = resources.files("archqa.practice").joinpath("calibration")
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".jsonl"))


def load_calibration(
    files: Sequence[Path] | None = None, split: Split = "all", points_of: dict[str, Sequence[str]] | None = None
) -> list[LabelledAnswer]:
    """The labelled answers of ``files`` (default: the packaged set) in ``split``, joined to the bank's key points.

    InputError names the file and line of a malformed record, an unknown question, or labels that do not
    match the question's key points in number.
    """
    known: dict[str, Sequence[str]] | None = None if points_of is None else dict(points_of)
    out = []
    for path in files if files is not None else calibration_files():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                qid, kind, sp, answer, labels = (
                    rec["question"],
                    rec["kind"],
                    rec["split"],
                    rec["answer"],
                    rec["labels"],
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(str(path), n, f"not a labelled answer ({exc})", "see archqa.practice.audit") from None
            if kind not in KINDS:
                raise InputError(str(path), n, f"unknown kind {kind!r}", f"use one of {', '.join(KINDS)}")
            # A record carries the key points it was labelled against, so its labels stay true when the bank's
            # wording changes or the question leaves the bank; older records without them use the bank's.
            points = rec.get("points")
            if not points:
                if known is None:
                    known = dict(bank_points())
                points = known.get(qid)
            if points is None:
                raise InputError(
                    str(path), n, f"no bank question has the id {qid!r}", "fix the question id or add its 'points'"
                )
            if len(labels) != len(points):
                raise InputError(
                    str(path),
                    n,
                    f"{len(labels)} labels for {len(points)} key points of {qid}",
                    "give one true/false label per key point, in order",
                )
            if split != "all" and sp != split:
                continue
            out.append(
                LabelledAnswer(
                    str(rec.get("id", f"{path.name}:{n}")),
                    qid,
                    kind,
                    sp,
                    answer,
                    tuple(points),
                    tuple(bool(x) for x in labels),
                )
            )
    return out


def bank_points() -> dict[str, tuple[str, ...]]:
    """Key points of every bundled bank question, by id."""
    from archqa.generate.bank import load_bank
    from archqa.practice.session import rubric

    bank = load_bank(None)
    return {q.id: tuple(rubric(q)) for q in bank.questions(bank.entries)}


@dataclass(frozen=True)
class Judgement:
    """One key point: what the labels (or the user) say, what the grader said."""

    truth: bool
    credited: bool
    kind: str = ""
    split: str = ""


@dataclass
class AuditReport:
    """The figures of one audit."""

    grader: str
    source: str
    answers: int = 0
    judgements: list[Judgement] = field(default_factory=list)

    def _count(self, pred: Iterable[Judgement]) -> Counter[tuple[bool, bool]]:
        return Counter((j.truth, j.credited) for j in pred)

    @property
    def points(self) -> int:
        return len(self.judgements)

    def figures(self, subset: Sequence[Judgement] | None = None) -> dict[str, float | int | None]:
        js = self.judgements if subset is None else list(subset)
        c = self._count(js)
        tp, fp, fn, tn = c[(True, True)], c[(False, True)], c[(True, False)], c[(False, False)]
        n = tp + fp + fn + tn
        no_point = [j for j in js if j.kind in NO_POINT_KINDS]
        reworded = [j for j in js if j.kind in REWORDED_KINDS and j.truth]
        return {
            "points": n,
            "accuracy": _ratio(tp + tn, n),
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
            "false_credit": _ratio(sum(j.credited for j in no_point), len(no_point)),
            "miss": _ratio(sum(not j.credited for j in reworded), len(reworded)),
            "kappa": cohen_kappa(tp, fp, fn, tn),
            "credit_nothing_accuracy": _ratio(fp + tn, n),
        }

    def by(self, attr: str) -> dict[str, dict[str, float | int | None]]:
        keys = sorted({getattr(j, attr) for j in self.judgements})
        return {k: self.figures([j for j in self.judgements if getattr(j, attr) == k]) for k in keys}

    def failures(self, gate: dict[str, float] | None = None) -> list[str]:
        """The figures that miss the gate, as sentences (empty when it passes)."""
        g = gate or GATE
        f = self.figures()
        out = []
        acc, fc, miss = f["accuracy"], f["false_credit"], f["miss"]
        if acc is not None and acc < g["accuracy"]:
            out.append(f"accuracy {acc:.1%} < {g['accuracy']:.0%}")
        if fc is not None and fc > g["false_credit"]:
            out.append(f"false credit {fc:.1%} > {g['false_credit']:.0%}")
        if miss is not None and miss > g["miss"]:
            out.append(f"miss rate {miss:.1%} > {g['miss']:.0%}")
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "grader": self.grader,
            "source": self.source,
            "answers": self.answers,
            "overall": self.figures(),
            "by_split": self.by("split"),
            "by_kind": self.by("kind"),
            "gate": GATE,
            "gate_failures": self.failures(),
        }


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def cohen_kappa(tp: int, fp: int, fn: int, tn: int) -> float | None:
    """Cohen's kappa of two binary raters (labels vs grader) from their confusion counts."""
    n = tp + fp + fn + tn
    if not n:
        return None
    observed = (tp + tn) / n
    expected = ((tp + fn) * (tp + fp) + (fp + tn) * (fn + tn)) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def audit(grader: Grader, answers: Sequence[LabelledAnswer], source: str = "calibration set") -> AuditReport:
    """Grade every labelled answer with ``grader`` and compare each key point's verdict with its label."""
    report = AuditReport(grader.name, source, len(answers))
    for a in answers:
        grade: Grade = grader.grade(a.answer, a.points)
        for label, p in zip(a.labels, grade.points):
            report.judgements.append(Judgement(label, p.covered, a.kind, a.split))
    return report


def audit_judgements(pairs: Iterable[tuple[bool, bool]], grader: str, source: str) -> AuditReport:
    """An audit from (user's confirmed verdict, grader's verdict) pairs, as stored with practice reviews."""
    report = AuditReport(grader, source)
    for truth, credited in pairs:
        report.judgements.append(Judgement(truth, credited, "", "reviews"))
    return report


def report_lines(report: AuditReport, *, by_kind: bool = True) -> list[str]:
    """The audit as text: overall, per split, per kind, then the gate."""

    def pct(x: float | int | None) -> str:
        return "  n/a" if x is None else f"{float(x):5.1%}"

    head = f"{'':<14} {'points':>6} {'acc':>6} {'prec':>6} {'recall':>6} {'false+':>6} {'miss':>6} {'kappa':>6}"

    def row(name: str, f: dict[str, float | int | None]) -> str:
        kappa = f["kappa"]
        k = "  n/a" if kappa is None else f"{float(kappa):6.3f}"
        return (
            f"{name:<14} {f['points']:>6} {pct(f['accuracy']):>6} {pct(f['precision']):>6} {pct(f['recall']):>6} "
            f"{pct(f['false_credit']):>6} {pct(f['miss']):>6} {k:>6}"
        )

    lines = [f"grader {report.grader} on {report.source}: {report.answers} answers, {report.points} key points", head]
    lines.append(row("all", report.figures()))
    splits = report.by("split")
    if len(splits) > 1:
        lines += [row(k, v) for k, v in splits.items()]
    if by_kind and any(j.kind for j in report.judgements):
        lines.append("by kind:")
        lines += [row(k, v) for k, v in report.by("kind").items()]
    base = report.figures()["credit_nothing_accuracy"]
    lines.append(f"(crediting nothing would score {pct(base).strip()} accuracy on the same points)")
    lines.append(
        "acc: verdicts that match the labels; prec/recall: of 'covered'; false+: credit on answers that make no "
        "point; miss: points missed in correct answers written in other words; kappa: Cohen's kappa."
    )
    return lines
