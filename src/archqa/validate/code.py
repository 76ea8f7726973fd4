"""Does a code block parse in its declared language? Real parsers, never regexes."""

from __future__ import annotations

import ast
import importlib
import json
import time
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import yaml

from archqa.limits import BLOCK_SECONDS, MAX_NESTING, remaining

ALIASES: dict[str, str] = {
    "py": "python",
    "python": "python",
    "python3": "python",
    "py3": "python",
    "go": "go",
    "golang": "go",
    "java": "java",
    "js": "javascript",
    "javascript": "javascript",
    "node": "javascript",
    "jsx": "javascript",
    "mjs": "javascript",
    "ts": "typescript",
    "typescript": "typescript",
    "tsx": "tsx",
    "rust": "rust",
    "rs": "rust",
    "scala": "scala",
    "cpp": "cpp",
    "c++": "cpp",
    "cc": "cpp",
    "cxx": "cpp",
    "hpp": "cpp",
    "c": "cpp",
    "cs": "csharp",
    "csharp": "csharp",
    "c#": "csharp",
    "sql": "sql",
    "postgresql": "sql",
    "postgres": "sql",
    "psql": "sql",
    "mysql": "sql",
    "sqlite": "sql",
    "plpgsql": "sql",
    "yaml": "yaml",
    "yml": "yaml",
    "json": "json",
}
"""Fence labels archqa can check, mapped to a canonical language name."""

NOT_CODE = {"text", "txt", "plaintext", "plain", "ascii", "output", "console", "log", "diff", "none", "markdown", "md"}
"""Fence labels that mark prose or output rather than a programming language."""

DISPLAY = {
    "python": "Python",
    "go": "Go",
    "java": "Java",
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "tsx": "TSX",
    "rust": "Rust",
    "scala": "Scala",
    "cpp": "C++",
    "csharp": "C#",
    "sql": "SQL",
    "yaml": "YAML",
    "json": "JSON",
}

