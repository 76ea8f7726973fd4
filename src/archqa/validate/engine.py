"""The rule engine: rules register here, run over a parsed document, and are scored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from archqa.formats.house import ParsedDocument
from archqa.model import Difficulty


class Severity(str, Enum):
    """How much a finding matters: errors fail validation, warnings fail --strict."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


CATEGORY_WEIGHTS: dict[str, int] = {
    "structure": 15,
    "blueprint": 10,
    "honesty": 20,
    "references": 15,
    "code": 15,
    "diagrams": 5,
    "tables": 5,
    "hygiene": 5,
    "links": 10,
}
"""Points per category; they add up to 100 (see README, "How the score is computed")."""

ERROR_COST = 2.0
"""An error costs as much as two failed checks."""
WARNING_WEIGHT = 0.5
"""A warning costs half a failed check (a quarter of an error)."""


class ValidationConfig(BaseModel):
    """Targets the rules check against. Unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")

    mix: tuple[int, int, int] = (20, 40, 40)
    mix_tolerance: int = 10
    answer_words: tuple[int, int] = (120, 300)
    """Answer length when a question states no difficulty."""
    answer_words_by_difficulty: dict[Difficulty, tuple[int, int]] = {
        Difficulty.FOUNDATIONAL: (120, 250),
        Difficulty.INTERMEDIATE: (180, 350),
        Difficulty.ADVANCED: (250, 450),
    }
    case_study_words: tuple[int, int] = (400, 1000)
    """A case study's answer and sections together."""
    follow_ups: tuple[int, int] = (2, 4)
    require_follow_ups: bool = False
    """Every question must have follow-ups and level signals (the bank profile); off for other documents."""
    tag_vocabulary: frozenset[str] | None = None
    """When set, every tag must be one of these and a question has 2-5 tags (the bank profile)."""
    key_insight_max_words: int = 45
    key_points: tuple[int, int] = (3, 8)
    min_glossary: int = 8
    min_bibliography: int = 8
    min_tools: int = 4
    near_duplicate: float = 0.8

    @classmethod
    def bank(cls, **overrides: object) -> ValidationConfig:
        """The bundled bank's profile: follow-ups and level signals required, tags from the vocabulary."""
        from archqa.tags import vocabulary

        return cls.model_validate({"require_follow_ups": True, "tag_vocabulary": vocabulary(), **overrides})

    def answer_range(self, difficulty: Difficulty | None) -> tuple[int, int]:
        """The word range an answer of this difficulty is held to."""
        if difficulty is None:
            return self.answer_words
        return self.answer_words_by_difficulty.get(difficulty, self.answer_words)


class Finding(BaseModel):
    """One problem: which rule, how bad, where, what is wrong and how to fix it."""

    model_config = ConfigDict(frozen=True)

    rule: str
    category: str
    severity: Severity
    path: str
    line: int
    message: str
    fix: str

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.severity.value} [{self.rule}] {self.message} Fix: {self.fix}"


class CategoryScore(BaseModel):
    """How a category scored: checks run, findings, points out of its weight."""

    category: str
    weight: int
    checks: int
    errors: int
    warnings: int
    infos: int
    points: float


class Report(BaseModel):
    """The findings of every rule over one document and the computed score."""

    path: str
    questions: int
    findings: list[Finding] = Field(default_factory=list)
    categories: list[CategoryScore] = Field(default_factory=list)
    score: float = 100.0
    sound_questions: int = 0
    """Questions without an error (the other half of the score)."""
    expected_questions: int = 0
    """The questions the score counts: the set's, or its blueprint's count when the set is short of it."""

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    def ok(self, strict: bool = False) -> bool:
        return self.errors == 0 and (not strict or self.warnings == 0)


@dataclass
class Context:
    """What a rule sees: the document, the targets, and where to record results."""

    doc: ParsedDocument
    config: ValidationConfig
    findings: list[Finding] = field(default_factory=list)
    checks: dict[str, int] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)

    def passed(self, category: str, n: int = 1) -> None:
        """Record n checks that found nothing wrong."""
        self.checks[category] = self.checks.get(category, 0) + n

    def fail(self, rule: str, severity: Severity, line: int, message: str, fix: str, *, count: bool = True) -> None:
        """Record a finding (and the check that produced it)."""
        category = rule.split(".", 1)[0]
        if count:
            self.checks[category] = self.checks.get(category, 0) + 1
        self.findings.append(
            Finding(
                rule=rule,
                category=category,
                severity=severity,
                path=self.doc.path,
                line=max(1, line),
                message=message,
                fix=fix,
            )
        )

    def check(self, ok: bool, rule: str, severity: Severity, line: int, message: str, fix: str) -> bool:
        """Record one check: a pass, or a finding when ``ok`` is false."""
        if ok:
            self.passed(rule.split(".", 1)[0])
        else:
            self.fail(rule, severity, line, message, fix)
        return ok


