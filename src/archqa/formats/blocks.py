"""A CommonMark parse cut into top-level blocks with their source lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The parser archqa uses everywhere: CommonMark block structure plus GFM tables, HTML allowed.

    Readers work on the block structure and the raw source of each inline span, so
    inline tokenizing (emphasis, links), more than half of a full parse, is switched off.
    """
    # text_join only merges the children of inline tokens, which are never made here.
    md = MarkdownIt("commonmark", {"html": True}).enable("table").disable(["inline", "text_join"])
    md.core.ruler.at("normalize", _normalize)
    return md


def _normalize(state: StateCore) -> None:
    """markdown-it's first step, doing the same (CR/CRLF -> LF, NUL -> U+FFFD) without rewriting text that
    has neither, as archqa's decoded text never does: the stock rule substitutes every newline."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


@dataclass
class Block:
    """One top-level block: its kind, tokens and 0-based line range [start, end)."""

    kind: str
    tokens: list[Token]
    start: int
    end: int
    lines: list[str] = field(repr=False, default_factory=list)

    @property
    def line(self) -> int:
        """1-based first line."""
        return self.start + 1

    @cached_property
    def raw(self) -> str:
        return "\n".join(self.lines[self.start : self.end]).strip("\n")

    @cached_property
    def heading_text(self) -> str:
        """A heading's text without its ``#`` marks (or a setext heading's inline source)."""
        line = self.lines[self.start].strip()
        if line.startswith("#"):
            return line.lstrip("#").strip().rstrip("#").strip()
        return self.inline.strip()

    @property
    def level(self) -> int:
        """Heading level (1-6), 0 for other blocks."""
        if self.kind == "heading":
            return int(self.tokens[0].tag[1])
        return 0

    @property
    def setext(self) -> bool:
        """A heading written as a line underlined with '===' or '---'."""
        return self.kind == "heading" and self.tokens[0].markup in ("=", "-")

    @property
    def inline(self) -> str:
        """The inline source of a heading or paragraph."""
        for t in self.tokens:
            if t.type == "inline":
                return t.content
        return ""

    @property
    def fence_info(self) -> str:
        return self.tokens[0].info.strip() if self.kind == "fence" else ""

    @property
    def fence_closed(self) -> bool:
        """Whether a fence has its closing line (markdown-it runs an open fence to EOF)."""
        if self.kind != "fence":
            return True
        tok = self.tokens[0]
        last = self.lines[self.end - 1].strip() if self.end - 1 < len(self.lines) else ""
        marker = tok.markup
        return self.end - self.start >= 2 and last.startswith(marker[0] * len(marker)) and set(last) <= {marker[0]}


_TYPES = {
    "heading_open": "heading",
    "paragraph_open": "paragraph",
    "bullet_list_open": "bullet_list",
    "ordered_list_open": "ordered_list",
    "table_open": "table",
    "blockquote_open": "blockquote",
}


def parse_blocks(text: str) -> tuple[list[str], list[Block]]:
    """Parse Markdown and return its lines and top-level blocks."""
    lines = text.split("\n")
    tokens = markdown().parse(text)
    blocks: list[Block] = []
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.nesting == 1:
            depth = 0
            j = i
            while j < n:
                depth += tokens[j].nesting
                if depth == 0:
                    break
                j += 1
            kind = _TYPES.get(tok.type, tok.type.removesuffix("_open"))
            start, end = tok.map if tok.map else (0, 0)
            blocks.append(Block(kind, tokens[i : j + 1], start, end, lines))
            i = j + 1
            continue
        start, end = tok.map if tok.map else (0, 0)
        blocks.append(Block(tok.type, [tok], start, end, lines))
        i += 1
    return lines, blocks


def list_items(block: Block) -> list[tuple[int, str]]:
    """(1-based line, raw text without the marker) for each top-level item of a list."""
    items: list[tuple[int, str]] = []
    for s, e in list_item_ranges(block):
        raw = "\n".join(block.lines[s:e]).strip()
        raw = re.sub(r"^(?:[-*+]|\d+[.)])[ \t]+", "", raw)
        items.append((s + 1, " ".join(x.strip() for x in raw.split("\n") if x.strip())))
    return items


def list_item_ranges(block: Block) -> list[tuple[int, int]]:
    """0-based [start, end) line ranges of the top-level items of a list block."""
    out = []
    depth = 0
    for tok in block.tokens:
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "list_item_open" and depth == 1 and tok.map:
            out.append((tok.map[0], tok.map[1]))
    return out


def table_rows(block: Block) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header cells and (1-based line, cells) of each body row of a table block."""
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    line = 0
    in_head = False
    for tok in block.tokens:
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            current = []
            line = tok.map[0] + 1 if tok.map else 0
        elif tok.type == "inline" and current is not None:
            current.append(tok.content.replace("\\|", "|").strip())
        elif tok.type == "tr_close" and current is not None:
            if in_head:
                header = current
            else:
                rows.append((line, current))
            current = None
    return header, rows


