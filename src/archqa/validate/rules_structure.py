"""Structure and blueprint rules: numbering, required fields, lengths, difficulty mix."""

from __future__ import annotations

import re

from archqa.formats.blocks import table_rows
from archqa.model import Difficulty
from archqa.text import word_count
from archqa.validate.engine import Context, Severity, register_rule

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@register_rule("structure.numbering", "questions are numbered 1..N in document order")
def numbering(ctx: Context) -> None:
    expected = 1
    for q, ql in zip(ctx.doc.set.questions, ctx.doc.qlines):
        ctx.check(
            q.number == expected,
            "structure.numbering",
            E,
            ql.heading,
            f"question is numbered Q{q.number} but is number {expected} in the document.",
            f"renumber it Q{expected} (and the questions after it) so numbering runs 1..N without gaps.",
        )
        expected += 1


@register_rule("structure.fields", "every question has its required fields")
def required_fields(ctx: Context) -> None:
    cfg = ctx.config
    seen_ids: dict[str, int] = {}
    for q, ql in zip(ctx.doc.set.questions, ctx.doc.qlines):
        h = ql.heading
        label = f"Q{q.number}"
        if "difficulty_bad" in ql.fields:
            ctx.fail(
                "structure.difficulty",
                E,
                ql.fields["difficulty_bad"],
                f"{label} has a difficulty archqa does not know.",
                "use Foundational, Intermediate or Advanced.",
            )
        else:
            ctx.check(
                q.difficulty is not None,
                "structure.fields",
                E,
                h,
                f"{label} has no **Difficulty**.",
                "add '**Difficulty**: Foundational|Intermediate|Advanced' under the heading.",
            )
        ctx.check(
            bool(q.key_insight.strip()),
            "structure.fields",
            E,
            h,
            f"{label} has no **Key Insight**.",
            "add a one- or two-sentence '**Key Insight**:' line.",
        )
        ctx.check(
            bool(q.answer.strip()),
            "structure.fields",
            E,
            h,
            f"{label} has no **Answer**.",
            "add an '**Answer**:' paragraph.",
        )
        ctx.check(
            bool(q.key_points),
            "structure.fields",
            W,
            h,
            f"{label} has no **Key Points**, so practice mode cannot grade answers to it.",
            f"add '**Key Points**:' with {cfg.key_points[0]}-{cfg.key_points[1]} bullets.",
        )
        ctx.check(
            bool(q.code),
            "structure.fields",
            W,
            h,
            f"{label} has no code example.",
            "add '**Implementation**:' with a fenced block labelled with its language.",
        )
        if "id" not in ql.fields:
            ctx.fail(
                "structure.id",
                INFO,
                h,
                f"{label} has no **ID**; archqa derived `{q.id}` from its title.",
                f"add '**ID**: `{q.id}`' so the id stays stable when the title is edited.",
                count=False,
            )
        elif q.id in seen_ids:
            ctx.fail(
                "structure.id",
                E,
                ql.fields["id"],
                f"{label} repeats the id `{q.id}` of the question at line {seen_ids[q.id]}.",
                "give each question a unique id.",
            )
        seen_ids.setdefault(q.id, h)


@register_rule("structure.lengths", "answers, key insights and key points are within bounds")
def lengths(ctx: Context) -> None:
    cfg = ctx.config
    for q, ql in zip(ctx.doc.set.questions, ctx.doc.qlines):
        label = f"Q{q.number}"
        if q.is_case_study:
            lo, hi = cfg.case_study_words
            n = word_count(q.full_answer())
            what = "answer and sections have"
            kind = "a case study"
        else:
            lo, hi = cfg.answer_range(q.difficulty)
            n = word_count(q.answer)
            what = "answer has"
            kind = f"an {q.difficulty.value} answer" if q.difficulty else "an answer"
            kind = kind.replace("an Foundational", "a Foundational")
        if q.answer.strip():
            ctx.check(
                lo <= n <= hi,
                "structure.answer-length",
                W,
                ql.fields.get("answer", ql.heading),
                f"{label}'s {what} {n} words; the target for {kind} is {lo}-{hi}.",
                "shorten it to the essentials" if n > hi else "say more: the mechanism, the trade-off, when not to",
            )
        if q.key_insight.strip():
            n = word_count(q.key_insight)
            ctx.check(
                n <= cfg.key_insight_max_words,
                "structure.key-insight",
                W,
                ql.fields.get("key_insight", ql.heading),
                f"{label}'s key insight has {n} words; keep it under {cfg.key_insight_max_words}.",
                "state the one idea the answer hinges on in one or two sentences.",
            )
        if q.key_points:
            n = len(q.key_points)
            kp_lo, kp_hi = cfg.key_points
            ctx.check(
                kp_lo <= n <= kp_hi,
                "structure.key-points",
                W,
                ql.fields.get("key_points", ql.heading),
                f"{label} has {n} key points; a usable rubric has {kp_lo}-{kp_hi}.",
                "merge or split points so each is one checkable idea.",
            )


def _mix_text(mix: tuple[float, ...]) -> str:
    return "/".join(f"{x:.0f}" for x in mix)


