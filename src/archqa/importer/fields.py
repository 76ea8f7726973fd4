"""Import stage 4: a reader's raw question to the model's fields (answer, key insight, key points, code,
diagrams, tags) and a clean title."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from archqa.formats.blocks import Block, heading_label, list_items, looks_like_drawing, looks_like_prose, parse_blocks
from archqa.formats.house_doc import ParsedDocument
from archqa.formats.house_fields import ANCHOR
from archqa.formats.inline_html import inline_html_to_markdown
from archqa.formats.readers import RawQuestion
from archqa.formats.readers.common import (
    BARE_NUMBER,
    LEAD_SYMBOLS,
    PROMOTION,
    SURE_BY_MARKUP,
    is_prompt,
    strip_trailing_decoration,
)
from archqa.importer.enrich import tags_from
from archqa.model import CodeExample, Diagram, Provenance, Question
from archqa.store.store import normalize_title


def qid(path: str, title: str) -> str:
    """A stable id: the first words of the title and a hash of the file and the title."""
    norm = normalize_title(title)
    slug = "-".join(norm.split()[:6]) or "q"
    digest = hashlib.sha1((path + "\0" + norm).encode()).hexdigest()[:8]
    return f"{slug}-{digest}"


LABELS = {
    "key insight": "key_insight",
    "tl;dr": "key_insight",
    "tldr": "key_insight",
    "summary": "key_insight",
    "short answer": "key_insight",
    "key points": "key_points",
    "key takeaways": "key_points",
    "takeaways": "key_points",
    "answer": "answer",
    "a": "answer",
    "answers": "answer",
    "ans": "answer",
    "sample answer": "answer",
    "model answer": "answer",
    "suggested answer": "answer",
    "detailed answer": "answer",
    "solution": "answer",
    "explanation": "answer",
    "keywords": "tags",
    "key concepts": "tags",
    "tags": "tags",
}


MARKUP = re.compile(r"^[^\S\n]*+(```|~~~|[-*+] |\d+[.)] |\||#|<|>|\*\*[^*\n]{1,60}:?\*\*:?)", re.M)
"""Block markup that needs a real parse; an answer without it is one or more plain paragraphs."""


def fields(blocks: list[Block], answer_md: str | None) -> dict[str, object]:
    """Answer prose, key insight, key points, code and diagrams from a question's body blocks."""
    answer: list[str] = []
    if answer_md:
        if MARKUP.search(answer_md):
            _, extra = parse_blocks(answer_md)
            blocks = extra + blocks
        else:
            answer.append(re.sub(r"\n{3,}", "\n\n", answer_md.strip()))
    key_insight = ""
    key_points: list[str] = []
    code: list[CodeExample] = []
    diagrams: list[Diagram] = []
    tags: list[str] = []
    current = "answer"
    verbatim: set[int] = set()  # answer pieces kept as written (fences), never converted
    for b in blocks:
        if b.kind in ("fence", "code_block"):
            info = b.fence_info.split()[0].lower() if b.fence_info else ""
            content = b.tokens[0].content.rstrip("\n")
            if info == "mermaid":
                diagrams.append(Diagram(kind="mermaid", source=content))
            elif not info and looks_like_drawing(content):
                diagrams.append(Diagram(kind="text", source=content))
            elif not info and looks_like_prose(content):
                # an answer written in a plain fence: kept as it is, but as answer text
                verbatim.add(len(answer))
                answer.append(b.raw if b.fence_closed else b.raw + "\n" + b.tokens[0].markup)
            elif info in PROSE_LANGUAGES and looks_like_prose(content):
                answer.append(content)  # sentences in a ```bash or ```text fence: the answer, not code
            else:
                code.append(CodeExample(language=b.fence_info.split()[0] if b.fence_info else "", code=content))
            continue
        if b.kind == "paragraph" and (NAVIGATION.match(b.raw) or ("<a" in b.raw and ANCHOR.fullmatch(b.raw.strip()))):
            continue
        if b.kind in ("paragraph", "heading") and len(b.raw) < 300 and "](" in b.raw and PROMOTION.search(b.raw):
            continue  # 'Explore all 40 answers here 👉 ...': an advertisement, not the answer
        label, rest = heading_label(b)
        if label is not None:
            current = LABELS.get(label.lower(), "answer")
            if current == "tags":
                tags.extend(t.strip() for t in re.split(r"[,;]", rest) if t.strip())
                current = "answer"
                continue
            if current == "key_insight" and rest:
                key_insight = rest
            elif current == "answer" and label.lower() in LABELS:
                if rest:
                    answer.append(rest)
            elif current == "answer" and b.setext:
                answer.append(b.inline.strip())  # most likely a paragraph above a '---' rule
            elif current == "answer":
                answer.append(b.raw if b.kind != "heading" else f"**{label}**")
            continue
        if current == "key_points" and b.kind in ("bullet_list", "ordered_list"):
            key_points.extend(t for _, t in list_items(b))
            continue
        if current == "key_insight" and b.kind == "paragraph" and not key_insight:
            key_insight = b.raw.strip()
            continue
        if b.kind == "paragraph" and not answer:
            m = PLAIN_ANSWER_MARK.match(b.raw)  # 'Answer: ...' / 'A: ...' written without bold
            answer.append(b.raw[m.end() :] if m else b.raw)
            continue
        if b.kind in ("paragraph", "bullet_list", "ordered_list", "blockquote", "table", "html_block", "heading"):
            answer.append(b.raw)
    pieces = [a if i in verbatim else inline_html_to_markdown(a) for i, a in enumerate(answer)]
    return {
        "answer": "\n\n".join(a for a in pieces if a.strip()).strip(),
        "key_insight": key_insight,
        "key_points": key_points,
        "code": code,
        "diagrams": diagrams,
        "tags": tags,
    }


