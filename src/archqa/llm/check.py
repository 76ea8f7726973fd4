"""Turn a model's reply into a Question and check it with the validator.

The question is written into a small house-format document together with the
bibliography it was allowed to cite, read back, and validated. Only findings
about that question count (its own lines; never the document-level blueprint
and honesty rules), plus three checks the document rules cannot make alone:
the reply reads back exactly as written (no stray headings or fences in the
prose), it cites at least one work, and it is not a near copy of a question
it was asked to differ from. :func:`check_prose` reads the draft's prose as the
model wrote it, before whitespace is normalised (which would flatten a list into
"- a. - b."): no list lines, label-only paragraphs or headings, and the trade-off
rows the prompt asks for at Intermediate and Advanced. Errors and warnings both send it back for repair,
so a kept question passes ``archqa validate --strict``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from pydantic import ValidationError

from archqa.formats.house import read_text_document, write_set
from archqa.llm.prompt import DraftQuestion, Slot
from archqa.model import (
    BibEntry,
    CodeExample,
    Diagram,
    Difficulty,
    MetricRow,
    Provenance,
    Question,
    QuestionSet,
    Topic,
    TradeOffRow,
    stable_id,
)
from archqa.text import jaccard, terms
from archqa.validate.code import NOT_CODE, canonical, supported_languages
from archqa.validate.engine import Finding, Severity, ValidationConfig, run

REPLY = "<model reply>"
IGNORED_CATEGORIES = {"blueprint", "honesty"}


def _finding(rule: str, message: str, fix: str, line: int = 1, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(
        rule=rule, category=rule.split(".", 1)[0], severity=severity, path=REPLY, line=line, message=message, fix=fix
    )


def _json_object(content: str) -> str:
    text = content.strip()
    if text.startswith("```"):
        text = re.sub(r"^```[\w-]*\s*\n?", "", text)
        text = re.sub(r"\n?```\s*$", "", text)
    if not text.startswith("{") and "{" in text and "}" in text:
        text = text[text.index("{") : text.rindex("}") + 1]
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub(value: object) -> object:
    """JSON values with each lone surrogate ('\\ud800', no character) replaced by U+FFFD, so the text can be
    written as UTF-8."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    return value


def parse_reply(content: str) -> tuple[DraftQuestion | None, list[Finding]]:
    """The reply as a DraftQuestion, or the findings that say why it is not one."""
    if not content.strip():
        return None, [_finding("reply.empty", "the reply is empty.", "reply with the JSON object of the schema.")]
    try:
        data = _scrub(json.loads(_json_object(content)))
    except RecursionError:
        return None, [
            _finding("reply.json", "the reply's JSON is nested too deeply to read.", "reply with the schema's object.")
        ]
    except json.JSONDecodeError as exc:
        return None, [
            _finding(
                "reply.json",
                f"the reply is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
                "reply with one JSON object only: no prose, no Markdown fences, quotes and commas balanced.",
                exc.lineno,
            )
        ]
    if not isinstance(data, dict):
        return None, [_finding("reply.json", "the reply is JSON but not an object.", "reply with one JSON object.")]
    try:
        return DraftQuestion.model_validate(data), []
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"]) or "(root)"
            if err["type"] == "extra_forbidden":
                msg, fix = f"field '{where}' is not in the schema.", f"remove '{where}'."
            elif err["type"] == "missing":
                msg, fix = f"field '{where}' is missing.", f"add '{where}' as the schema describes it."
            else:
                msg, fix = f"field '{where}': {err['msg']}.", f"give '{where}' the type the schema asks for."
            out.append(_finding("reply.schema", msg, fix))
        return None, out


def _line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    paras = [_line(p) for p in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p for p in paras if p)