_TS_GRAMMARS: dict[str, tuple[str, str]] = {
    "go": ("tree_sitter_go", "language"),
    "java": ("tree_sitter_java", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "rust": ("tree_sitter_rust", "language"),
    "scala": ("tree_sitter_scala", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
}


@dataclass(frozen=True)
class ParseResult:
    """The outcome of parsing one block: ok, or the block line and what is wrong.

    ``checked`` is False when the block was too large, too deeply nested or too slow to parse; then
    ``ok`` is True (nothing wrong was found) and ``message`` says why it was not checked.
    """

    ok: bool
    language: str
    line: int = 0
    message: str = ""
    checked: bool = True


MAX_SLOW_PARSE_BYTES = 256_000
"""SQL and YAML are parsed in pure Python: a larger block is reported unchecked rather than parsed."""


def _unchecked(lang: str, why: str) -> ParseResult:
    return ParseResult(True, lang, 1, why, checked=False)


def nesting_depth(code: str) -> int:
    """The deepest nesting of (), [] and {} in ``code``, counting every bracket (strings included)."""
    depth = deepest = 0
    for ch in code:
        if ch in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch in ")]}" and depth:
            depth -= 1
    return deepest


def canonical(label: str) -> str | None:
    """The canonical language of a fence label, or None when archqa has no parser for it."""
    return ALIASES.get(label.strip().lower())


def supported_languages() -> list[str]:
    return sorted(set(ALIASES.values()))


@cache
def _parser(lang: str) -> Any:
    import tree_sitter

    module, func = _TS_GRAMMARS[lang]
    grammar = getattr(importlib.import_module(module), func)()
    return tree_sitter.Parser(tree_sitter.Language(grammar))


def _first_error(node: Any) -> Any:
    """The first ERROR or MISSING node in document order."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return n
        if n.has_error:
            stack.extend(reversed(n.children))
    return None


def parse_code(label: str, code: str) -> ParseResult:
    """Parse ``code`` as the language ``label`` names. Unknown labels raise KeyError.

    Parsing is bounded: a block nested deeper than ``MAX_NESTING`` brackets, a parser that runs out of
    recursion or memory, or a parse slower than ``BLOCK_SECONDS`` (or the file's time budget) gives an
    unchecked result instead of an exception. Results are cached: the rules ask about a block more than once.
    """
    lang = canonical(label)
    if lang is None:
        raise KeyError(label)
    if lang == "sql":
        return _parse_cached("sql:" + SQL_DIALECTS.get(label.strip().lower(), "sql"), code)
    return _parse_cached(lang, code)


@lru_cache(maxsize=512)
def _parse_cached(lang: str, code: str) -> ParseResult:
    depth = nesting_depth(code) if len(code) > MAX_NESTING else 0
    base = lang.partition(":")[0]  # "sql:postgres" is SQL read in one dialect
    if depth > MAX_NESTING and base in ("json", "sql", "yaml"):  # Python has its own limit (SyntaxError)
        return _unchecked(base, f"brackets nested {depth} deep, over the {MAX_NESTING} archqa parses")
    if base in ("sql", "yaml") and len(code) > MAX_SLOW_PARSE_BYTES:
        kb, most = len(code) // 1000, MAX_SLOW_PARSE_BYTES // 1000
        return _unchecked(base, f"the block is {kb} KB, over the {most} KB archqa parses")
    try:
        return _parse(lang, code)
    except (RecursionError, MemoryError):
        return _unchecked(base, "the block is nested too deeply to parse")


def _parse(lang: str, code: str) -> ParseResult:
    if lang == "python":
        try:
            ast.parse(code)
        except SyntaxError as exc:
            return ParseResult(False, lang, exc.lineno or 1, exc.msg)
        return ParseResult(True, lang)
    if lang == "json":
        try:
            json.loads(code)
        except json.JSONDecodeError as exc:
            return ParseResult(False, lang, exc.lineno, exc.msg)
        return ParseResult(True, lang)
    if lang.startswith("sql"):
        return _parse_sql(code, lang.partition(":")[2] or "sql")
    if lang == "yaml":
        try:
            list(yaml.safe_load_all(code))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
            return ParseResult(False, lang, line, str(problem))
        return ParseResult(True, lang)
    tree = _parse_tree(lang, code.encode("utf-8", "surrogatepass"))
    if tree is None:
        return _unchecked(lang, f"the parser took longer than {BLOCK_SECONDS:.0f} s")
    if not tree.root_node.has_error:
        return ParseResult(True, lang)
    bad = _first_error(tree.root_node)
    if bad is None:
        return ParseResult(False, lang, 1, "syntax error")
    row = bad.start_point[0]
    text = code.split("\n")[row].strip() if row < len(code.split("\n")) else ""
    what = f"missing {bad.type}" if bad.is_missing else "unexpected syntax"
    snippet = text if len(text) <= 60 else text[:57] + "..."
    return ParseResult(False, lang, row + 1, f"{what} near `{snippet}`")


def _parse_tree(lang: str, data: bytes) -> Any:
    """A tree-sitter parse of ``data``, or None when it takes longer than ``BLOCK_SECONDS`` (or than the
    file's budget has left): tree-sitter's error recovery on some garbage takes minutes."""
    parser = _parser(lang)
    left = remaining()
    stop = time.monotonic() + (BLOCK_SECONDS if left is None else max(0.0, min(BLOCK_SECONDS, left)))

    def read(offset: int, point: Any) -> bytes:
        return data[offset : offset + 65536]

    def progress(offset: int, has_error: bool) -> bool:
        return time.monotonic() > stop

    try:
        return parser.parse(read, progress_callback=progress)
    except ValueError:  # the progress callback cancelled the parse
        parser.reset()
        return None


SQL_DIALECTS = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "psql": "postgres",
    "plpgsql": "postgres",
    "mysql": "mysql",
    "sqlite": "sqlite",
}
"""Fence label -> dialect. PostgreSQL goes to PostgreSQL's own parser (pglast); others to sqlglot in that dialect."""


def _parse_sql(code: str, dialect: str = "sql") -> ParseResult:
    """PostgreSQL blocks by libpg_query (pglast); other SQL by sqlglot in its dialect (plain ``sql``: PostgreSQL's)."""
    if dialect == "postgres":
        try:
            from pglast import parse_sql
            from pglast.parser import ParseError as PgParseError
        except ImportError:
            pass
        else:
            try:
                parse_sql(code)
            except PgParseError as exc:
                msg, at = (list(exc.args) + [None, None])[:2]
                data = code.encode("utf-8")
                line = data[: at if isinstance(at, int) else len(data)].count(b"\n") + 1
                return ParseResult(False, "sql", line, f"PostgreSQL: {msg}")
            return ParseResult(True, "sql")
    import logging

    import sqlglot
    from sqlglot.errors import ParseError, TokenError

    logging.getLogger("sqlglot").setLevel(logging.ERROR)

    try:
        read = "postgres" if dialect == "sql" else dialect
        sqlglot.parse(code, dialect=read, error_level=sqlglot.ErrorLevel.RAISE)
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        desc = str(err.get("description") or "syntax error")
        near = str(err.get("highlight") or "").strip()
        return ParseResult(False, "sql", int(err.get("line") or 1), desc + (f" near `{near}`" if near else ""))
    except TokenError as exc:
        return ParseResult(False, "sql", 1, str(exc).split("\n")[0])
    return ParseResult(True, "sql")
