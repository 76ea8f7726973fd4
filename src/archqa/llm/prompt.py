"""What a model is asked: the slot, the house-format fields as a JSON schema, grounding examples
from the bank, and the bibliography the answer may cite; and the repair prompt for invalid replies.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from archqa.generate.bank import Bank, Entry
from archqa.llm.backend import Message
from archqa.model import CITATION, BibEntry, Difficulty, Question, split_refs
from archqa.text import jaccard, terms
from archqa.validate.code import supported_languages
from archqa.validate.engine import Finding, ValidationConfig

MAX_WORKS = 40
"""At most this many bibliography entries go into one prompt."""

EXAMPLES = 1
"""Bank questions shown as examples in a first request. Small models copy the first example they see, so one;
and a repair after a near-duplicate finding shows none."""

REF_HINT = "[Ref: <id>]"
"""How a citation is written, with a placeholder: a real id in the hint is copied even when it is not listed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftCode(_Strict):
    """A code example: its language and source."""

    language: str = Field(description="fence language, e.g. python, go, java, typescript, sql, yaml")
    code: str = Field(description="source code that parses in that language, without fences")


class DraftMetric(_Strict):
    """A row of the metrics table."""

    metric: str
    formula: str
    target: str


class DraftTradeOff(_Strict):
    """A row of the trade-offs table."""

    approach: str
    pros: str
    cons: str
    use_when: str


class DraftQuestion(_Strict):
    """One question in the house format's fields, as the model returns it (the structured-output schema)."""

    title: str = Field(description="the question as the interviewer asks it, one sentence ending in '?'")
    type: str = Field(description="Design, Trade-off, Scenario, Concept or Debugging")
    tags: list[str] = Field(description="2-4 lowercase-hyphenated tags")
    key_insight: str = Field(description="one or two sentences, at most 45 words")
    answer: str = Field(
        description="prose paragraphs (the length the prompt gives for the difficulty) citing the prompt's "
        "bibliography as [Ref: <id>]"
    )
    key_points: list[str] = Field(description="3-6 points the interviewer listens for")
    code: list[DraftCode] = Field(description="at least one code example")
    diagram: str = Field(description="Mermaid source such as 'graph LR ...', or an empty string")
    metrics: list[DraftMetric] = Field(description="metrics rows, or an empty list")
    tradeoffs: list[DraftTradeOff] = Field(description="trade-off rows, or an empty list")


@functools.cache
def question_schema() -> dict[str, Any]:
    """The JSON schema sent as ``response_format`` (strict: every field required, no extra fields). Do not mutate."""
    return DraftQuestion.model_json_schema()


@dataclass(frozen=True)
class Slot:
    """One question to write: a topic x difficulty cell (the n-th of its cell), or a CV claim."""

    topic: str
    difficulty: Difficulty
    index: int = 1
    of: int = 1
    focus: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    claim: str | None = None
    claim_line: int = 0

    def label(self) -> str:
        if self.claim is not None:
            short = self.claim if len(self.claim) <= 60 else self.claim[:57] + "..."
            return f"CV line {self.claim_line} ({short})"
        return f"{self.topic} / {self.difficulty.value} #{self.index}"


@dataclass
class Job:
    """A slot with the first request's messages and what the reply is checked against."""

    slot: Slot
    messages: list[Message]
    allowed: list[BibEntry]
    avoid: list[str] = field(default_factory=list)
    """Titles the new question must not nearly repeat (examples and questions already in the set)."""
    bare: list[Message] = field(default_factory=list)
    """The same first request without the examples: what a repair after a near-duplicate finding builds on."""


