"""Text helpers shared by the validator and the generator: words and similarity."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

STOPWORDS = frozenset(
    """a an and are as at be by can do does for from how i if in into is it its of on or should that the
    their them these this to use using what when where which while who why will with would you your we our
    design system systems approach""".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def words(text: str) -> list[str]:
    """Lowercase word tokens of a text, Markdown and punctuation removed."""
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    """A light suffix stripper, enough to match plurals and verb forms."""
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


def similar_pairs(items: Sequence[frozenset[str]], threshold: float) -> list[tuple[int, int, float]]:
    """All pairs (i, j, similarity) with Jaccard >= threshold, by prefix filtering.

    Exact (no pair above the threshold is missed): two sets with Jaccard >= t share
    at least one token among the first ``len(x) - ceil(t * len(x)) + 1`` of each,
    when tokens are ordered from rarest to most common.
    """
    df: Counter[str] = Counter()
    for s in items:
        df.update(s)
    ordered = [sorted(s, key=lambda w: (df[w], w)) for s in items]
    index: dict[str, list[int]] = {}
    out: list[tuple[int, int, float]] = []
    for i, toks in enumerate(ordered):
        if not toks:
            continue
        prefix = len(toks) - math.ceil(threshold * len(toks)) + 1
        seen: set[int] = set()
        for w in toks[:prefix]:
            for j in index.get(w, ()):
                if j in seen:
                    continue
                seen.add(j)
                sim = jaccard(items[i], items[j])
                if sim >= threshold:
                    out.append((j, i, sim))
            index.setdefault(w, []).append(i)
    return sorted(out)


def word_count(markdown_text: str) -> int:
    """Words in prose, ignoring Markdown emphasis and citation markers."""
    text = re.sub(r"\[Ref:[^\]]*\]", " ", markdown_text)
    text = re.sub(r"[*_`#>|]", " ", text)
    return len([w for w in text.split() if re.search(r"\w", w)])


def mentions(haystack: str, term: str) -> bool:
    """Whether lowercase ``haystack`` uses ``term`` (or, for "Long Name (LN)", either form; plurals count)."""
    variants = {term}
    m = re.match(r"^(.*?)\s*\(([^)]+)\)\s*$", term)
    if m:
        variants = {m.group(1), m.group(2)}
    for v in variants:
        v = v.strip()
        pattern = re.escape(v.lower()).replace(r"\ ", r"[\s-]+")
        if v and re.search(r"(?<!\w)" + pattern + r"(?:e?s)?(?!\w)", haystack):
            return True
    return False
