"""Honesty: every figure a document states about itself is checked against its content.

Claims are read from the prose outside questions (title, overview, topic-area
totals, reference headings, the validation report), where documents describe
themselves. Each false claim is an error that gives both numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from archqa.formats.house import ParsedDocument, Prose
from archqa.model import Difficulty
from archqa.validate.code import DISPLAY, canonical, parse_code
from archqa.validate.engine import Context, Severity, format_score, register_rule, score

E = Severity.ERROR
RULE = "honesty"
NUM = r"(\d{1,6})"
PCT = r"(\d{1,3}(?:\.\d+)?)\s*%"
DIFF = r"(foundational|intermediate|advanced)"
QWORDS = r"(?:q&as?|q/as?|qas?|questions?(?:\s+and\s+answers?)?|interview questions|questions? & answers?)"

LANGUAGE_NAMES = {
    "python": "python",
    "go": "go",
    "golang": "go",
    "java": "java",
    "javascript": "javascript",
    "typescript": "typescript",
    "rust": "rust",
    "scala": "scala",
    "c++": "cpp",
    "cpp": "cpp",
    "c#": "csharp",
    "csharp": "csharp",
    "sql": "sql",
    "yaml": "yaml",
    "json": "json",
    "kotlin": "kotlin",
    "ruby": "ruby",
    "swift": "swift",
    "php": "php",
    "bash": "bash",
    "terraform": "hcl",
    "hcl": "hcl",
}


def _claims(doc: ParsedDocument) -> list[Prose]:
    return [p for p in doc.prose if p.question is None]


def _tol(claimed: str) -> float:
    """Half a unit of the last digit stated, so '20%' covers 19.5-20.5 and '19.2%' 19.15-19.25."""
    decimals = len(claimed.split(".")[1]) if "." in claimed else 0
    return 0.5 * 10 ** (-decimals) + 1e-9


def _facts(doc: ParsedDocument) -> dict[str, object]:
    qs = doc.set.questions
    langs: dict[str, int] = {}
    code_blocks = 0
    failing = 0
    for q in qs:
        for c in q.code:
            code_blocks += 1
            lang = canonical(c.language) or c.language.lower()
            if lang:
                langs[lang] = langs.get(lang, 0) + 1
            if canonical(c.language) is not None and not parse_code(c.language, c.code).ok:
                failing += 1
    return {
        "total": len(qs),
        "by_diff": {d: sum(1 for q in qs if q.difficulty == d) for d in Difficulty},
        "diagrams": sum(len(q.diagrams) for q in qs),
        "tradeoff_tables": sum(1 for q in qs if q.tradeoffs),
        "metric_tables": sum(1 for q in qs if q.metrics),
        "tables": sum(1 for t in doc.tables if t.question is not None),
        "code_blocks": code_blocks,
        "failing_code": failing,
        "languages": langs,
        "topics": sum(1 for t in doc.set.topics if any(q.topic == t.name for q in qs)),
    }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@register_rule("honesty.counts", "stated totals, difficulty counts and percentages are true")
def counts(ctx: Context) -> None:
    doc = ctx.doc
    f = _facts(doc)
    ctx.facts.update(f)
    total = f["total"]
    assert isinstance(total, int)
    by_diff = f["by_diff"]
    assert isinstance(by_diff, dict)
    topic_names = [t.name for t in doc.set.topics]
    for p in _claims(doc):
        text = p.text
        low = text.lower()
        if "target" in low and re.search(r"target:?\s*\d", low):
            low = re.sub(r"target:?\s*\d+", "", low)
        # Per-topic claims: "Structural Architecture: 5 Q&As (Q1-Q5)"
        tm = re.search(
            r"^(?:\d+\.\s*)?(?:\*\*)?([A-Za-z][\w &/\-]+?)(?:\*\*)?:\s*"
            + NUM
            + r"\s+"
            + QWORDS
            + r"(?:\s*\(Q(\d+)\s*[-–]\s*Q(\d+)\))?",
            text,
            re.I,
        )
        if tm and not re.match(r"(?i)total|overall|all\b", tm.group(1).strip()):
            _topic_claim(ctx, p, tm, topic_names)
            continue
        for m in re.finditer(NUM + r"\s+" + QWORDS + r"\b", low):
            if low[max(0, m.start() - 4) : m.start()].strip().endswith(("of", "q")):
                continue
            n = int(m.group(1))
            ctx.check(
                n == total,
                "honesty.total",
                E,
                p.line,
                f"claims {n} questions; the document has {total}.",
                f"write {total}, or add the missing questions.",
            )
        for m in re.finditer(NUM + r"\s+" + DIFF + r"\b", low):
            n, d = int(m.group(1)), Difficulty.parse(m.group(2))
            actual = by_diff[d]
            ctx.check(
                n == actual,
                "honesty.difficulty",
                E,
                p.line,
                f"claims {n} {m.group(2).title()} questions; there are {actual}.",
                f"write {actual}.",
            )
        pcts = [(m.group(1), m.group(2)) for m in re.finditer(PCT + r"\s+" + DIFF, low)]
        pcts += [(m.group(2), m.group(1)) for m in re.finditer(DIFF + r"\s*\(\s*" + PCT + r"\s*\)", low)]
        pcts += [(m.group(3), m.group(2)) for m in re.finditer(NUM + r"\s+" + DIFF + r"\s*\(\s*" + PCT, low)]
        seen = set()
        for value, word in pcts:
            if (value, word) in seen:
                continue
            seen.add((value, word))
            d = Difficulty.parse(word)
            assert d is not None
            actual_pct = 100 * by_diff[d] / total if total else 0.0
            ctx.check(
                abs(float(value) - actual_pct) <= _tol(value),
                "honesty.percentage",
                E,
                p.line,
                f"claims {value}% {d.value}; it is {actual_pct:.1f}% ({by_diff[d]} of {total}).",
                f"write {actual_pct:.0f}%.",
            )


def _topic_claim(ctx: Context, p: Prose, m: re.Match[str], topic_names: list[str]) -> None:
    from archqa.validate.rules_structure import _match_topic

    name, n = m.group(1).strip(), int(m.group(2))
    topic = _match_topic(name, topic_names)
    if not ctx.check(
        topic is not None,
        "honesty.topic",
        E,
        p.line,
        f"claims {n} questions on '{name}', but there is no such topic.",
        "remove the claim.",
    ):
        return
    qs = [q for q in ctx.doc.set.questions if q.topic == topic]
    ctx.check(
        n == len(qs),
        "honesty.topic",
        E,
        p.line,
        f"claims {n} questions on '{name}'; the section has {len(qs)}.",
        f"write {len(qs)}.",
    )
    if m.group(3) and qs:
        nums = [q.number for q in qs]
        ok = (int(m.group(3)), int(m.group(4))) == (min(nums), max(nums))
        ctx.check(
            ok,
            "honesty.topic",
            E,
            p.line,
            f"claims '{name}' spans Q{m.group(3)}-Q{m.group(4)}; it spans Q{min(nums)}-Q{max(nums)}.",
            f"write Q{min(nums)}-Q{max(nums)}.",
        )


_ARTIFACTS: list[tuple[str, str, str]] = [
    (r"(?:mermaid\s+)?diagrams?", "diagrams", "diagram"),
    (r"(?:comparison|trade-?off)\s+tables?", "tradeoff_tables", "trade-off table"),
    (r"metrics?\s+tables?", "metric_tables", "metrics table"),
    (r"tables?", "tables", "table"),
    (r"(?:code\s+)?(?:examples?|samples?|snippets?|code blocks?|implementations?)", "code_blocks", "code example"),
]


@register_rule("honesty.artifacts", "stated numbers of diagrams, tables, code examples and topics are true")
def artifacts(ctx: Context) -> None:
    f = ctx.facts or _facts(ctx.doc)
    for p in _claims(ctx.doc):
        low = p.text.lower()
        taken: list[tuple[int, int]] = []
        for pattern, key, word in _ARTIFACTS:
            for m in re.finditer(NUM + r"\s+" + pattern + r"\b", low):
                if any(s <= m.start() < e for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                n, actual = int(m.group(1)), f[key]
                ctx.check(
                    n == actual,
                    "honesty.artifacts",
                    E,
                    p.line,
                    f"claims {_plural(n, word)}; the document has {actual}.",
                    f"write {actual}.",
                )
        for m in re.finditer(r"(?:all\s+)?" + NUM + r"\s+topics?\b(?:\s+covered)?", low):
            if "covered" in low or "all" in low[max(0, m.start() - 5) : m.start() + 4]:
                n = int(m.group(1))
                ctx.check(
                    n == f["topics"],
                    "honesty.artifacts",
                    E,
                    p.line,
                    f"claims {n} topics covered; {f['topics']} topics have questions.",
                    f"write {f['topics']}.",
                )


@register_rule("honesty.languages", "languages the document says its code uses are really there")
def languages(ctx: Context) -> None:
    f = ctx.facts or _facts(ctx.doc)
    present = f["languages"]
    assert isinstance(present, dict)
    for p in _claims(ctx.doc):
        low = p.text.lower()
        if not re.search(r"\b(code|implementation|examples?|samples?|snippets?)\b", low):
            continue
        found = []
        for name, lang in LANGUAGE_NAMES.items():
            if re.search(r"(?<![\w+#])" + re.escape(name) + r"(?![\w+#])", low):
                found.append((name, lang))
        if len(found) < 2:
            continue
        for name, lang in found:
            n = present.get(lang, 0)
            shown = DISPLAY.get(lang, name)
            ctx.check(
                n > 0,
                "honesty.languages",
                E,
                p.line,
                f"claims code in {shown}; the document has no {shown} block.",
                f"remove {shown} from the list or add a {shown} example.",
            )


UNIVERSAL = re.compile(r"\b(?:all|every)\s+(?:the\s+)?(answers?|questions?|q&as?)\b([^.;]*)", re.I)


def _universal_checks(doc: ParsedDocument) -> list[tuple[str, str, Callable[[int], bool]]]:
    qs = doc.set.questions
    return [
        (r"metric|number|figure|quantif", "a number", lambda i: bool(re.search(r"\d", qs[i].answer))),
        (r"\bcode\b|implementation|example", "a code example", lambda i: bool(qs[i].code)),
        (r"diagram", "a diagram", lambda i: bool(qs[i].diagrams)),
        (r"trade-?off", "a trade-offs table", lambda i: bool(qs[i].tradeoffs)),
        (r"citation|reference|cite", "a citation", lambda i: bool(qs[i].citations)),
        (r"key points|rubric", "key points", lambda i: bool(qs[i].key_points)),
    ]


@register_rule("honesty.universal", "'all answers include X' and 'production-ready code' claims hold")
def universal(ctx: Context) -> None:
    doc = ctx.doc
    qs = doc.set.questions
    f = ctx.facts or _facts(doc)
    checks = _universal_checks(doc)
    for p in _claims(doc):
        for m in UNIVERSAL.finditer(p.text):
            rest = m.group(2).lower()
            for pattern, what, test in checks:
                if re.search(pattern, rest):
                    missing = [qs[i].number for i in range(len(qs)) if not test(i)]
                    shown = ", ".join(f"Q{n}" for n in missing[:8]) + (" ..." if len(missing) > 8 else "")
                    ctx.check(
                        not missing,
                        "honesty.universal",
                        E,
                        p.line,
                        f"claims every question has {what}; {len(missing)} of {len(qs)} do not ({shown}).",
                        "remove the claim or fix those questions.",
                    )
                    break
        if re.search(
            r"production[- ]ready|compil(?:e|es|able)\b|runnable|working code|complete code|"
            r"syntactically (?:valid|correct)",
            p.text,
            re.I,
        ):
            bad = f["failing_code"]
            ctx.check(
                bad == 0,
                "honesty.code-claim",
                E,
                p.line,
                f"claims complete, working code; {bad} of {f['code_blocks']} code blocks do not parse "
                "in their declared language.",
                "fix those blocks (see code.parse findings) or drop the claim.",
            )


@register_rule("honesty.cross-links", "claimed cross-references (Q7→Q8) exist")
def cross_links(ctx: Context) -> None:
    qs = ctx.doc.set.questions
    by_num = {q.number: q for q in qs}
    for p in _claims(ctx.doc):
        for m in re.finditer(r"\bQ(\d+)\s*(?:→|->|⟶|=>|➔)\s*Q(\d+)\b", p.text):
            a, b = int(m.group(1)), int(m.group(2))
            qa, qb = by_num.get(a), by_num.get(b)
            if qa is None or qb is None:
                ctx.fail(
                    "honesty.cross-links",
                    E,
                    p.line,
                    f"claims a link Q{a}→Q{b}, but Q{max(a, b)} does not exist.",
                    "remove the claim.",
                )
                continue
            linked = qb.id in qa.related or re.search(rf"\bQ{b}\b", qa.answer + qa.key_insight) is not None
            ctx.check(
                linked,
                "honesty.cross-links",
                E,
                p.line,
                f"claims Q{a} links to Q{b}, but Q{a} neither mentions Q{b} nor lists it under **Related**.",
                f"add '**Related**: [Q{b}](#...)' to Q{a}, or drop the claim.",
            )


@register_rule("honesty.minimums", "stated minimums such as 'Glossary (≥10)' are met")
def minimums(ctx: Context) -> None:
    s = ctx.doc.set
    counts = {"glossary": len(s.glossary), "bibliography": len(s.bibliography), "tools": len(s.tools)}
    for key, (line, text) in ctx.doc.ref_headings.items():
        m = re.search(r"(?:≥|>=|at least|min(?:imum)?\.?)\s*(\d+)", text, re.I)
        if m and key in counts:
            n = int(m.group(1))
            ctx.check(
                counts[key] >= n,
                "honesty.minimums",
                E,
                line,
                f"the heading promises at least {n} {key} entries; there are {counts[key]}.",
                "add entries or correct the heading.",
            )


SCORE = re.compile(r"score\W{0,6}(\d{1,3}(?:\.\d+)?)\s*/\s*100", re.I)


@register_rule("honesty.score", "a stated validation score equals the computed one", order=100)
def stated_score(ctx: Context) -> None:
    claims = [(p, m) for p in _claims(ctx.doc) for m in SCORE.finditer(p.text)]
    if not claims:
        return
    computed, _ = score(ctx)
    for p, m in claims:
        claimed = float(m.group(1))
        if abs(claimed - computed) <= 0.5:  # a score shown rounded (91.5 -> 92) is not a false claim
            continue
        ctx.fail("honesty.score", E, p.line, "", "", count=False)
        final, _ = score(ctx)
        ctx.findings.pop()
        ctx.fail(
            "honesty.score",
            E,
            p.line,
            f"claims a validation score of {m.group(1)}/100; "
            f"archqa computes {format_score(final)}/100 from its findings.",
            "replace it with the computed score, or drop it: a score is computed by archqa validate, never claimed.",
            count=False,
        )
