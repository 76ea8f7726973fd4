"""Import stage 2: the CommonMark parse of a decoded file, with code fences the author left open closed again.

A fence without its closing line runs to the end of the file and swallows every question after it. When a
heading that asks something follows a blank line inside such a fence, the fence is closed on that blank
line (the line count does not change, so every line number stays true) and the file is parsed again; either
way the import reports the open fence with its line.
"""

from __future__ import annotations

import re

from archqa.formats.readers import SourceText
from archqa.formats.readers.common import is_prompt

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]++(\S.*)$")


MAX_PASSES = 5
"""Parses of one file at most: each pass closes the open fences it can see (one closed may reveal another)."""


def parse(text: str, path: str) -> tuple[SourceText, list[tuple[int, str]]]:
    """The parsed file and a warning (1-based line, message) for each code fence left open."""
    warned: dict[int, str] = {}
    src = SourceText.parse(text, path)
    for _ in range(MAX_PASSES):
        lines = src.lines
        changed = False
        for b in src.blocks:
            if b.kind != "fence" or b.fence_closed or b.line in warned:
                continue
            marker = b.tokens[0].markup
            opening = lines[b.start]
            indent = opening[: len(opening) - len(opening.lstrip())]
            cut = None
            for i in range(b.start + 2, b.end):
                m = _HEADING.match(lines[i])
                if m and not lines[i - 1].strip() and is_prompt(m.group(2).strip().rstrip("#").strip()):
                    cut = i - 1
                    break
            if cut is None:
                warned[b.line] = (
                    f"this code fence is never closed, so the {b.end - b.start - 1} lines after it were read as"
                    f" code; close it with a line of {marker}"
                )
                continue
            lines[cut] = indent + marker
            changed = True
            warned[b.line] = (
                f"this code fence is never closed; archqa closed it at line {cut + 1}, before the question on line"
                f" {cut + 2} (close it with a line of {marker} to say where it ends)"
            )
        if not changed:
            break
        src = SourceText.parse("\n".join(lines), path)
    return src, sorted(warned.items())