def _tag(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9+#.]+", text.lower().strip("` ")))


def to_question(draft: DraftQuestion, slot: Slot, provenance: Provenance, prefix: str = "gen") -> Question:
    """The house-format Question for a draft: slot's topic and difficulty, normalised whitespace and tags."""
    title = _line(draft.title)
    tags = [t for t in dict.fromkeys([*(_tag(x) for x in draft.tags), *slot.focus]) if t]
    diagrams = [Diagram(kind="mermaid", source=draft.diagram.strip("\n"))] if draft.diagram.strip() else []
    return Question(
        id=f"{prefix}-{stable_id(title)}",
        number=1,
        title=title,
        topic=slot.topic,
        difficulty=slot.difficulty,
        type=_line(draft.type),
        key_insight=_line(draft.key_insight),
        answer=_paragraphs(draft.answer),
        key_points=[_line(p) for p in draft.key_points if p.strip()],
        code=[CodeExample(language=_line(c.language).lower(), code=c.code.strip("\n")) for c in draft.code],
        diagrams=diagrams,
        metrics=[
            MetricRow(metric=_line(m.metric), formula=_line(m.formula), target=_line(m.target)) for m in draft.metrics
        ],
        tradeoffs=[
            TradeOffRow(approach=_line(t.approach), pros=_line(t.pros), cons=_line(t.cons), use_when=_line(t.use_when))
            for t in draft.tradeoffs
        ],
        tags=tags,
        provenance=provenance,
    )


def _same(a: str, b: str) -> bool:
    return _line(a) == _line(b)


def check_question(q: Question, allowed: Sequence[BibEntry], avoid: Sequence[str] = ()) -> list[Finding]:
    """Validator findings about ``q`` in a document with the ``allowed`` bibliography (empty: it passes)."""
    draft = q.model_copy(update={"number": 1, "related": []})
    qset = QuestionSet(
        title="Draft question", topics=[Topic(name=q.topic)], questions=[draft], bibliography=list(allowed)
    )
    text = write_set(qset)
    doc = read_text_document(text, REPLY)
    report = run(doc, ValidationConfig())
    out: list[Finding] = []
    if len(doc.set.questions) != 1 or not doc.qlines:
        out.append(
            _finding(
                "structure.roundtrip",
                f"the question reads back as {len(doc.set.questions)} questions: its text contains a heading.",
                "write plain prose: no '#' headings, no 'Q1:' lines.",
            )
        )
        return out
    ql = doc.qlines[0]
    first, last = ql.heading, max(ql.end, ql.heading) + 1
    for f in report.findings:
        if f.severity is Severity.INFO or f.category in IGNORED_CATEGORIES:
            continue
        if first <= f.line <= last:
            out.append(f)
    back = doc.set.questions[0]
    parts = [
        ("title", back.title, draft.title),
        ("key_insight", back.key_insight, draft.key_insight),
        ("answer", back.answer, draft.answer),
        ("key_points", "\n".join(back.key_points), "\n".join(draft.key_points)),
        ("code", str(len(back.code)), str(len(draft.code))),
    ]
    for name, got, want in parts:
        if not _same(got, want):
            out.append(
                _finding(
                    "structure.roundtrip",
                    f"the {name} does not read back as written: it contains Markdown the house format treats as "
                    "structure (a heading, a bold 'Label:', a code fence or a table).",
                    f"write {name} as plain prose; put code only in 'code'.",
                    ql.heading,
                )
            )
    for c in draft.code:
        if c.language in NOT_CODE or canonical(c.language) is None:
            out.append(
                _finding(
                    "code.unchecked",
                    f"the code example is labelled '{c.language}', which archqa cannot parse, so it is not checked.",
                    "write the example in one of: " + ", ".join(supported_languages()) + ".",
                    ql.heading,
                )
            )
    if not draft.citations:
        out.append(
            _finding(
                "references.citation",
                "the answer cites no work.",
                "cite at least one bibliography entry from the list as [Ref: <id>], with an id listed there, where "
                "the answer relies on it.",
                ql.fields.get("answer", ql.heading),
            )
        )
    mine = terms(draft.title)
    for other in avoid:
        sim = jaccard(mine, terms(other))
        if sim >= ValidationConfig().near_duplicate:
            out.append(
                _finding(
                    "links.near-duplicate",
                    f"the title nearly repeats '{other}' (similarity {sim:.2f}).",
                    "ask about a different concept.",
                    ql.heading,
                    Severity.WARNING,
                )
            )
    return out


_LIST_LINE = re.compile(r"^[ \t]*(?:[-*+\u2022]|\d{1,2}[.)])[ \t]+\S", re.M)
_FLAT_ITEM = re.compile(r"(?:^|[.:;!?]\s+)[-*\u2022]\s+\S")
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+\S", re.M)
_LABEL = re.compile(r"^[ \t]*(?:\*\*|__)?[A-Z][\w /&()-]{0,40}:(?:\*\*|__)?[ \t]*(?:(?:\*\*|__)[ \t]*)?$")
_BOLD_LABEL = re.compile(r"^\s*(?:\*\*|__)[^*_\n]{1,40}:?(?:\*\*|__):?\s")


def check_prose(draft: DraftQuestion, difficulty: Difficulty) -> list[Finding]:
    """Findings on the prose fields as written (lists, label-only paragraphs, headings) and on the trade-off
    rows the prompt requires at Intermediate and Advanced."""
    out: list[Finding] = []
    for name, text in (("answer", draft.answer), ("key_insight", draft.key_insight)):
        paras = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
        heading = _HEADING.search(text)
        if heading:
            out.append(
                _finding(
                    "structure.prose-heading",
                    f"the {name} has a heading line ('{_line(heading.group(0))[:40]}').",
                    f"write the {name} as paragraphs of prose without '#' headings.",
                )
            )
        listed = _LIST_LINE.search(text)
        flat = [p for p in paras if len(_FLAT_ITEM.findall(_line(p))) >= 2]
        if listed or flat:
            shown = _line(listed.group(0)) if listed else _line(flat[0])[:60]
            out.append(
                _finding(
                    "structure.prose-list",
                    f"the {name} has a list ('{shown[:60]}'), which the answer rules forbid.",
                    "turn the items into sentences that connect them; put checkable items in key_points.",
                )
            )
        labels = [p for p in paras if _LABEL.match(p) or _BOLD_LABEL.match(p)]
        if labels:
            out.append(
                _finding(
                    "structure.prose-label",
                    f"the {name} has a label paragraph ('{_line(labels[0])[:40]}').",
                    "drop labels such as '**Implementation:**'; open the paragraph with a sentence that says it.",
                )
            )
    for point in draft.key_points:
        if _HEADING.match(point) or _LABEL.match(point):
            out.append(
                _finding(
                    "structure.prose-label",
                    f"the key point '{_line(point)[:40]}' is a label or heading, not a checkable idea.",
                    "write each key point as one idea the interviewer can hear in an answer.",
                )
            )
            break
    if difficulty is not Difficulty.FOUNDATIONAL and len(draft.tradeoffs) < 2:
        n = len(draft.tradeoffs)
        out.append(
            _finding(
                "structure.tradeoffs",
                f"{'an' if difficulty.value[0] in 'AEIOU' else 'a'} {difficulty.value} question needs 2-3 trade-off "
                f"rows; this one has {n}.",
                "add rows (approach, pros, cons, use_when) comparing at least two approaches.",
            )
        )
    return out
