"""Inline HTML in answers (``<br>``, ``<b>``, ``<i>``, ``<code>``, lists, links) turned into Markdown, safely.

The HTML is first cleaned by nh3 (a real HTML parser, ammonia) down to a few inline tags without attributes
other than a link's ``href``; only that normalised output is rewritten, by patterns that each match one tag
of a known shape. A ``<`` that does not open a known tag (``List<String>``, ``a < b``) is kept as text, and
code spans are left as they are.
"""

from __future__ import annotations

import html
import re

import nh3

KNOWN = (
    *("b", "strong", "i", "em", "code", "br", "p", "a", "ul", "ol", "li", "pre", "u", "s", "del", "span", "div"),
    *("details", "summary"),
)
_KEPT = {"b", "strong", "i", "em", "code", "br", "p", "a", "ul", "ol", "li", "pre", "s", "del"}
_HAS_TAG = re.compile(r"(?i)</?(?:" + "|".join(KNOWN) + r")\b[^<>]{0,200}+>")
HTML_ELEMENTS = (
    *KNOWN,
    *"script style iframe frame frameset object embed img svg math form input button textarea select option link meta"
    " base table tr td th thead tbody tfoot caption h1 h2 h3 h4 h5 h6 details summary sup sub hr blockquote font"
    " center small big mark kbd tt abbr section article header footer nav aside main video audio source track"
    " noscript template canvas dl dt dd figure figcaption label fieldset legend".split(),
)
"""Elements handed to nh3 (kept, or removed with script and style content); any other '<Word>' is text."""
_NOT_A_TAG = re.compile(r"(?i)<(?!/?(?:" + "|".join(HTML_ELEMENTS) + r")\b[^<>]{0,2000}+>|!--)")
_ANSWER_SUMMARY = re.compile(
    r"(?i)<summary\b[^<>]{0,200}+>\s*+(?:<(?:b|strong)>\s*+)?(?:click to |click here to )?(?:show|view|reveal|see|"
    r"expand)?\s*+(?:the\s++)?(?:answers?|solutions?|explanation)?\s*+(?:</(?:b|strong)>\s*+)?</summary>"
)
_EMPTY_LINK = re.compile(r"\[\s{0,200}+\]\([^()\s]{0,2000}+\)")
_CODE_SPAN = re.compile(r"(`++)[^`]++\1")
_SIMPLE = {
    "<br>": "\n",
    "<b>": "**",
    "</b>": "**",
    "<strong>": "**",
    "</strong>": "**",
    "<i>": "*",
    "</i>": "*",
    "<em>": "*",
    "</em>": "*",
    "<s>": "~~",
    "</s>": "~~",
    "<del>": "~~",
    "</del>": "~~",
    "<code>": "`",
    "</code>": "`",
    "<p>": "\n\n",
    "</p>": "\n\n",
    "<ul>": "\n",
    "</ul>": "\n",
    "<ol>": "\n",
    "</ol>": "\n",
    "<li>": "\n- ",
    "</li>": "",
    "<pre>": "\n```\n",
    "</pre>": "\n```\n",
}
_TAG_OUT = re.compile(r'<a href="([^"<>]{0,2000}+)">|<a>|</?[a-z]{1,6}+>')


def has_inline_html(text: str) -> bool:
    """Whether text holds a tag this module converts."""
    return "<" in text and _HAS_TAG.search(text) is not None


def inline_html_to_markdown(text: str) -> str:
    """Markdown for text with inline HTML; text without any known tag is returned unchanged."""
    if not has_inline_html(text):
        return text
    spans: list[str] = []

    def keep(m: re.Match[str]) -> str:
        spans.append(m.group(0))
        return f"\ue000{len(spans) - 1}\ue001"

    work = _CODE_SPAN.sub(keep, text) if "`" in text else text
    if "<summary" in work or "<SUMMARY" in work:
        work = _ANSWER_SUMMARY.sub("", work)  # 'Show answer' is the label of a collapsible, not answer text
    work = _NOT_A_TAG.sub("&lt;", work)
    clean = nh3.clean(work, tags=_KEPT, attributes={"a": {"href"}}, link_rel=None, strip_comments=True)

    pieces: list[str] = []
    links: list[str] = []
    pos = 0
    for m in _TAG_OUT.finditer(clean):
        pieces.append(clean[pos : m.start()])
        pos = m.end()
        tok = m.group(0)
        if m.group(1) is not None or tok == "<a>":
            links.append(m.group(1) or "")
            pieces.append("[" if m.group(1) else "")
        elif tok == "</a>":
            href = links.pop() if links else ""
            pieces.append(f"]({href})" if href else "")
        else:
            pieces.append(_SIMPLE.get(tok, ""))
    pieces.append(clean[pos:])
    out = "".join(pieces)
    out = html.unescape(out)
    if spans:
        out = re.sub("\ue000(\\d{1,9})\ue001", lambda m: spans[int(m.group(1))], out)
    out = _EMPTY_LINK.sub("", out)  # a link around an image only (a banner): nothing left to read
    out = re.sub(r"[ \t]++\n", "\n", out)
    return re.sub(r"\n{3,}", "\n\n", out).strip()