@dataclass
class Catalogue:
    """Every distinct work in the bank's bibliographies, under one numbering (A1..An)."""

    works: dict[str, BibEntry]
    local: dict[tuple[str, str], str]
    """(bank file, the file's own id) -> catalogue id."""
    by_file: dict[str, list[str]]

    @classmethod
    def of(cls, bank: Bank) -> Catalogue:
        works: dict[str, BibEntry] = {}
        by_key: dict[str, str] = {}
        local: dict[tuple[str, str], str] = {}
        by_file: dict[str, list[str]] = {}
        for file in bank.paths:
            refs = bank.refs.get(file)
            if refs is None:
                continue
            for lid, entry in refs.bibliography.items():
                cid = by_key.get(entry.key)
                if cid is None:
                    cid = f"A{len(works) + 1}"
                    by_key[entry.key] = cid
                    works[cid] = BibEntry(id=cid, text=entry.text)
                local[(file, lid)] = cid
                by_file.setdefault(file, []).append(cid)
        return cls(works=works, local=local, by_file=by_file)

    def rewrite(self, text: str, file: str) -> str:
        """Rewrite a bank file's ``[Ref: A3]`` citations to catalogue ids."""

        def sub(m: Any) -> str:
            ids = [self.local.get((file, r), r) for r in split_refs(m.group(1))]
            return "[Ref: " + ", ".join(ids) + "]"

        return CITATION.sub(sub, text)

    def allowed(self, files: Sequence[str], topic_terms: frozenset[str], must: Sequence[str] = ()) -> list[BibEntry]:
        """Works from ``files`` (all works when none), the most relevant first, at most MAX_WORKS."""
        ids = list(dict.fromkeys(cid for f in files for cid in self.by_file.get(f, []))) or list(self.works)
        ranked = sorted(ids, key=lambda cid: -jaccard(topic_terms, terms(self.works[cid].text)))
        keep = list(dict.fromkeys([*(m for m in must if m in self.works), *ranked]))[:MAX_WORKS]
        return sorted((self.works[c] for c in keep), key=lambda b: int(b.id[1:]))


def cited_ids(texts: Sequence[str]) -> list[str]:
    """Bibliography ids cited in ``texts``, in order of first use."""
    return list(dict.fromkeys(r for t in texts for m in CITATION.finditer(t) for r in split_refs(m.group(1))))


def example_entries(bank: Bank, slot: Slot, k: int = EXAMPLES) -> list[Entry]:
    """Up to ``k`` bank questions to show as examples: same topic, nearest difficulty, rotated by slot index."""
    same = [e for e in bank.entries if e.topic == slot.topic]
    if not same:
        want = terms(" ".join([slot.topic, *slot.focus, slot.claim or ""]))
        pool = bank.entries
        if pool and pool[0]._bank is not None:
            pool[0]._bank.details(pool)
        return sorted(pool, key=lambda e: (-jaccard(want, e.terms), e.id))[:k]
    focus = set(slot.focus)
    same.sort(key=lambda e: (abs(e.difficulty - slot.difficulty.rank), -len(focus & e.tags), e.id))
    gap = abs(same[0].difficulty - slot.difficulty.rank)
    near = [e for e in same if abs(e.difficulty - slot.difficulty.rank) == gap]
    start = (slot.index - 1) * k % max(1, len(near))
    rotated = near[start:] + near[:start]
    out = rotated[:k]
    return out + [e for e in same if e not in out][: k - len(out)]


def draft_of(q: Question, cat: Catalogue, file: str) -> dict[str, Any]:
    """A bank question in the shape of the schema, citations rewritten to catalogue ids."""
    return DraftQuestion(
        title=q.title,
        type=q.type or "Design",
        tags=q.tags,
        key_insight=cat.rewrite(q.key_insight, file),
        answer=cat.rewrite(q.answer, file),
        key_points=[cat.rewrite(p, file) for p in q.key_points],
        code=[DraftCode(language=c.language, code=c.code) for c in q.code],
        diagram=q.diagrams[0].source if q.diagrams else "",
        metrics=[DraftMetric(metric=m.metric, formula=m.formula, target=m.target) for m in q.metrics],
        tradeoffs=[
            DraftTradeOff(approach=t.approach, pros=t.pros, cons=t.cons, use_when=t.use_when) for t in q.tradeoffs
        ],
    ).model_dump()


