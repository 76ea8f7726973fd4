"""Answer rules that need no network: unsupported precise figures, key points the answer never mentions."""

from __future__ import annotations

import re

from archqa.model import CITATION
from archqa.text import stem, terms
from archqa.validate.engine import Context, Severity, register_rule

W = Severity.WARNING

EFFECT = re.compile(
    r"\b(?:cut|cuts|cutting|reduc\w*|lower\w*|improv\w*|increas\w*|boost\w*|speeds?\s+up|sped\s+up|drops?|dropped|"
    r"decreas\w*|rais\w*|sav\w*|shrink\w*|shrank|grow\w*|grew|accelerat\w*|slash\w*|halv\w*|doubl\w*|tripl\w*|"
    r"gain\w*|lift\w*|trim\w*)\b"
    r"[^.;:!?\n]{0,50}?(?<![\w.])(?P<n>\d{1,4}(?:\.\d+)?)\s*(?P<unit>%|percent\b|x\b|×|times\b)",
    re.I,
)
AFTER = re.compile(
    r"(?<![\w.])(?P<n>\d{1,4}(?:\.\d+)?)\s*(?P<unit>%|x\b|×)\s+(?:faster|slower|lower|higher|less|fewer|more|"
    r"cheaper|smaller|larger|reduction|improvement|increase|decrease|drop|gain|speed-?up)\b",
    re.I,
)
HEDGE = re.compile(
    r"\b(?:assum\w*|estimat\w*|roughly|about|around|approximately|typically|often|usually|e\.g\.|for example|"
    r"for instance|say|suppose|hypothetical\w*|illustrative|target\w*|goal|budget|could|might|may|can|up to|if|"
    r"expect\w*|aim\w*|order of|ballpark|rule of thumb|reports?|reported|according to|published|benchmark\w*)\b|~|≈",
    re.I,
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s++|\n")


def _precise(n: str, unit: str) -> bool:
    """73 %, 40 % and 3.2x are figures someone measured; 2x, 10x, 50 % and 100 % are figures of speech."""
    if "." in n:
        return True
    return int(n) not in ((2, 3, 10, 100) if unit.lower() in ("x", "×", "times") else (50, 100))


@register_rule("references.unsupported-figure", "a precise effect ('cuts latency by 73 %') has a source or 'assumed'")
def unsupported_figures(ctx: Context) -> None:
    for q, ql in zip(ctx.doc.set.questions, ctx.doc.qlines):
        line = ql.fields.get("answer", ql.heading)
        prose = re.sub(r"`[^`\n]*`", " ", q.key_insight + "\n" + q.full_answer())
        found = 0
        for sentence in SENTENCE_END.split(prose):
            if CITATION.search(sentence) or HEDGE.search(sentence):
                continue
            for m in list(EFFECT.finditer(sentence)) + list(AFTER.finditer(sentence)):
                if _precise(m.group("n"), m.group("unit")):
                    found += 1
                    figure = m.group(0).strip()
                    ctx.fail(
                        "references.unsupported-figure",
                        W,
                        line,
                        f"Q{q.number} states a precise effect as measured fact ('{figure[-40:]}') with no source.",
                        "cite where it was measured ([Ref: A1]), or say it is assumed ('assume ~70 %').",
                    )
                    break
        if not found:
            ctx.passed("references")


RUBRIC_VERBS = frozenset(
    stem(w)
    for w in """names name explains explain mentions mention describes describe uses use discusses discuss identifies
    identify considers consider chooses choose compares compare knows know states state notes note says say
    understands understand recognises recognizes recognise recognize covers cover shows show gives give picks pick
    suggests suggest proposes propose justifies justify handles handle addresses address defines define lists list
    calls call out points point why how what when not without both each every one two three candidate""".split()
)


@register_rule("structure.key-point-coverage", "every key point's terms appear somewhere in the answer")
def key_points_mentioned(ctx: Context) -> None:
    for q, ql in zip(ctx.doc.set.questions, ctx.doc.qlines):
        if not q.key_points or not q.answer.strip():
            continue
        said = terms(q.full_answer() + "\n" + q.key_insight + "\n" + "\n".join(c.code for c in q.code))
        for point in q.key_points:
            wanted = terms(CITATION.sub(" ", point)) - RUBRIC_VERBS
            if not wanted:
                continue
            ctx.check(
                bool(wanted & said),
                "structure.key-point-coverage",
                W,
                ql.fields.get("key_points", ql.heading),
                f"Q{q.number}'s key point '{point[:60]}' uses no term the answer mentions, so the model answer "
                "does not show it.",
                "cover the point in the answer, or reword the point in the answer's terms.",
            )
