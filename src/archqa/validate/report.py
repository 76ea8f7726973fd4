"""Render a validation report as text, JSON, or the Markdown section of a set."""

from __future__ import annotations

import json

from archqa.formats.house import ParsedDocument
from archqa.model import Difficulty
from archqa.validate.code import DISPLAY, canonical
from archqa.validate.engine import (
    CATEGORY_WEIGHTS,
    ERROR_COST,
    QUESTION_SHARE,
    WARNING_WEIGHT,
    Report,
    Severity,
    format_score,
)


def render_text(report: Report, *, findings: bool = True) -> str:
    """Findings, one per line, then the score and its breakdown by category."""
    out = [f.format() for f in report.findings] if findings else []
    if out:
        out.append("")
    out.append(
        f"{report.path}: {report.questions} questions, {report.errors} errors, {report.warnings} warnings, "
        f"{sum(1 for f in report.findings if f.severity is Severity.INFO)} notes"
    )
    out.append(
        f"score {report.score:.1f}/100 = 50% categories ({sum(c.points for c in report.categories):.1f}/100)"
        f" + 50% questions without errors ({report.sound_questions} of {report.expected_questions})"
    )
    out.append(f"  {'category':<11} {'checks':>6} {'errors':>6} {'warn':>5} {'points':>13}")
    for c in report.categories:
        out.append(f"  {c.category:<11} {c.checks:>6} {c.errors:>6} {c.warnings:>5} {c.points:>6.1f} / {c.weight:<4}")
    return "\n".join(out)


def render_json(reports: list[Report]) -> str:
    """A JSON document with every report (schema: archqa.validation/1)."""
    payload = {
        "schema": "archqa.validation/1",
        "weights": CATEGORY_WEIGHTS,
        "error_cost": ERROR_COST,
        "warning_cost": WARNING_WEIGHT,
        "question_share": QUESTION_SHARE,
        "reports": [r.model_dump(mode="json") for r in reports],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def render_markdown(report: Report, doc: ParsedDocument) -> str:
    """The Validation Report section of a set: every figure computed from the document."""
    s = doc.set
    qs = s.questions
    n = len(qs)
    lines = ["*Computed by archqa from the document's content; nothing here is claimed by hand.*", ""]
    lines.append("### Coverage")
    lines.append(f"- {n} Q&As in {sum(1 for t in s.topics if any(q.topic == t.name for q in qs))} topics")
    for d in Difficulty:
        c = sum(1 for q in qs if q.difficulty == d)
        lines.append(f"- {c} {d.value} ({100 * c / n if n else 0:.1f}%)")
    langs: dict[str, int] = {}
    for q in qs:
        for ex in q.code:
            key = canonical(ex.language) or ex.language
            langs[key] = langs.get(key, 0) + 1
    lines.append("")
    lines.append("### Content")
    lines.append(
        f"- {sum(len(q.code) for q in qs)} code examples: "
        + ", ".join(f"{DISPLAY.get(k, k)} {v}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1]))
    )
    lines.append(f"- {sum(len(q.diagrams) for q in qs)} diagrams")
    lines.append(
        f"- {sum(1 for q in qs if q.tradeoffs)} trade-off tables, {sum(1 for q in qs if q.metrics)} metrics tables"
    )
    lines.append(
        f"- {len(s.glossary)} glossary entries, {len(s.bibliography)} bibliography entries, {len(s.tools)} tools"
    )
    lines.append("")
    lines.append(f"### Score: {format_score(report.score)}/100")
    lines.append(f"- {report.errors} errors, {report.warnings} warnings")
    lines.append(
        f"- {report.sound_questions} of {report.expected_questions} questions without errors (half the score); "
        "categories (the other half):"
    )
    for cat in report.categories:
        lines.append(
            f"- {cat.category}: {cat.points:.1f} of {cat.weight} ({cat.checks} checks, {cat.errors} errors, "
            f"{cat.warnings} warnings)"
        )
    return "\n".join(lines)
