"""Import stage 1: a file's bytes to text, with mojibake and literal escapes repaired (and what could not be)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import ftfy

from archqa.formats.source import decode

ESCAPE = re.compile(r"(?<!\\)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\)\\u([0-9a-fA-F]{4})")
"""A literal ``\\uXXXX`` escape, or a pair of them that spells one character as UTF-16 surrogates."""


def _unescape(m: re.Match[str]) -> str:
    """The character an escape stands for; a lone surrogate stays the literal escape (it is no character)."""
    if m.group(1):
        high, low = int(m.group(1), 16), int(m.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    code = int(m.group(3), 16)
    return m.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


@dataclass
class Repair:
    """The text after repair, how many lines changed, and lines still broken."""

    text: str
    repaired: int
    unrepaired: list[int]


def repair_text(text: str) -> Repair:
    """Fix mojibake with ftfy (only encoding repair: quotes and code are left as they are).

    Lines in code fences get the same encoding repair and nothing else; literal
    \\uXXXX escapes are decoded outside fences. Lines still holding U+FFFD or
    text ftfy judges broken are reported.
    """
    if text.isascii() and "\\u" not in text:
        return Repair(text, 0, [])  # nothing ftfy could change and no escapes to decode
    out = []
    repaired = 0
    unrepaired = []
    fence: str | None = None
    for n, line in enumerate(text.split("\n"), 1):
        if line.isascii() and "\\u" not in line and "```" not in line and "~~~" not in line:
            out.append(line)
            continue
        stripped = line.lstrip()
        m = re.match(r"(`{3,}|~{3,})", stripped)
        if m:
            if fence is None:
                fence = m.group(1)[0] * len(m.group(1))
            elif stripped.startswith(fence) and not stripped[len(fence) :].strip():
                fence = None
        new = ftfy.fix_encoding(line) if not line.isascii() else line
        if fence is None and not m:
            new = ESCAPE.sub(_unescape, new)
        if new != line:
            repaired += 1
        if "\ufffd" in new or (not new.isascii() and ftfy.is_bad(new)):
            unrepaired.append(n)
        out.append(new)
    return Repair("\n".join(out), repaired, unrepaired)


def decode_file(data: bytes, shown: str) -> Repair:
    """Decode a file's bytes (InputError naming file and line when they are not UTF-8 text) and repair them."""
    return repair_text(decode(data, shown))
