"""Hostile and broken documents, one per class of stall or crash archqa has had, at sizes that stalled it.

Each builder returns Markdown text. The regression tests (tests/test_hostile.py) and the benchmark
(bench/hostile_bench.py) run import and validate over them; before the fixes each took from 10 s to
hours, or crashed.
"""

from __future__ import annotations

from collections.abc import Callable

NBSP = "\u00a0"


def _house(body: str, glossary: str = "") -> str:
    """A minimal house-format document with one question whose answer is ``body``."""
    text = (
        "# Set\n\n## Topic 1: Data\n\n### Q1: What is a cache?\n\n"
        "**ID**: `q1` | **Difficulty**: Foundational\n\n"
        "**Key Insight**: A cache keeps hot data close.\n\n"
        f"**Answer**: {body}\n"
    )
    if glossary:
        text += f"\n## References\n\n### Glossary\n\n{glossary}\n"
    return text


def glossary_spaces() -> str:
    """A glossary term with a run of spaces: the term's pattern was exponential (a 452-byte file, 40+ s)."""
    return _house("a" + " " * 60 + "c b", glossary="**G1. a" + " " * 40 + "b** – a term with spaces.")


def navigation_spaces() -> str:
    """A paragraph of one anchor link and a long run of spaces (navigation-link stripping)."""
    return "# Q\n\n## What is a cache?\n\n[Back](#top)" + " " * 30_000 + "x\n"


def bold_question_spaces() -> str:
    """A paragraph opening with bold and a run of spaces (bold-question detection runs on every file)."""
    return "# Bank\n\n## What is a cache?\n\nA cache.\n\n**" + " " * 30_000 + "x\n"


def bold_label_spaces() -> str:
    """A bold label followed by spaces (bold labels in answers)."""
    return "# Bank\n\n## What is a cache?\n\n**x" + " " * 30_000 + "y\n"


def qa_marker_nbsp() -> str:
    """Q/A marker paragraphs whose lines are NBSPs (not blank to CommonMark, whitespace to regexes)."""
    nbsp_lines = (NBSP + "\n") * 15_000
    return f"Q1: What is a cache?\n{nbsp_lines}A\n\nQ2: What is a queue?\n\nA: a queue.\n\nQ" + NBSP * 30_000 + "!\n"


def qa_heading_nbsp() -> str:
    """A QA heading, then a range heading with question lines of NBSPs."""
    return (
        "# Bank\n\n## Q1: What is a cache?\n\nA cache.\n\n## Q2-3: Two more\n\nQ"
        + NBSP * 30_000
        + "!\n\n## Q4-"
        + NBSP * 30_000
        + "!\n"
    )


def category_parens() -> str:
    """A category heading of many '(' (category notes in parentheses)."""
    return "# Bank\n\n## " + "(" * 40_000 + "\n\n### What is a cache?\n\nA cache.\n\n### What is a queue?\n\nA queue.\n"


def title_emphasis() -> str:
    """A question title full of unclosed emphasis marks."""
    return "# Bank\n\n## What " + "*a" * 15_000 + "?\n\nA cache.\n\n## What is a queue?\n\nA queue.\n"


def house_label_spaces() -> str:
    """A house-format paragraph starting like a label, then spaces (house labels)."""
    return _house("a cache.\n\n**A" + " " * 30_000 + "x")


def details_unclosed() -> str:
    """Thousands of unclosed <details><summary> and tags that never end."""
    return "# Bank\n\n" + "<details><summary>What?" * 4_000 + "\n\n" + "<" * 30_000 + "\n"


def house_meta_spaces() -> str:
    """A house metadata line and a tool entry with long runs of spaces and repeated URLs."""
    return _house(
        "a cache.",
        glossary="**G1. Cache** – a store."
        + " " * 20_000
        + "Related: x\n\n### Tools\n\n**T1. x** – "
        + "http://" * 8_000
        + " " * 20_000
        + "!",
    ).replace("**ID**: `q1` |", "**ID**: `q1`" + " " * 30_000 + "|")


def deep_code() -> str:
    """Code blocks nested far deeper than any parser recurses: JSON, YAML, SQL and Python."""
    blocks = [
        "```json\n" + "[" * 50_000 + "\n```",
        "```yaml\n" + "a: " + "[" * 50_000 + "\n```",
        "```sql\nSELECT " + "(" * 20_000 + "1" + ")" * 20_000 + ";\n```",
        "```python\nx = " + "-" * 50_000 + "1\n```",
        "```python\nx = " + "not " * 30_000 + "y\n```",
    ]
    return _house("a cache.\n\n" + "\n\n".join(blocks))


def yaml_alias_bomb() -> str:
    """348 bytes of front matter whose aliases expand to billions of strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefg", "bcdefgh"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "---\ntitle: What is a cache?\n" + "\n".join(lines) + "\ntags: [*h, *h]\n---\n\nA cache.\n"


def lone_surrogate() -> str:
    """A literal \\ud800 escape in prose (decoded, it is no character and cannot be stored)."""
    return "# Bank\n\n## What is a cache?\n\nA cache \\ud800 keeps data; \\ud83d\\ude00 is an emoji.\n"


def house_many_questions(n: int = 4_000) -> str:
    """A house-format file of ``n`` questions (its import was quadratic)."""
    parts = ["# Bank\n\n## Topic 1: Data\n"]
    for i in range(1, n + 1):
        parts.append(
            f"### Q{i}: What is thing {i}?\n\n**ID**: `q{i}` | **Difficulty**: Intermediate\n\n"
            f"**Key Insight**: insight {i}.\n\n**Answer**: An answer about caches, number {i}.\n"
        )
    return "\n".join(parts)


CASES: dict[str, Callable[[], str]] = {
    "glossary-spaces": glossary_spaces,
    "navigation-spaces": navigation_spaces,
    "bold-question-spaces": bold_question_spaces,
    "bold-label-spaces": bold_label_spaces,
    "qa-marker-nbsp": qa_marker_nbsp,
    "qa-heading-nbsp": qa_heading_nbsp,
    "category-parens": category_parens,
    "title-emphasis": title_emphasis,
    "house-label-spaces": house_label_spaces,
    "details-unclosed": details_unclosed,
    "house-meta-spaces": house_meta_spaces,
    "deep-code": deep_code,
    "yaml-alias-bomb": yaml_alias_bomb,
    "lone-surrogate": lone_surrogate,
    "house-4000": house_many_questions,
}
"""Every hostile document by name."""
