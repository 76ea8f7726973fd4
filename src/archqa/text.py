"""Text helpers shared by the validator and the generator: words and similarity."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

STOPWORDS = frozenset(
    """a an and are as at be by can do does for from how i if in into is it its of on or should that the
    their them these this to use using what when where which while who why will with would you your we our
    design system systems approach""".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_CITATION_MARK = re.compile(r"\[Ref:[^\[\]]*+\]")


def words(text: str) -> list[str]:
    """Lowercase word tokens of a text, Markdown and punctuation removed."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper, enough to match plurals and verb forms. Cached: words repeat."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> frozenset[str]:
    """The set of stemmed content words of a text."""
    return frozenset(stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


_SLACK = 1e-9
"""Overlap bounds are computed a hair low, so a float rounding can only add candidates, never lose a pair."""


def _min_overlap(a: int, b: int, threshold: float) -> int:
    """The fewest shared terms two sets of sizes ``a`` and ``b`` need for Jaccard >= threshold."""
    o = max(0, math.floor(threshold * (a + b) / (1 + threshold)) - 1)
    while o < min(a, b) and o / (a + b - o) < threshold - _SLACK:
        o += 1
    return o


def similar_pairs(items: Sequence[frozenset[str]], threshold: float) -> list[tuple[int, int, float]]:
    """All pairs (i, j, similarity) with i < j and Jaccard >= threshold, sorted. Exact, by prefix filtering.

    Identical sets are grouped by hashing and the distinct sets compared once. Terms
    are ordered from rarest to most common. Two sets of sizes a and b whose Jaccard
    reaches the threshold share at least ``o = _min_overlap(a, b)`` terms, so the first
    ``a - o + 1`` terms of one and the first ``b - o + 1`` of the other have a term in
    common: only such sets are compared. The index is split by set size and a size is
    probed only where the sizes allow the threshold; two distinct sets of the same size
    that would need every term in common (fewer than nine terms at 0.8) never qualify.
    """
    if threshold <= 0:
        raise ValueError("similar_pairs needs a threshold above 0")
    groups: dict[frozenset[str], list[int]] = {}
    for i, s in enumerate(items):
        if s:
            groups.setdefault(s, []).append(i)
    out: list[tuple[int, int, float]] = []
    for members in groups.values():
        out.extend((a, b, 1.0) for n, a in enumerate(members) for b in members[n + 1 :])
    distinct = list(groups)
    df: Counter[str] = Counter()
    for s in distinct:
        df.update(s)
    index: dict[tuple[str, int], list[int]] = {}
    sizes: set[int] = set()
    probes: dict[int, list[tuple[int, int]]] = {}  # set size -> (partner size, overlap needed) worth probing
    for i, s in enumerate(distinct):
        a = len(s)
        toks = sorted(s, key=lambda w: (df[w], w))
        if a not in sizes:
            sizes.add(a)
            probes.clear()  # a new size may be a partner of sizes already seen
        plan = probes.get(a)
        if plan is None:
            plan = probes[a] = []
            for b in sorted(sizes):
                if threshold * a - _SLACK <= b <= a / threshold + _SLACK:
                    need = _min_overlap(a, b, threshold)
                    if need <= min(a, b) and not (b == a and need == a):
                        plan.append((b, need))
        for b, need in plan:
            seen: set[int] = set()
            for w in toks[: a - need + 1]:
                for j in index.get((w, b), ()):
                    if j not in seen:
                        seen.add(j)
                        sim = jaccard(s, distinct[j])
                        if sim >= threshold:
                            out.extend((min(x, y), max(x, y), sim) for x in groups[distinct[j]] for y in groups[s])
        # Any partner needs at least ceil(threshold * a) terms in common with this set.
        for w in toks[: a - math.ceil(threshold * a - _SLACK) + 1]:
            index.setdefault((w, a), []).append(i)
    return sorted(out)


def word_count(markdown_text: str) -> int:
    """Words in prose, ignoring Markdown emphasis and citation markers."""
    text = _CITATION_MARK.sub(" ", markdown_text)
    text = re.sub(r"[*_`#>|]", " ", text)
    return len([w for w in text.split() if re.search(r"\w", w)])


def term_variants(term: str) -> set[str]:
    """The forms a glossary term is written in: "Long Name (LN)" is "Long Name" or "LN"; any other term itself."""
    s = term.rstrip()
    if s.endswith(")"):
        close = len(s) - 1
        first = s.find("(", s.rfind(")", 0, close) + 1, close)
        if 0 <= first < close - 1 and "\n" not in s[:first]:
            return {s[:first].rstrip(), s[first + 1 : close]}
    return {term}


@lru_cache(maxsize=4096)
def term_pattern(variant: str) -> re.Pattern[str] | None:
    """A pattern that finds ``variant`` as a whole word in lowercase text (words apart by spaces or hyphens,
    plurals counted); None for an empty one. Runs of spaces in the term count as one, and a space is
    matched possessively, so no term can make the search backtrack."""
    words = variant.lower().split()
    if not words:
        return None
    body = re.escape(words[0])
    for w in words[1:]:
        rest = w.lstrip("-")
        if not rest:
            continue  # a lone '-' between words is a separator itself
        dashes = len(w) - len(rest)
        # '[\s-]+' then the word's own leading '-': the whole run, ending in those dashes.
        body += r"[\s-]++" + (rf"(?<=[\s-]{'-' * dashes})" if dashes else "") + re.escape(rest)
    return re.compile(r"(?<!\w)" + body + r"(?:e?s)?(?!\w)")


def mentions(haystack: str, term: str) -> bool:
    """Whether lowercase ``haystack`` uses ``term`` (or, for "Long Name (LN)", either form; plurals count)."""
    for v in term_variants(term):
        found = _term_search(v.strip())
        if found is not None and _first_match(haystack, *found) >= 0:
            return True
    return False


def first_word_at(text: str, word: str) -> int:
    r"""Where ``word`` first occurs in ``text`` as a whole word (no word character on either side), or -1: the
    first match of ``(?<!\w)word(?!\w)``."""
    pattern = _whole_word(word)
    if not word:
        m = pattern.search(text)
        return m.start() if m else -1
    return _first_match(text, word, pattern)


def _first_match(text: str, lead: str, pattern: re.Pattern[str]) -> int:
    """Where ``pattern``, which starts with the literal ``lead`` after a look-behind, first matches ``text``, or -1.

    The look-behind keeps the regular expression from skipping ahead to ``lead``, so a search walks the whole
    text (2 ms over a generated set); finding each place ``lead`` starts and trying the pattern there gives the
    same answer far sooner (the look-behind still sees the character before that place).
    """
    at = text.find(lead)
    while at >= 0:
        if pattern.match(text, at):
            return at
        at = text.find(lead, at + 1)
    return -1


@lru_cache(maxsize=4096)
def _whole_word(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")


@lru_cache(maxsize=4096)
def _term_search(variant: str) -> tuple[str, re.Pattern[str]] | None:
    pattern = term_pattern(variant)
    return None if pattern is None else (variant.lower().split()[0], pattern)


_TERMINAL_CONTROL = re.compile(
    r"\x1b\][^\x07\x1b\x9c]*+(?:\x07|\x1b\\|\x9c)?"  # OSC: title, clipboard, hyperlinks
    r"|\x9d[^\x07\x1b\x9c]*+(?:\x07|\x1b\\|\x9c)?"  # OSC, 8-bit
    r"|\x1b[P^_X][^\x1b\x9c]*+(?:\x1b\\|\x9c)?"  # DCS, PM, APC, SOS strings
    r"|(?:\x1b\[|\x9b)[0-?]*+[ -/]*+[@-~]?"  # CSI: colours, cursor moves, erase
    r"|\x1b[ -/]*+[0-~]?"  # any other escape sequence
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # every other control character except tab and newline
)


def terminal_safe(text: str) -> str:
    """``text`` without terminal control sequences (OSC title and clipboard writes, CSI cursor and colour
    codes, other escapes) or control characters other than tab and newline: what imported files say is
    shown, never executed by the terminal."""
    if text.isprintable() or not _TERMINAL_CONTROL.search(text):
        return text
    return _TERMINAL_CONTROL.sub("", text)