SYSTEM = (
    "You write software-architecture and system-design interview questions with model answers for archqa. "
    "Reply with exactly one JSON object that matches the schema you are given, and nothing else. "
    "Write original text: the examples show the format and the depth expected; never copy their sentences "
    "or their concept. Be concrete and technically correct; state assumptions as assumptions."
)


def _requirements(slot: Slot) -> list[str]:
    langs = ", ".join(slot.languages) if slot.languages else ", ".join(supported_languages())
    tradeoffs = "2-3 rows" if slot.difficulty is not Difficulty.FOUNDATIONAL else "rows, or [] if none apply"
    lo, hi = ValidationConfig().answer_range(slot.difficulty)
    words = f"{lo}-{hi}"  # the validator's range for this difficulty
    return [
        "- title: the question as the interviewer asks it, one sentence ending with '?'.",
        "- type: one of Design, Trade-off, Scenario, Concept, Debugging.",
        "- tags: 2-4 lowercase-hyphenated tags.",
        "- key_insight: one or two sentences, at most 45 words.",
        f"- answer: {words} words of plain prose paragraphs (no headings, lists, tables, code fences or "
        f"bold labels). Cite at least one work from the bibliography below as {REF_HINT}, where <id> is one of "
        "the ids listed there (never an id that is not listed).",
        "- key_points: 3-6 items, each one checkable idea the interviewer listens for.",
        f"- code: at least one example in one of these languages: {langs}. It must parse as that language; "
        "put the source without fences.",
        "- diagram: Mermaid source (e.g. 'graph LR' or 'sequenceDiagram' with balanced blocks), or ''.",
        "- metrics: rows of metric, formula and target, or [].",
        f"- tradeoffs: rows of approach, pros, cons and use_when: {tradeoffs}.",
    ]


def build_messages(
    slot: Slot, allowed: Sequence[BibEntry], examples: Sequence[dict[str, Any]], avoid: Sequence[str]
) -> list[Message]:
    """The system and user messages of a slot's first request."""
    lines = []
    if slot.claim is not None:
        lines += [
            f'A candidate\'s CV says (line {slot.claim_line}): "{slot.claim}"',
            "Write one interview question that asks the candidate how they achieved this claim, for the topic "
            f'"{slot.topic}" at {slot.difficulty.value} level. The title addresses the candidate ("You ...?"); '
            "the answer is what a strong candidate would explain: the mechanism, how the gain was measured, "
            "the trade-offs and what they would do differently.",
        ]
    else:
        lines.append(f'Write one {slot.difficulty.value} interview question for the topic "{slot.topic}".')
        if slot.of > 1:
            lines.append(f"It is question {slot.index} of {slot.of} for this topic and difficulty.")
    if slot.focus:
        lines.append("Set it in, or tag it with, these domains or tags: " + ", ".join(slot.focus) + ".")
    if avoid:
        lines.append("Choose a concept different from these questions, which the set already has:")
        lines += [f"- {t}" for t in avoid]
    lines += ["", "Fields (archqa's validator checks each of them):", *_requirements(slot)]
    lines += ["", "Bibliography you may cite (by id; cite nothing else):"]
    lines += [f"{b.id}. {b.text}" for b in allowed]
    if examples:
        label = "An example" if len(examples) == 1 else "Examples"
        lines += ["", f"{label} from the bank, in the reply format only (do not repeat its concept or sentences):"]
        lines += [json.dumps(ex, ensure_ascii=False) for ex in examples]
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def repair_message(findings: Sequence[Finding]) -> Message:
    """The follow-up asking the model to fix what the validator found."""
    lines = [
        "Your question did not pass archqa's validator. Fix every finding below and reply with the whole "
        "corrected JSON object (same schema, nothing else):",
        "",
    ]
    for f in findings:
        lines.append(f"- [{f.rule}] {f.message} Fix: {f.fix}")
    return {"role": "user", "content": "\n".join(lines)}
