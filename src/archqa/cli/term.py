"""Terminal helpers shared by commands: the width to wrap to, wrapping that keeps lines and indents, type-ahead."""

from __future__ import annotations

import re
import shutil
import sys
import textwrap

_MARKER = re.compile(r"(?:[-*•]|\d{1,3}[.)])\s+")

MIN_WIDTH = 40


def width() -> int:
    """Columns to wrap to: the terminal's (``$COLUMNS`` first), 80 when there is no terminal, at least 40."""
    return max(MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)


def wrap(text: str, indent: str = "", first: str | None = None, columns: int | None = None) -> str:
    """``text`` wrapped to the terminal width, each of its lines on its own (blank lines and list items kept).

    ``first`` replaces ``indent`` on the first line (``"Q: "``); a wrapped line keeps
    its own leading spaces and a list marker's hanging indent.
    """
    cols = columns or width()
    out: list[str] = []
    lead = indent if first is None else first
    for line in text.splitlines() or [""]:
        if not line.strip():
            out.append(lead.rstrip())
        else:
            body = line.lstrip()
            own = line[: len(line) - len(body)]
            m = _MARKER.match(body)
            marker = " " * m.end() if m else ""
            out.append(
                textwrap.fill(
                    body,
                    cols,
                    initial_indent=lead + own,
                    subsequent_indent=indent + own + marker,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        lead = indent
    return "\n".join(out)


def discard_typeahead() -> None:
    """Drop whatever was typed or pasted into the terminal and not read yet (nothing when stdin is no terminal).

    Called before a prompt whose answer must be deliberate: the rest of a paste
    is never taken for a verdict or a rating.
    """
    try:
        if not sys.stdin.isatty():
            return
        import termios

        termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
    except (ImportError, OSError, ValueError):
        pass
