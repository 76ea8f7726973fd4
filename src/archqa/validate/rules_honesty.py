"""Honesty: every claim a document makes about itself is checked against its content.

``archqa.validate.claims`` reads the claims (counts, percentages, shares,
scores, cross-references, quality claims) wherever the document makes them
outside its questions; this module measures the same quantity over the claim's
scope and reports each false claim as an error that gives both figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from archqa.formats.house import ParsedDocument
from archqa.model import CITATION, Question
from archqa.validate.claims import DIFFICULTY_KEYS, FEATURES, WORDS, Claim, extract
from archqa.validate.code import DISPLAY, canonical, parse_code
from archqa.validate.engine import Context, Severity, format_score, register_rule, score

E = Severity.ERROR


def _tol(claimed: str) -> float:
    """Half a unit of the last digit stated, so '20%' covers 19.5-20.5 and '19.2%' 19.15-19.25."""
    digits = re.sub(r"[^\d.]", "", claimed)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return 0.5 * 10 ** (-decimals) + 1e-9


def _claims(ctx: Context) -> list[Claim]:
    found = ctx.facts.get("claims")
    if found is None:
        found = extract(ctx.doc)
        ctx.facts["claims"] = found
    assert isinstance(found, list)
    return found


def _in_scope(doc: ParsedDocument, c: Claim) -> list[Question]:
    qs = doc.set.questions
    return qs if c.scope.topic is None else [q for q in qs if q.topic == c.scope.topic]


def _failing_code(ctx: Context) -> dict[int, int]:
    """Question index -> code blocks that do not parse in their declared language (cached)."""
    cached = ctx.facts.get("failing_code")
    if isinstance(cached, dict):
        return cached
    out: dict[int, int] = {}
    for i, q in enumerate(ctx.doc.set.questions):
        out[i] = sum(1 for c in q.code if canonical(c.language) is not None and not parse_code(c.language, c.code).ok)
    ctx.facts["failing_code"] = out
    return out


def _measure(ctx: Context, c: Claim, qs: list[Question]) -> int | None:
    """The true value of a claim's measure over its scope (None: not measurable there)."""
    doc = ctx.doc
    s = doc.set
    m = c.measure
    whole = c.scope.topic is None
    if m == "questions":
        return len(qs)
    if m in DIFFICULTY_KEYS:
        return sum(1 for q in qs if q.difficulty == DIFFICULTY_KEYS[m])
    if m == "diagrams":
        return sum(len(q.diagrams) for q in qs)
    if m == "code":
        return sum(len(q.code) for q in qs)
    if m.startswith("code:"):
        lang = m[5:]
        return sum(1 for q in qs for x in q.code if (canonical(x.language) or x.language.lower()) == lang)
    if m == "tradeoff_tables":
        return sum(1 for q in qs if q.tradeoffs)
    if m == "metric_tables":
        return sum(1 for q in qs if q.metrics)
    if m == "tables":
        idx = {i for i, q in enumerate(s.questions) if q in qs}
        return sum(1 for t in doc.tables if t.question is not None and t.question in idx)
    if m == "languages":
        return len({canonical(x.language) or x.language.lower() for q in qs for x in q.code if x.language})
    if m == "key_points":
        return sum(len(q.key_points) for q in qs)
    if not whole:
        return None
    if m == "topics":
        return sum(1 for t in s.topics if any(q.topic == t.name for q in s.questions))
    if m == "glossary":
        return len(s.glossary)
    if m == "bibliography":
        return len(s.bibliography)
    if m == "tools":
        return len(s.tools)
    return None


def _holds(op: str, claimed: float, actual: float) -> bool:
    if op == ">":
        return actual > claimed
    if op == ">=":
        return actual >= claimed
    if op == "<=":
        return actual <= claimed
    if op == "<":
        return actual < claimed
    if op == "~":
        return abs(actual - claimed) <= max(1.0, 0.1 * claimed)
    return actual == claimed


OPS = {"=": "", ">": "more than ", ">=": "at least ", "<=": "at most ", "<": "fewer than ", "~": "about "}


def _words(measure: str, n: float) -> str:
    if measure.startswith("code:"):
        shown = DISPLAY.get(measure[5:], measure[5:])
        return f"{n:g} {shown} code example" + ("" if n == 1 else "s")
    one, many = WORDS.get(measure, (measure, measure))
    return f"{n:g} {one if n == 1 else many}"