PROSE_LANGUAGES = frozenset({"bash", "sh", "shell", "zsh", "console", "text", "txt", "plaintext", "plain", "none"})
"""Fence languages some banks put around answers written in sentences."""
PLAIN_ANSWER_MARK = re.compile(r"^\s*+(?:A|Ans|Answer)\s*+[:.\-–]\s++(?=\S)", re.I)
NAVIGATION = re.compile(r"^\s*+(?:(?:\*\*|__)?+\s*+\[[^\]]*+\]\(#[^)]*+\)\s*+(?:\*\*|__)?+\s*+[|·•]?+\s*+)++$")
"""A paragraph that is only links to anchors in the same page ('[⬆ Back to Top](#contents)'): navigation."""

_EMPHASIS = re.compile(
    r"(\*\*|__)(?=\S)(.{1,500}?)(?<=\S)\1|(?<![\w*])([*_])(?=[^\s*_])(.{1,500}?)(?<=[^\s*_])\3(?![\w*])"
)
"""Bold or italic spans in a title; a span is at most 500 characters, so a title full of unclosed marks is
read in linear time."""
_TITLE_NUMBER = re.compile(
    r"^(?:Q(?:uestion)?\s*+#?(\d+(?:\.\d+)*)?\s*+\\?[.):]|#?(\d+(?:\.\d+)*)\\?[.):])\s++(?=\S)", re.I
)


def clean_title(raw: str) -> tuple[str, int | None]:
    """A question title as plain text: one line, no bold/italic marks or leading decoration, and the number
    a source wrote in front of it ('3. What is ...') taken off and returned."""
    title = " ".join(raw.split())  # the same whitespace as \s
    if "*" in title or "_" in title:
        title = _EMPHASIS.sub(lambda m: m.group(2) or m.group(4), title)
    if title and not title[0].isalpha():
        title = LEAD_SYMBOLS.sub("", title)
    number = None
    m = _TITLE_NUMBER.match(title) if title[:1].isdigit() or title[:1] in "Qq" else None
    if m:
        digits = m.group(1) or m.group(2)
        number = int(digits.rsplit(".", 1)[-1]) if digits else None
        title = title[m.end() :]
    return strip_trailing_decoration(title.strip()), number


@dataclass
class ReadQuestion:
    """A question with its fields read, and what enrichment needs to know of its source."""

    question: Question
    category: str
    difficulty: str = ""
    house: bool = False


