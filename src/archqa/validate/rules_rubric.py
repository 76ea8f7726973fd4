"""Rubric rules: follow-ups tied to key points, level signals, case-study sections and the tag vocabulary."""

from __future__ import annotations

from archqa.formats.house_fields import LABEL
from archqa.model import CASE_STUDY_SECTIONS
from archqa.validate.engine import Context, Severity, register_rule

W = Severity.WARNING


@register_rule("structure.follow-ups", "each follow-up names an existing key point; the bank has 2-4 per question")
def follow_ups(ctx: Context) -> None:
    cfg = ctx.config
    lo, hi = cfg.follow_ups
    for q, ql in zip(ctx.doc.set.questions, ctx.doc.qlines):
        line = ql.fields.get("follow_ups", ql.heading)
        label = f"Q{q.number}"
        if cfg.require_follow_ups or q.follow_ups:
            n = len(q.follow_ups)
            ctx.check(
                lo <= n <= hi,
                "structure.follow-ups",
                W,
                line,
                f"{label} has {n} follow-up{'s' if n != 1 else ''}; the target is {lo}-{hi}.",
                "add what an interviewer asks next, each as '- (KP n) question' naming the key point it probes."
                if n < lo
                else "keep the follow-ups that probe the most important key points.",
            )
        for i, f in enumerate(q.follow_ups, 1):
            if f.key_point == 0:
                ctx.fail(
                    "structure.follow-up-key-point",
                    W,
                    line,
                    f"{label}'s follow-up {i} names no key point: {f.question[:60]!r}.",
                    "start it with '(KP n)', n being the 1-based number of the key point it probes.",
                )
            elif not 1 <= f.key_point <= len(q.key_points):
                ctx.fail(
                    "structure.follow-up-key-point",
                    W,
                    line,
                    f"{label}'s follow-up {i} probes key point {f.key_point}, but the question has "
                    f"{len(q.key_points)} key point{'s' if len(q.key_points) != 1 else ''}.",
                    f"point it at one of KP 1-{len(q.key_points)}, or add the key point it probes.",
                )
            else:
                ctx.passed("structure")


@register_rule("structure.level-signals", "level signals say what a mid, senior and staff answer adds")
def level_signals(ctx: Context) -> None:
    for q, ql in zip(ctx.doc.set.questions, ctx.doc.qlines):
        if q.level_signals is None and not ctx.config.require_follow_ups:
            continue
        line = ql.fields.get("level_signals", ql.heading)
        have = {label for label, _ in q.level_signals.items()} if q.level_signals is not None else set()
        missing = [label for label in ("Mid", "Senior", "Staff") if label not in have]
        ctx.check(
            not missing,
            "structure.level-signals",
            W,
            line,
            f"Q{q.number}'s level signals lack {', '.join(missing)}.",
            "under '**Level Signals**:' write '- **Mid**: ...', '- **Senior**: ...' and '- **Staff**: ...', each what "
            "that level's answer adds.",
        )


@register_rule("structure.case-study", "a case study has every section, in the interview's order")
def case_study(ctx: Context) -> None:
    order = list(CASE_STUDY_SECTIONS)
    for q, ql in zip(ctx.doc.set.questions, ctx.doc.qlines):
        if not q.is_case_study:
            continue
        names = [s.name for s in q.sections]
        missing = [CASE_STUDY_SECTIONS[n] for n in order if n not in names]
        ctx.check(
            not missing,
            "structure.case-study-sections",
            W,
            ql.heading,
            f"Q{q.number} is a case study without {', '.join(missing)}.",
            "add each as a labelled section ('**Estimation**:' and its text) after the answer; see docs/authoring.md.",
        )
        present = [n for n in names if n in order]
        ctx.check(
            present == sorted(present, key=order.index),
            "structure.case-study-order",
            W,
            ql.heading,
            f"Q{q.number}'s sections run {', '.join(CASE_STUDY_SECTIONS[n] for n in present)}.",
            "order them as an interview runs: " + ", ".join(CASE_STUDY_SECTIONS.values()) + ".",
        )
        if not q.diagrams:
            ctx.fail(
                "structure.case-study-diagram",
                W,
                ql.heading,
                f"Q{q.number} is a case study without a diagram of its high-level design.",
                "add a Mermaid flowchart under '**Diagram**:'.",
            )


@register_rule("structure.tags", "tags come from the vocabulary, 2-5 per question (when a vocabulary is given)")
def tags(ctx: Context) -> None:
    vocab = ctx.config.tag_vocabulary
    if vocab is None:
        return
    for q, ql in zip(ctx.doc.set.questions, ctx.doc.qlines):
        line = ql.fields.get("tags", ql.heading)
        unknown = [t for t in q.tags if t not in vocab]
        ctx.check(
            not unknown,
            "structure.tag-vocabulary",
            W,
            line,
            f"Q{q.number} has tags outside the vocabulary: {', '.join(unknown)}.",
            "use tags defined in src/archqa/bank/tags.toml (docs/tags.md), or define the new tag there first.",
        )
        ctx.check(
            2 <= len(q.tags) <= 5,
            "structure.tag-count",
            W,
            line,
            f"Q{q.number} has {len(q.tags)} tags; a bank question has 2-5.",
            "tag what the question is about: a mechanism, a concern, a domain.",
        )


@register_rule("structure.setext-label", "a labelled field is not turned into a heading by a '---' right under it")
def setext_label(ctx: Context) -> None:
    lines = ctx.doc.lines
    for line, _level, text in ctx.doc.headings:
        source = lines[line - 1].lstrip() if 0 < line <= len(lines) else ""
        if source.startswith("#") or not LABEL.match(text):
            continue
        ctx.fail(
            "structure.setext-label",
            W,
            line,
            f"the '{lines[line].strip()[:3]}' on line {line + 1} makes '{text[:50]}' a heading, so a new topic starts "
            "here and the field is lost.",
            "put a blank line between the field and the '---' under it.",
        )