def _rule_for(c: Claim) -> str:
    if c.scope.topic is not None and c.measure == "questions":
        return "honesty.topic"
    if c.measure == "questions":
        return "honesty.total"
    if c.measure in DIFFICULTY_KEYS:
        return "honesty.difficulty"
    if c.measure.startswith("code:"):
        return "honesty.languages"
    return "honesty.artifacts"


def _feature_tests(ctx: Context) -> dict[str, Callable[[Question], bool]]:
    return {
        "diagram": lambda q: bool(q.diagrams),
        "metrics_table": lambda q: bool(q.metrics),
        "tradeoffs": lambda q: bool(q.tradeoffs),
        "code": lambda q: bool(q.code),
        "key_points": lambda q: bool(q.key_points),
        "citation": lambda q: bool(CITATION.search(q.text())),
        "key_insight": lambda q: bool(q.key_insight.strip()),
        "number": lambda q: bool(re.search(r"\d", q.answer)),
    }


@register_rule("honesty.counts", "every count, percentage and share the document states about itself is true")
def counts(ctx: Context) -> None:
    doc = ctx.doc
    tests = _feature_tests(ctx)
    feature_words = {k: w for k, _, w in FEATURES}
    for c in _claims(ctx):
        qs = _in_scope(doc, c)
        where = c.scope.describe()
        if c.op == "topic?":
            ctx.fail(
                "honesty.topic",
                E,
                c.line,
                f"claims {c.value:g} questions on '{c.scope.topic}', but there is no such topic.",
                "name an existing topic, or remove the claim.",
            )
        elif c.kind == "count":
            actual = _measure(ctx, c, qs)
            if actual is None:
                continue
            ctx.check(
                _holds(c.op, c.value, actual),
                _rule_for(c),
                E,
                c.line,
                f"claims {OPS[c.op]}{_words(c.measure, c.value)} ('{c.stated}' in \"{_short(c.text)}\"); "
                f"{where} has {actual}.",
                f"write {actual}, or change the document so the claim is true.",
            )
        elif c.kind == "percent":
            n = sum(1 for q in qs if q.difficulty == DIFFICULTY_KEYS[c.measure])
            pct = 100 * n / len(qs) if qs else 0.0
            ctx.check(
                abs(c.value - pct) <= _tol(c.stated),
                "honesty.percentage",
                E,
                c.line,
                f"claims {c.value:g}% {c.measure.title()}; in {where} it is {pct:.1f}% ({n} of {len(qs)}).",
                f"write {pct:.0f}%.",
            )
        elif c.kind == "share":
            test = tests[c.measure]
            missing = [q.number for q in qs if not test(q)]
            pct = 100 * (len(qs) - len(missing)) / len(qs) if qs else 0.0
            shown = ", ".join(f"Q{n}" for n in missing[:8]) + (" ..." if len(missing) > 8 else "")
            what = feature_words[c.measure]
            if c.value >= 100:
                ok = not missing
                msg = f"claims every question in {where} has {what}; {len(missing)} of {len(qs)} do not ({shown})."
            else:
                ok = abs(c.value - pct) <= _tol(c.stated)
                msg = f"claims {c.value:g}% of questions have {what}; in {where} it is {pct:.1f}%."
            ctx.check(ok, "honesty.universal", E, c.line, msg, "remove the claim or fix those questions.")
        elif c.kind == "range":
            nums = [q.number for q in qs]
            if nums:
                ctx.check(
                    (c.extra[0], c.extra[1]) == (min(nums), max(nums)),
                    "honesty.topic",
                    E,
                    c.line,
                    f"claims '{c.scope.topic}' spans Q{c.extra[0]}-Q{c.extra[1]}; it spans Q{min(nums)}-Q{max(nums)}.",
                    f"write Q{min(nums)}-Q{max(nums)}.",
                )
        elif c.kind == "languages":
            n = _measure(ctx, c, qs) or 0
            shown = DISPLAY.get(c.measure[5:], c.stated)
            ctx.check(
                n > 0,
                "honesty.languages",
                E,
                c.line,
                f"claims code in {shown}; the document has no {shown} block.",
                f"remove {shown} from the list or add a {shown} example.",
            )


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