def raw_cell_counts(block: Block) -> list[tuple[int, int]]:
    """(1-based line, number of cells as written) for each line of a table block.

    GFM pads short rows and drops extra cells, so the parse alone cannot tell a
    malformed row; this counts the unescaped pipes of each source line inside
    the table the parser found.
    """
    out = []
    for idx in range(block.start, block.end):
        src = block.lines[idx].strip()
        if not src:
            continue
        out.append((idx + 1, count_cells(src)))
    return out


def count_cells(row: str) -> int:
    """Cells in one table source line, ignoring pipes escaped or inside code spans."""
    s = re.sub(r"`[^`]*`", "x", row.strip())
    s = s.replace("\\|", "x")
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return s.count("|") + 1


def slugify(heading: str) -> str:
    """GitHub-style anchor of a heading text."""
    text = re.sub(r"[*_`]", "", heading.strip().lower())
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


_LINK = re.compile(r"\[([^\[\]]*+)\]\([^()]*+\)")
_BOLD_LABEL = re.compile(r"^\s*+(?:\*\*|__)([^*_\n]{1,60}?)(?<!\s)\s*+:?\s*+(?:\*\*|__)\s*+:?\s*+(.*)$", re.S)


def heading_label(block: Block) -> tuple[str | None, str]:
    """A heading's text, or the label of a paragraph that starts with ``**Label:**``; (None, "") otherwise."""
    if block.kind == "heading":
        line = block.lines[block.start].strip()
        text = line.lstrip("#").strip().rstrip("#").strip() if line.startswith("#") else block.inline.strip()
        return re.sub(r"^[^\w]+", "", text).strip(), ""
    if block.kind == "paragraph":
        m = _BOLD_LABEL.match(block.raw)
        if m and (block.raw.lstrip()[2:].find(":") != -1):
            return m.group(1).strip(), m.group(2).strip()
    return None, ""


_CODE_LINE = re.compile(
    r"^\s*+(?:def |class |return\b|import |from \S++ import |(?:if|for|while|elif|else|try|except|with)\b.*:$"
    r"|func |fn |let |const |var |public |private |package |#include|//|/\*|\$ |>>> |SELECT\b|INSERT\b|UPDATE\b"
    r"|CREATE\b|DELETE\b)|[;{}]\s*+$|^\s*+[\w.\[\]]++\s*+[:+\-*/]?=\s*+\S",
    re.I,
)


def looks_like_prose(content: str) -> bool:
    """Whether an untagged fence holds sentences rather than code or a drawing."""
    lines = [ln for ln in content.split("\n") if ln.strip()]
    if len(lines) < 2:
        return False
    words = len(re.findall(r"[A-Za-z]{2,}", content))
    code_like = sum(1 for ln in lines if _CODE_LINE.search(ln))
    return words >= 4 * len(lines) and code_like <= len(lines) // 8


def looks_like_drawing(content: str) -> bool:
    box = sum(content.count(c) for c in "─│┌┐└┘═║╔╗╚╝▶◀→←↓↑+|-")
    return box > max(20, len(content) // 10)
