"""A heading per card: the heading is the question, the body the answer."""

from __future__ import annotations

from archqa.formats.blocks import Block, heading_label
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import ANSWER_HEADING, ASK_LABEL, BARE_NUMBER, heading_text, is_prompt, split_on


def detect(src: SourceText) -> float:
    heads = [b for b in src.blocks if b.kind == "heading"]
    questions = [b for b in heads if heading_text(b).rstrip().endswith("?")]
    if sum(1 for b in heads if b.level == 1) < 2:
        questions = [b for b in questions if b.level >= 2]
    return 0.5 if len(questions) >= 2 else 0.2 if heads else 0.0


def read(src: SourceText) -> list[RawQuestion]:
    """The cards are the headings at the level where most headings ask something (end in '?' or start like a
    prompt, or are followed by a 'Question:' label); with none, the deepest level (headings above it are
    categories). Level 1 counts when the file has more than one level-1 heading.

    At a level where most headings ask something, a heading there that does not ('Introduction', 'Summary')
    is a section, not a card.
    """
    heads = [(i, b) for i, b in enumerate(src.blocks) if b.kind == "heading"]
    several_h1 = sum(1 for _, b in heads if b.level == 1) >= 2
    asks = {i for i, b in heads if _asks(src, i, b)}
    qs = [b for i, b in heads if (b.level >= 2 or several_h1) and i in asks]
    if qs:
        level = max(sorted({b.level for b in qs}), key=lambda lv: sum(1 for b in qs if b.level == lv))
    else:
        level = max((b.level for _, b in heads), default=2)
    if not qs and level == 1 and not several_h1:
        return []  # a lone title over prose is a document, not a card
    at_level = [i for i, b in heads if b.level == level]
    mostly_asking = bool(qs) and 2 * sum(1 for i in at_level if i in asks) >= len(at_level)
    index = {id(b): i for i, b in heads}

    def is_q(b: Block, text: str) -> tuple[str, int | None] | None:
        if b.level != level:
            return None
        if qs and b.setext and not is_prompt(text):
            return None  # a paragraph followed by a '---' rule parses as a heading; the author meant a rule
        if mostly_asking and index[id(b)] not in asks:
            return None
        if ANSWER_LABEL.match(text):
            return None  # an 'Answer' sub-heading belongs to the question above it
        return text, None

    out = split_on(src, is_q)
    asking_lines = {src.blocks[i].line for i in asks}
    for rq in out:
        if rq.line in asking_lines and not is_prompt(rq.title):
            rq.meta["asks"] = "by-structure"  # followed by a 'Question:' label or an 'Answer' sub-heading
    return out


def _asks(src: SourceText, i: int, b: Block) -> bool:
    """Whether a heading asks something, itself or by a 'Question:' label in one of the two blocks after it."""
    if is_prompt(heading_text(b)) or BARE_NUMBER.match(heading_text(b)):
        return True
    if ANSWER_LABEL.match(heading_text(b)):
        return False
    for nxt in src.blocks[i + 1 : i + 3]:
        if nxt.kind == "heading":
            return nxt.level > b.level and ANSWER_LABEL.match(heading_text(nxt)) is not None
        label, _ = heading_label(nxt)
        if label is not None and (ASK_LABEL.match(label) or ANSWER_LABEL.match(label)):
            return True
    return False


ANSWER_LABEL = ANSWER_HEADING