@register_rule("honesty.quality", "'production-ready code' and 'every citation verified' claims hold")
def quality(ctx: Context) -> None:
    doc = ctx.doc
    for c in _claims(ctx):
        if c.kind != "quality":
            continue
        qs = _in_scope(doc, c)
        if c.measure == "code":
            failing = _failing_code(ctx)
            idx = [i for i, q in enumerate(doc.set.questions) if q in qs]
            bad = sum(failing[i] for i in idx)
            total = sum(len(doc.set.questions[i].code) for i in idx)
            ctx.check(
                bad == 0,
                "honesty.code-claim",
                E,
                c.line,
                f"claims complete, working code ('{c.stated}'); {bad} of {total} code blocks in {c.scope.describe()} "
                "do not parse in their declared language.",
                "fix those blocks (see code.parse findings) or drop the claim.",
            )
        else:
            problems = _citation_problems(doc)
            ctx.check(
                not problems,
                "honesty.citation-claim",
                E,
                c.line,
                f"claims verified citations ('{c.stated}'), but {problems[0] if problems else ''}"
                + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
                + ".",
                "fix the references (see references.* findings) or drop the claim.",
            )


def _citation_problems(doc: ParsedDocument) -> list[str]:
    from archqa.model import split_refs
    from archqa.validate.rules_references import isbn_valid

    s = doc.set
    known = {b.id for b in s.bibliography} | {g.id for g in s.glossary} | {t.id for t in s.tools}
    out = []
    for p in doc.prose:
        for m in CITATION.finditer(p.text):
            refs = split_refs(m.group(1))
            out += [f"[Ref: {r}] at line {p.line} resolves to nothing" for r in refs if r not in known]
    for b in s.bibliography:
        isbn = re.search(r"ISBN(?:-1[03])?:?\s*([0-9Xx][0-9Xx\- ]{8,20}[0-9Xx])", b.text)
        if isbn and not isbn_valid(isbn.group(1)):
            out.append(f"{b.id}'s ISBN checksum is wrong")
        elif not isbn and not (b.doi or b.url):
            out.append(f"{b.id} has no ISBN, DOI or URL")
    return out


@register_rule("honesty.cross-links", "claimed cross-references (Q7→Q8, 'Q3 builds on Q2') exist")
def cross_links(ctx: Context) -> None:
    qs = ctx.doc.set.questions
    by_num = {q.number: q for q in qs}

    def mentions(x: Question, y: Question) -> bool:
        return y.id in x.related or re.search(rf"\bQ{y.number}\b", x.answer + x.key_insight) is not None

    for c in _claims(ctx):
        if c.kind != "link":
            continue
        a, b = c.extra
        qa, qb = by_num.get(a), by_num.get(b)
        if qa is None or qb is None:
            ctx.fail(
                "honesty.cross-links",
                E,
                c.line,
                f"claims a link Q{a}→Q{b}, but Q{b if qa else a} does not exist.",
                "remove the claim.",
            )
            continue
        ctx.check(
            mentions(qa, qb) or mentions(qb, qa),
            "honesty.cross-links",
            E,
            c.line,
            f"claims Q{a} and Q{b} are linked, but neither mentions the other or lists it under **Related**.",
            f"add '**Related**: [Q{b}](#...)' to Q{a}, or drop the claim.",
        )


@register_rule("honesty.minimums", "stated minimums such as 'Glossary (≥10)' are met")
def minimums(ctx: Context) -> None:
    s = ctx.doc.set
    have = {"glossary": len(s.glossary), "bibliography": len(s.bibliography), "tools": len(s.tools)}
    for key, (line, text) in ctx.doc.ref_headings.items():
        m = re.search(r"(?:≥|>=|at least|min(?:imum)?\.?)\s*(\d+)", text, re.I)
        if m and key in have:
            n = int(m.group(1))
            ctx.check(
                have[key] >= n,
                "honesty.minimums",
                E,
                line,
                f"the heading promises at least {n} {key} entries; there are {have[key]}.",
                "add entries or correct the heading.",
            )


@register_rule("honesty.score", "a stated validation score equals the computed one", order=100)
def stated_score(ctx: Context) -> None:
    claims = [c for c in _claims(ctx) if c.kind == "score"]
    if not claims:
        return
    computed, _ = score(ctx)
    for c in claims:
        tol = c.extra[0] / 10 if c.extra else 0.5
        if abs(c.value - computed) <= tol:  # a score shown rounded (91.5 -> 92) is not a false claim
            continue
        ctx.fail("honesty.score", E, c.line, "", "", count=False)
        final, _ = score(ctx)
        ctx.findings.pop()
        ctx.fail(
            "honesty.score",
            E,
            c.line,
            f"claims a validation score of {c.stated}; archqa computes {format_score(computed)}/100 from the other "
            f"findings ({format_score(final)}/100 counting this one).",
            "replace it with the computed score, or drop it: a score is computed by archqa validate, never claimed.",
            count=False,
        )