RuleFunc = Callable[[Context], None]


@dataclass(frozen=True)
class RuleSpec:
    """A registered rule: its id prefix, what it checks, and the function."""

    id: str
    summary: str
    func: RuleFunc
    order: int = 0


_RULES: dict[str, RuleSpec] = {}


def register_rule(rule_id: str, summary: str, order: int = 0) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function. Built-in rules use this exactly as a plugin would."""

    def deco(func: RuleFunc) -> RuleFunc:
        if rule_id.split(".", 1)[0] not in CATEGORY_WEIGHTS:
            raise ValueError(f"rule {rule_id!r}: category must be one of {', '.join(CATEGORY_WEIGHTS)}")
        _RULES[rule_id] = RuleSpec(rule_id, summary, func, order)
        return func

    return deco


def rules() -> list[RuleSpec]:
    """Every registered rule, in run order (``archqa.validate`` registers the built-in ones)."""
    return sorted(_RULES.values(), key=lambda r: (r.order, r.id))


CHECK_FLOOR = 2
"""A category is scored as if it made at least this many checks, so one warning never costs more than a quarter."""
QUESTION_SHARE = 0.5
"""The share of the score that counts questions free of errors; the rest comes from the categories."""


def damaged_questions(ctx: Context) -> int:
    """How many questions have at least one error inside their lines (heading to the next heading)."""
    lines = [f.line for f in ctx.findings if f.severity is Severity.ERROR]
    return sum(1 for ql in ctx.doc.qlines if any(ql.heading <= ln <= (ql.end or ql.heading) for ln in lines))


def sound_questions(ctx: Context) -> tuple[int, int]:
    """(questions without an error, questions expected): a set short of its blueprint counts the missing ones."""
    questions = len(ctx.doc.set.questions)
    if questions == 0:
        return 0, 0
    bp = ctx.doc.set.blueprint
    return questions - damaged_questions(ctx), max(questions, bp.count if bp is not None else 0)


def score(ctx: Context) -> tuple[float, list[CategoryScore]]:
    """score = 50% categories + 50% sound questions (see README, "How the score is computed").

    Categories: each earns weight * (1 - min(1, cost / max(checks, 2))), where cost = 2*errors + 0.5*warnings;
    a category with no checks keeps its full weight. Sound questions: the share of questions without an
    error, out of the blueprint's count when the set is short of it. A document without questions scores 0.
    """
    cats = []
    total = 0.0
    for cat, weight in CATEGORY_WEIGHTS.items():
        fs = [f for f in ctx.findings if f.category == cat]
        e = sum(1 for f in fs if f.severity is Severity.ERROR)
        w = sum(1 for f in fs if f.severity is Severity.WARNING)
        i = sum(1 for f in fs if f.severity is Severity.INFO)
        n = ctx.checks.get(cat, 0)
        cost = ERROR_COST * e + WARNING_WEIGHT * w
        points = weight if n == 0 and cost == 0 else weight * (1.0 - min(1.0, cost / max(n, CHECK_FLOOR, cost)))
        total += points
        points = round(points, 1)
        cats.append(CategoryScore(category=cat, weight=weight, checks=n, errors=e, warnings=w, infos=i, points=points))
    sound, expected = sound_questions(ctx)
    if expected == 0:
        return 0.0, cats
    final = (1 - QUESTION_SHARE) * total + QUESTION_SHARE * 100.0 * sound / expected
    # Never round up to 100: a document with any finding that costs points keeps a score below it.
    return (round(final, 1) if round(final, 1) < 100 or final >= 100 - 1e-9 else 99.9), cats


def format_score(score: float) -> str:
    """'97' for a whole score, '99.6' otherwise: a score is never rounded up to 100."""
    return f"{score:.0f}" if score == int(score) else f"{score:.1f}"


def run(doc: ParsedDocument, config: ValidationConfig | None = None) -> Report:
    """Run every rule over a parsed document and compute the score."""
    ctx = Context(doc=doc, config=config or ValidationConfig())
    for spec in rules():
        try:
            spec.func(ctx)
        except (RecursionError, MemoryError):
            # A parser or rule that runs out of stack or memory on this document: the rule is not applied.
            ctx.fail(
                spec.id,
                Severity.WARNING,
                1,
                f"the rule '{spec.id}' could not check this document: it is nested too deeply or too large.",
                "split the document, or simplify its most deeply nested block.",
            )
    total, cats = score(ctx)
    findings = sorted(ctx.findings, key=lambda f: (f.line, f.rule))
    sound, expected = sound_questions(ctx)
    return Report(
        path=doc.path,
        questions=len(doc.set.questions),
        findings=findings,
        categories=cats,
        score=total,
        sound_questions=sound,
        expected_questions=expected,
    )