@register_rule("blueprint.mix", "the difficulty mix matches the target within the tolerance")
def difficulty_mix(ctx: Context) -> None:
    qs = [q for q in ctx.doc.set.questions if q.difficulty is not None]
    if not qs:
        return
    bp = ctx.doc.set.blueprint
    target = bp.mix if bp is not None else ctx.config.mix
    # One question is the smallest step a mix can move, so a small set gets at least that much slack.
    tol = max(ctx.config.mix_tolerance, 100 / len(qs))
    f, i, a = (100 * sum(1 for q in qs if q.difficulty == d) / len(qs) for d in Difficulty)
    actual = (f, i, a)
    worst = max(abs(a - t) for a, t in zip(actual, target))
    line = ctx.doc.topic_table.block.line if ctx.doc.topic_table else ctx.doc.qlines[0].heading
    src = "the document's blueprint" if bp is not None else "the default target (--mix)"
    ctx.check(
        worst <= tol,
        "blueprint.mix",
        W,
        line,
        f"difficulty mix is {_mix_text(actual)} (F/I/A %) but {src} is {_mix_text(target)}, "
        f"off by {worst:.0f} points (tolerance {tol:.0f}).",
        "move questions between difficulties, or pass --mix with the mix you intend.",
    )


@register_rule("blueprint.count", "the set has as many questions as its blueprint asks for")
def blueprint_count(ctx: Context) -> None:
    bp = ctx.doc.set.blueprint
    if bp is None:
        return
    n = len(ctx.doc.set.questions)
    ctx.check(
        n >= bp.count,
        "blueprint.count",
        W,
        ctx.doc.qlines[0].heading if ctx.doc.qlines else 1,
        f"the blueprint asks for {bp.count} questions; the set has {n}.",
        "add the missing questions (archqa generate --fill with a model can write them) or lower the blueprint count.",
    )


@register_rule("blueprint.topics", "every topic is covered and the topic-area table is true")
def topics(ctx: Context) -> None:
    doc = ctx.doc
    qs = doc.set.questions
    for t in doc.set.topics:
        n = sum(1 for q in qs if q.topic == t.name)
        ctx.check(
            n > 0,
            "blueprint.topics",
            E,
            doc.topic_lines.get(t.name, 1),
            f"topic '{t.name}' has no questions.",
            "add questions to it or remove the section.",
        )
    bp = doc.set.blueprint
    if bp is not None:
        names = {t.name.lower() for t in doc.set.topics}
        for name in bp.topics:
            hit = any(name.lower() in n or n.startswith(name.lower()[:5]) for n in names)
            ctx.check(
                hit,
                "blueprint.topics",
                E,
                1,
                f"the blueprint asks for topic '{name}' but no section covers it.",
                "add that topic's questions or drop it from the blueprint.",
            )
    if doc.topic_table is not None:
        _topic_table(ctx)


def _match_topic(name: str, topics: list[str]) -> str | None:
    low = name.lower().strip()
    for t in topics:
        if t.lower() == low:
            return t
    for t in topics:
        tl = t.lower()
        if tl.startswith(low) or low.startswith(tl) or (low.split() and tl.split() and low.split()[0] == tl.split()[0]):
            return t
    return None


def _topic_table(ctx: Context) -> None:
    doc = ctx.doc
    assert doc.topic_table is not None
    header, rows = table_rows(doc.topic_table.block)
    cols = [h.lower() for h in header]
    names = [t.name for t in doc.set.topics]
    listed: set[str] = set()
    for line, cells in rows:
        row = dict(zip(cols, cells))
        name = row.get("cluster") or row.get("topic") or (cells[0] if cells else "")
        topic = _match_topic(name, names)
        if not ctx.check(
            topic is not None,
            "blueprint.topic-table",
            E,
            line,
            f"the topic-area table lists '{name}', which has no section in the document.",
            "remove the row or add the topic.",
        ):
            continue
        assert topic is not None
        listed.add(topic)
        qs = [q for q in doc.set.questions if q.topic == topic]
        if "count" in row:
            m = re.search(r"\d+", row["count"])
            if m:
                ctx.check(
                    int(m.group()) == len(qs),
                    "blueprint.topic-table",
                    E,
                    line,
                    f"the topic-area table says '{name}' has {m.group()} questions; it has {len(qs)}.",
                    f"write {len(qs)} (archqa writes this table from the questions).",
                )
        if "range" in row and qs:
            m = re.search(r"Q?(\d+)\s*[-–]\s*Q?(\d+)", row["range"])
            nums = [q.number for q in qs]
            actual = f"Q{min(nums)}-Q{max(nums)}"
            if m:
                ctx.check(
                    (int(m.group(1)), int(m.group(2))) == (min(nums), max(nums)),
                    "blueprint.topic-table",
                    E,
                    line,
                    f"the topic-area table gives '{name}' the range {row['range']}; it is {actual}.",
                    f"write {actual}.",
                )
        if "difficulty" in row:
            claimed = {k.upper(): int(v) for v, k in re.findall(r"(\d+)\s*([FIAfia])", row["difficulty"])}
            if claimed:
                actual_mix = {d.letter: sum(1 for q in qs if q.difficulty == d) for d in Difficulty}
                want = "/".join(f"{actual_mix[k]}{k}" for k in "FIA")
                ctx.check(
                    all(claimed.get(k, 0) == actual_mix[k] for k in "FIA"),
                    "blueprint.topic-table",
                    E,
                    line,
                    f"the topic-area table gives '{name}' the difficulty split {row['difficulty']}; "
                    f"the questions are {want}.",
                    f"write {want}.",
                )
    for t in names:
        if any(q.topic == t for q in doc.set.questions):
            ctx.check(
                t in listed,
                "blueprint.topic-table",
                W,
                doc.topic_table.block.line,
                f"topic '{t}' is missing from the topic-area table.",
                "add a row for it.",
            )