def read_question(rq: RawQuestion, path: str, n: int, meta: dict[str, str] | None = None) -> ReadQuestion:
    """A reader's raw question (the ``n``-th of its file) as a model question with its fields; ``meta`` is the
    file's front matter (its tags, category and difficulty apply where the question has none of its own)."""
    meta = meta or {}
    f = fields(rq.blocks, rq.answer_md)
    extra_tags: list[str] = f.pop("tags")  # type: ignore[assignment]
    title, number = clean_title(rq.title)
    if rq.meta.get("ask"):
        ask = clean_title(rq.meta["ask"])[0]
        title = f"{title}: {ask}" if title and not BARE_NUMBER.match(title) else ask
    if not f["key_insight"] and f["answer"]:
        f["key_insight"] = first_sentence(str(f["answer"]))
    category = rq.category or str(meta.get("category") or meta.get("topic") or "")
    tags = ",".join([rq.meta.get("tags", ""), meta.get("tags", ""), *extra_tags])
    q = Question(
        id=qid(path, title),
        number=rq.number or number or n,
        title=title,
        topic=category,
        tags=tags_from(category, tags),
        provenance=Provenance(file=path, line=rq.line),
        **f,  # type: ignore[arg-type]
    )
    return ReadQuestion(q, category, rq.meta.get("difficulty", "") or meta.get("difficulty", ""))


_SENTENCE_END = re.compile(r"(?<=[^\s.?!][.?!])\s++(?=[A-Z0-9\"'(*_`])")


def first_sentence(answer: str) -> str:
    """The key insight a source did not state: the first sentence of its answer (its first paragraph, when
    that paragraph is plain prose), at most 300 characters; "" when the answer opens with a list, a table,
    code or a heading."""
    para = answer.strip().split("\n\n", 1)[0]
    if not para or MARKUP.match(para) or para.lstrip().startswith(("-", "*", "|", "`", "#", "<", ">")):
        return ""
    flat = " ".join(para.split())
    m = _SENTENCE_END.search(flat, 0, 400)
    sentence = flat[: m.start()] if m else flat
    return sentence if len(sentence) <= 300 else ""


SECTION_WORDS = re.compile(
    r"(?i)^(?:requirements|functional requirements|non-functional requirements|out of scope|scope|assumptions|"
    r"constraints|calculate\b.*|estimat\w*|capacity estimat\w*|back-of-the-envelope.*|high-level design|"
    r"detailed design|deep dive|api design|data model|summary|overview|introduction|conclusion|references|"
    r"resources|further reading|follow-ups?|follow-up questions|trade-?offs|bottlenecks|next steps|notes?)$"
)
"""Titles that name a section of an answer rather than ask something."""


def suspicious_title(title: str, dialect: str) -> str | None:
    """Why an imported question's title looks like a section of an answer, or None."""
    if SECTION_WORDS.match(title.strip().rstrip(":").strip()):
        return "the title names a section ('Out of scope', 'Summary'), not a question"
    head, _, ask = title.partition(": ")
    if not (is_prompt(title) or is_prompt(head) or is_prompt(ask)) and not any(
        d in SURE_BY_MARKUP for d in dialect.split("+")
    ):
        return "the title does not ask anything (no '?' and no prompt word such as Explain, Design, What is)"
    return None


def house_is_plausible(doc: ParsedDocument) -> bool:
    """Whether a document the house reader read has the answers of one: at most a third of its questions
    without answer, code or key points (a file that only looks like the house format has most of them empty)."""
    qs = doc.set.questions
    empty = sum(1 for q in qs if not (q.answer.strip() or q.code or q.key_points or q.key_insight))
    return bool(qs) and 3 * empty <= len(qs)


def house_questions(doc: ParsedDocument, path: str) -> list[ReadQuestion]:
    """The questions of a house-format document, each with a stable id (the file's own when it gives one)."""
    out = []
    for q, lines in zip(doc.set.questions, doc.qlines):
        if not q.id or "id" not in lines.fields:
            q.id = qid(path, q.title)
        out.append(ReadQuestion(q, q.topic, house=True))
    return out


def house_references(doc: ParsedDocument) -> str:
    """A house-format document's bibliography, glossary and tools as JSON, stored with the file."""
    return json.dumps(
        {
            "bibliography": [b.model_dump() for b in doc.set.bibliography],
            "glossary": [g.model_dump() for g in doc.set.glossary],
            "tools": [t.model_dump() for t in doc.set.tools],
        }
    )
