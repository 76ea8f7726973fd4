"""archqa's parser is markdown-it-py's CommonMark block parse; its faster normalize step must change nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from archqa.formats.blocks import markdown

STOCK = MarkdownIt("commonmark", {"html": True}).enable("table").disable("inline")

pieces = st.sampled_from(
    ["# Title", "text", "\r\n", "\r", "\n", "\n\n", "\x00", "```", "- item", "| a | b |", "|---|---|"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(pieces, max_size=30).map("".join))
def test_tokens_match_the_stock_parser(text: str) -> None:
    ours = [(t.type, t.map, t.content, t.markup, t.info) for t in markdown().parse(text)]
    stock = [(t.type, t.map, t.content, t.markup, t.info) for t in STOCK.parse(text)]
    assert ours == stock
