"""Write the house Markdown format: the Topic Areas table and totals are computed, never claimed."""

from __future__ import annotations

import re

from archqa.formats.blocks import slugify
from archqa.formats.blueprint import format_blueprint
from archqa.model import Difficulty, Question, QuestionSet, Topic

BLOCK_START = re.compile(r"^[ \t]{0,3}(?:```|~~~|[-*+][ \t]|\d{1,9}[.)][ \t]|\||#{1,6}[ \t]|>|<[a-zA-Z/!])")
"""How an answer opens when its first line is a block of its own, not the text after a label."""


def _fence(lang: str, code: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{code}\n{ticks}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def question_anchor(q: Question) -> str:
    return slugify(f"Q{q.number}: {q.title}")


def topic_heading(index: int, name: str) -> str:
    return f"Topic {index}: {name}"


def topic_table(s: QuestionSet) -> tuple[list[str], str]:
    """Rows of the Topic Areas table and the Total line, computed from the questions."""
    rows = ["| Cluster | Range | Count | Difficulty |", "|---------|-------|-------|------------|"]
    for t in ordered_topics(s):
        qs = [q for q in s.questions if q.topic == t.name]
        if not qs:
            continue
        nums = [q.number for q in qs]
        counts = [sum(1 for q in qs if q.difficulty == d) for d in Difficulty]
        mix = "/".join(f"{c}{d.letter}" for c, d in zip(counts, Difficulty))
        rows.append(f"| {_cell(t.name)} | Q{min(nums)}-Q{max(nums)} | {len(qs)} | {mix} |")
    n = len(s.questions)
    parts = []
    for d in Difficulty:
        c = sum(1 for q in s.questions if q.difficulty == d)
        parts.append(f"{round(100 * c / n) if n else 0}% {d.value}")
    total = f"**Total**: {n} Q&As ({', '.join(parts)})"
    return rows, total


def ordered_topics(s: QuestionSet) -> list[Topic]:
    topics = list(s.topics)
    names = {t.name for t in topics}
    for q in s.questions:
        if q.topic not in names:
            topics.append(Topic(name=q.topic))
            names.add(q.topic)
    return topics


def write_question(q: Question, ids: dict[str, Question]) -> str:
    out = [f"### Q{q.number}: {q.title}"]
    if q.provenance is not None:
        out.append(f"<!-- archqa:source {q.provenance.file}:{q.provenance.line} -->")
    meta = [f"**ID**: `{q.id}`"]
    if q.difficulty is not None:
        meta.append(f"**Difficulty**: {q.difficulty.value}")
    if q.type:
        meta.append(f"**Type**: {q.type}")
    if q.tags:
        meta.append("**Tags**: " + ", ".join(f"`{t}`" for t in q.tags))
    out += ["", " | ".join(meta)]
    if q.key_insight:
        out += ["", f"**Key Insight**: {q.key_insight}"]
    if q.answer:
        # an answer that opens with a block (a fence, a list, a table) starts on its own line after the label
        sep = "\n\n" if BLOCK_START.match(q.answer) else " "
        out += ["", f"**Answer**:{sep}{q.answer}"]
    for sec in q.sections:
        sep = "\n\n" if BLOCK_START.match(sec.text) else " "
        out += ["", f"**{sec.title}**:{sep}{sec.text}"]
    if q.key_points:
        out += ["", "**Key Points**:"] + [f"- {p}" for p in q.key_points]
    if q.follow_ups:
        out += ["", "**Follow-ups**:"]
        out += [f"- (KP {f.key_point}) {f.question}" if f.key_point else f"- {f.question}" for f in q.follow_ups]
    if q.level_signals is not None and q.level_signals.items():
        out += ["", "**Level Signals**:"] + [f"- **{label}**: {text}" for label, text in q.level_signals.items()]
    if q.code:
        out += ["", "**Implementation**:"]
        for c in q.code:
            out.append(_fence(c.language, c.code))
    for d in q.diagrams:
        out += ["", "**Diagram**:", _fence(d.kind if d.kind != "text" else "", d.source)]
    if q.metrics:
        out += ["", "**Metrics**:", "| Metric | Formula | Target |", "|--------|---------|--------|"]
        out += [f"| {_cell(m.metric)} | {_cell(m.formula)} | {_cell(m.target)} |" for m in q.metrics]
    if q.tradeoffs:
        out += ["", "**Trade-offs**:", "| Approach | Pros | Cons | Use When |", "|----------|------|------|----------|"]
        out += [
            f"| {_cell(t.approach)} | {_cell(t.pros)} | {_cell(t.cons)} | {_cell(t.use_when)} |" for t in q.tradeoffs
        ]
    if q.related:
        links = []
        for rid in q.related:
            target = ids.get(rid)
            links.append(f"[Q{target.number}](#{question_anchor(target)})" if target else f"`{rid}`")
        out += ["", "**Related**: " + ", ".join(links)]
    return "\n".join(out)


def write_set(s: QuestionSet, *, include_tables: bool = True) -> str:
    """Render a set in the house format. The Topic Areas table is computed, never claimed."""
    topics = ordered_topics(s)
    ids = {q.id: q for q in s.questions}
    out = [f"# {s.title}", ""]
    if s.blueprint is not None:
        out += [f"**Blueprint**: {format_blueprint(s.blueprint)}", ""]
    if include_tables:
        out += ["## Contents", "- [Topic Areas](#topic-areas)"]
        for i, t in enumerate(topics, 1):
            h = topic_heading(i, t.name)
            out.append(f"- [{h}](#{slugify(h)})")
        out.append("- [References](#references)")
        if s.report:
            out.append("- [Validation Report](#validation-report)")
        rows, total = topic_table(s)
        out += ["", "## Topic Areas", "", *rows, "", total, ""]
    for i, t in enumerate(topics, 1):
        out += ["---", "", f"## {topic_heading(i, t.name)}", ""]
        if t.overview:
            out += [f"**Overview**: {t.overview}", ""]
        for q in s.questions:
            if q.topic == t.name:
                out += [write_question(q, ids), "", "---", ""]
        if out[-2] == "---":
            out = out[:-2]
    out += ["---", "", "## References", ""]
    out += ["### Glossary", ""]
    for g in s.glossary:
        rel = f" Related: {', '.join(g.related)}" if g.related else ""
        out.append(f"- **{g.id}. {g.term}** – {g.definition}{rel}")
    out += ["", "### Bibliography", ""]
    for b in s.bibliography:
        out.append(f"- **{b.id}.** {b.text}")
    out += ["", "### Tools", ""]
    for tool in s.tools:
        out.append(f"- **{tool.id}. {tool.name}** – {tool.description} <{tool.url}>")
    out.append("")
    if s.report:
        out += ["---", "", "## Validation Report", "", s.report.strip(), ""]
    return "\n".join(out).rstrip("\n") + "\n"
