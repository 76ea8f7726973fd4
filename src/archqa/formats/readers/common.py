"""Helpers the readers share: heading text, prompts, categories, and cutting a file at question headings."""

from __future__ import annotations

import re
from collections.abc import Callable

from archqa.formats.blocks import Block, heading_label
from archqa.formats.readers.base import RawQuestion, SourceText

SURE_BY_MARKUP = frozenset({"qa-headings", "details", "qa-markers", "qa-table", "sections", "front-matter", "house"})
"""Readers whose questions are questions by their markup (a ``Q1:`` heading, a ``<details>`` summary, a table
row), whatever their titles say."""

LEAD_SYMBOLS = re.compile(r"^[^\w\s\"'`(\[<*_]++\s*+")
"""Emoji, bullets and arrows some banks put before a heading's text ('🔹 1. What is ...')."""


_LINK = re.compile(r"\[([^\[\]]{1,500}+)\]\([^()\s]{0,2000}+(?:\s++\"[^\"]{0,500}+\")?\)")
"""A Markdown link ('[What is X?](https://...)'): its text is what a heading says."""


def heading_text(b: Block) -> str:
    """A heading's text without its marks, leading decoration or link markup."""
    text = b.heading_text
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    return LEAD_SYMBOLS.sub("", text)


def number_of(text: str) -> int:
    """The question number in '12', '1.2' or '3.1.4': the last part, the position within its section."""
    return int(text.rsplit(".", 1)[-1])


ANSWER_MARK = re.compile(r"^\s*+(?:\*\*|__)?\s*+(?:A|Answer|Ans)\s*+[:.]?\s*+(?:\*\*|__)?\s*+[:.]?\s*+", re.I)
QMARK_LINE = re.compile(r"^\s*+(?:\*\*|__)?\s*+(?:Q|Question)\s*+(\d++)?\s*+[:.]\s*+(?:\*\*|__)?\s*+(.*)$", re.I)


def split_on(
    src: SourceText,
    is_question: Callable[[Block, str], tuple[str, int | None] | None],
    category_level: int | None = None,
) -> list[RawQuestion]:
    """Cut the block list at question headings; headings above them become categories.

    A heading that is not a question, at the questions' level or above, ends the question before it: what
    follows it belongs to no question until the next one (the importer reports it as skipped).
    """
    out: list[RawQuestion] = []
    category = ""
    qlevel = None
    current: RawQuestion | None = None
    first = src.blocks[0] if src.blocks else None
    title_block = (
        first
        if first is not None
        and first.kind == "heading"
        and first.level == 1
        and is_question(first, heading_text(first)) is None
        else None
    )
    for b in src.blocks:
        if b is title_block:
            continue
        if b.kind == "heading":
            text = heading_text(b)
            hit = is_question(b, text)
            if hit is not None:
                title, number = hit
                current = RawQuestion(title=title, line=b.line, number=number, category=category)
                out.append(current)
                qlevel = b.level
                continue
            if current is not None and ANSWER_HEADING.match(text):
                current.blocks.append(b)  # '### Answer' under '### Question': the answer of that question
                continue
            if qlevel is None or b.level < qlevel or (b.level == qlevel and not b.setext):
                # (a setext 'heading' at the questions' level is most often a paragraph above a '---' rule)
                if category_level is None or b.level <= category_level:
                    category = clean_category(text)
                current = None
                continue
        if current is not None:
            current.blocks.append(b)
    for rq in out:
        take_ask(rq)
    return out


ASK_LABEL = re.compile(r"(?i)^(?:the ask|question|problem(?: statement)?|prompt|scenario)\s*+:?$")
_QUOTE_MARK = re.compile(r"(?m)^[^\S\n]*+>\s?")


BARE_NUMBER = re.compile(
    r"(?i)^(?:(?:q|question|problem|exercise|task|case)(?:\s*+#?\d{1,9}+(?:\.\d{1,9}+)*+)?|#?\d{1,9}+(?:\.\d{1,9}+)*+)[.:)]?$"
)
"""A title that is only a label or a number ('Question', 'Question 3', 'Q12'): the question is the text under
it."""
ANSWER_HEADING = re.compile(
    r"(?i)^(?:answers?|ans|a|solution|explanation|sample answer|model answer|suggested answer|short answer|"
    r"detailed answer|expected answer)\s*+:?$"
)
"""A heading or label that opens an answer: the heading above it is the question, and it never ends one."""


