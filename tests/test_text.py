"""Near-duplicate pairs: the fast filter must find exactly what comparing every pair finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from archqa.text import jaccard, similar_pairs, terms


def brute_force(items: list[frozenset[str]], threshold: float) -> list[tuple[int, int, float]]:
    return sorted(
        (i, j, jaccard(items[i], items[j]))
        for i in range(len(items))
        for j in range(i + 1, len(items))
        if jaccard(items[i], items[j]) >= threshold
    )


# A small vocabulary makes overlaps, copies and near copies common.
sets = st.lists(st.frozensets(st.sampled_from("abcdefghijkl"), max_size=11), max_size=40)


@settings(max_examples=300, deadline=None)
@given(items=sets, threshold=st.sampled_from([0.3, 0.5, 0.6, 2 / 3, 0.7, 0.75, 0.8, 0.9, 1.0]))
def test_similar_pairs_equals_comparing_every_pair(items: list[frozenset[str]], threshold: float) -> None:
    assert similar_pairs(items, threshold) == brute_force(items, threshold)


def test_near_titles_and_copies() -> None:
    titles = [
        "How would you design a rate limiter for a public API?",
        "Design a rate limiter for a public API",  # the same terms
        "How would you design a distributed rate limiter for a public API?",  # one term more
        "Explain the outbox pattern",
        "How would you design a rate limiter for a public API?",  # a copy
    ]
    pairs = {(i, j) for i, j, _ in similar_pairs([terms(t) for t in titles], 0.8)}
    assert pairs == {(0, 1), (0, 4), (1, 4), (0, 2), (1, 2), (2, 4)}


def _mentions_by_search(haystack: str, term: str) -> bool:
    """What ``mentions`` answers, the slow way: the term's pattern searched over the whole text."""
    from archqa.text import term_pattern, term_variants

    for v in term_variants(term):
        pattern = term_pattern(v.strip())
        if pattern is not None and pattern.search(haystack):
            return True
    return False


WORDS = st.sampled_from(
    ["event", "events", "sourcing", "read", "your", "writes", "-", "api", "apis", "a", "c++", "(e)", "prevent"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["event", "sourcing", "read-your-writes", "api", "c++", "e", "(e)", "x"]), max_size=3),
    st.lists(st.one_of(WORDS, st.sampled_from([" ", "  ", "-", ".", "\n", "s", "es", "x"])), max_size=14),
)
def test_mentions_finds_a_term_where_a_search_of_the_whole_text_does(term_words: list[str], text: list[str]) -> None:
    """``mentions`` tries the pattern only where the term's first word starts; the answer is the search's."""
    from archqa.text import mentions

    term = " ".join(term_words)
    haystack = "".join(text).lower()
    assert mentions(haystack, term) == _mentions_by_search(haystack, term)
    assert mentions(haystack, f"Long Name ({term})") == _mentions_by_search(haystack, f"Long Name ({term})")


def test_mentions_respects_word_starts_before_the_first_word() -> None:
    from archqa.text import mentions

    assert mentions("we use event sourcing here", "Event Sourcing")
    assert not mentions("prevent sourcing", "event sourcing")  # 'event' inside 'prevent' is no mention
    assert mentions("prevent sourcing, then event-sourcing", "event sourcing")  # a later place counts
    assert mentions("the apis", "API") and not mentions("rapid", "API")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["redis", "node.js", "c++", "k8s", "a", "-", "", "pg bouncer"]),
    st.lists(st.sampled_from(["redis", "redisx", "xredis", "node.js", "node.jsx", "c++", "c++x", " ", "-", "_", "a"])),
)
def test_first_word_at_is_the_first_whole_word_match(word: str, parts: list[str]) -> None:
    import re

    from archqa.text import first_word_at

    text = "".join(parts)
    m = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text)
    assert first_word_at(text, word) == (m.start() if m else -1)
