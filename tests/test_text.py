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