def take_ask(rq: RawQuestion) -> None:
    """A 'The Ask' / 'Question:' / 'Problem:' label states the question in full; the rest is the answer.

    'The Ask' counts anywhere in the body; the other labels only as the body's first or second block,
    where they introduce the question rather than a part of the answer. The label's own text after
    the colon, or the paragraph or quote that follows it, becomes the ask. A 'Scenario:' label is the ask
    only when no other label states one (it sets the scene, and stays in the answer when a question follows).
    """
    if BARE_NUMBER.match(rq.title.strip()) and rq.blocks and rq.blocks[0].kind == "paragraph":
        first = rq.blocks[0]
        if heading_label(first)[0] is None and len(first.raw) < 1000:
            rq.meta["ask"] = " ".join(first.raw.split())
            rq.blocks = rq.blocks[1:]
            return
    found: list[tuple[int, int, str]] = []
    for i, b in enumerate(rq.blocks):
        label, rest = heading_label(b)
        if label is None or not ASK_LABEL.match(label):
            continue
        low = label.lower()
        if i > 1 and not low.startswith("the ask"):
            continue
        if low.startswith("scenario") and is_prompt(rq.title):
            continue  # the heading asks already; the scenario sets the scene for its answer
        found.append((1 if low.startswith("scenario") else 0, i, rest))
        if not low.startswith("scenario"):
            break
    if not found:
        return
    _, i, text = min(found)
    b = rq.blocks[i]
    taken = [b]
    if not text:
        follow = [x for x in rq.blocks[i + 1 : i + 3] if x.kind in ("blockquote", "paragraph")]
        if follow:
            taken.append(follow[0])
            text = _QUOTE_MARK.sub("", follow[0].raw)
    text = " ".join(text.split()).strip('"“” ')
    if text:
        rq.meta["ask"] = text
        rq.blocks = [x for x in rq.blocks if all(x is not t for t in taken)]


_CATEGORY_LEAD = re.compile(r"^[\W\d_]+")


def strip_note(text: str) -> str:
    r"""``text`` without a trailing note in parentheses ('Caching (5 questions)' -> 'Caching').

    The same as ``re.sub(r"\s*\(.*?\)\s*$", "", text)``, in one pass: that pattern is quadratic on a line
    of many '(' (each one is tried, and each scans to the end).
    """
    end = len(text.rstrip())
    if not end or text[end - 1] != ")":
        return text
    first = text.find("(", text.rfind("\n", 0, end) + 1, end - 1)
    if first < 0:
        return text
    start = first
    while start and text[start - 1].isspace():
        start -= 1
    return text[:start]


_NOT_A_CATEGORY = re.compile(
    r"(?i)^(?:table of contents|contents|toc|index|overview|introduction|preface|about|summary|conclusions?|"
    r"references|resources|further reading|credits|license|contributing|acknowledg\w*|faq|"
    r"[\w -]{0,30}summary|key takeaways|takeaways|final thoughts|wrap[- ]up)$"
)
PROMOTION = re.compile(
    r"(?i)\b(?:you can (?:also )?find|find (?:all|the|more)\b|check out|subscribe|sign up|follow (?:me|us)|"
    r"star (?:this|the) repo|buy|download (?:the|our)|get (?:the|all|our)|our (?:app|course|book|newsletter)|"
    r"link below|click here|available (?:at|on|in) our|join (?:our|the) (?:discord|community|newsletter)|"
    r"sponsor|support (?:me|us|this)|explore (?:all|more)|see all|all \d+ (?:answers|questions)|answers here)\b"
)
"""A heading that advertises ('You can also find all 85 answers here'): never a topic."""


def clean_category(text: str) -> str:
    """A heading's text as a category (topic) name; "" for headings that name no topic (contents, summaries,
    promotion)."""
    text = _CATEGORY_LEAD.sub("", text).strip()
    if _NOT_A_CATEGORY.match(strip_trailing_decoration(text)) or PROMOTION.search(text):
        return ""
    text = strip_note(text)
    return text[:80]


_PROMPT = re.compile(
    r"(?i)^(?:(?:design|build|implement|architect|create|explain|describe|compare|contrast|estimate|propose|"
    r"outline|discuss|define|name|list|give|write|suggest|identify|illustrate|distinguish|differentiate|"
    r"elaborate|justify|evaluate|mention|sketch|summari[sz]e|walk (?:me |us )?through|tell (?:me|us)|"
    r"differences? between|pros and cons|advantages|disadvantages)\b"
    r"|(?:why|which|who|whom|whose)\b"
    r"|how\s++(?:fast|big|large|far|well|safe|secure|good|bad|often)\b"
    r"|(?:what|how|when|where)(?:'s|’s)?\s++(?:is|are|was|were|do|does|did|can|could|would|"
    r"should|will|shall|has|have|had|happens?|makes?|causes?|kinds?|types?|to|many|much|long|often|if|"
    r"would|might|must|exactly|else|problems?|factors?|strategies|steps|techniques)\b"
    r"|(?:what|how)(?:'s|’s)\s)"
)
"""How a question that does not end in '?' starts: an imperative prompt ('Design a URL shortener', 'Name three
...', 'Difference between X and Y') or a question word with the verb of a question ('What is', 'How would'),
so that a section heading such as 'What good answers mention' or 'Calculate usage' is not a question."""


_NEEDS_OBJECT = re.compile(
    r"(?i)^(?:design|build|implement|architect|create|propose|sketch|name|list|give|write)\s++(\S++)(\s++\S)?"
)
_OBJECT = re.compile(r"(?i)^(?:a|an|the|your|our|one|two|three|four|five|several|some|all|any|each|every|\d+)$")
_NOT_OBJECT = re.compile(r"(?i)^(?:of|for|and|or|in|on|with|to|by|from|at|is|are)$")
_VERSUS = re.compile(r"(?i)\S\s++(?:vs\.?|versus)\s++\S")


def is_prompt(text: str) -> bool:
    """Whether a title asks something: it ends with '?' (a trailing decoration aside), starts like a prompt, or
    compares two things ('REST vs GraphQL').

    An imperative that needs an object ('Design', 'List', 'Name') asks something when an article, a number or
    a name follows it ('Design a feed', 'List three ...', 'Design Twitter'), not a plain noun ('Design
    considerations', 'List of resources')."""
    if text.rstrip(" *_").endswith(":"):
        return False  # a label ('Design considerations:'), not a prompt
    stripped = strip_trailing_decoration(text)
    if stripped.endswith("?"):
        return True
    words = LEAD_SYMBOLS.sub("", stripped.lstrip(" *_")).lstrip("*_ ")
    if _PROMPT.match(words) is None:
        return _VERSUS.search(words) is not None and len(words) < 120
    m = _NEEDS_OBJECT.match(words)
    if m is None:
        return True
    obj = m.group(1).strip("*_`\"'")
    if not obj or _NOT_OBJECT.match(obj):
        return False
    return _OBJECT.match(obj) is not None or obj[0].isupper() or obj[0].isdigit() or m.group(2) is not None


_TITLE_END = frozenset("?.!)]\"'`")


def strip_trailing_decoration(text: str) -> str:
    """``text`` without the stars, emoji and marks after its words ('What is X? ⭐⭐' -> 'What is X?')."""
    end = len(text)
    while end and not (text[end - 1].isalnum() or text[end - 1] in _TITLE_END):
        end -= 1
    return text[:end]


_BOLD_Q = re.compile(
    r"^\s*+(\*\*|__)\s*+(?:Q(?:uestion)?\s*+)?(?:(\d+(?:\.\d+){0,8})\s*+[.):]\s*+)?([^*_\n][^\n]*?)(?<!\s)\s*+\1\s*+(\??)\s*+$"
)
"""A line that is all bold and asks something: '**1. What is the CAP theorem?**' (the '?' may follow), or
'**2. Explain the outbox pattern**'."""


def bold_question(line: str) -> tuple[str, int | None] | None:
    m = _BOLD_Q.match(line)
    if not m:
        return None
    title = (m.group(3) + m.group(4)).strip()
    if "**" in title or "__" in title:
        return None
    if not title.endswith("?") and not (m.group(2) and is_prompt(title)):
        return None  # without '?', only a numbered prompt ('**3. Explain the CAP theorem**') is a question
    return title, number_of(m.group(2)) if m.group(2) else None
