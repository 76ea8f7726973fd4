"""Import stage 5: a read question enriched for the store: stub and empty answers flagged, cluster and
difficulty assigned with a confidence and a reason, tags from its category."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from archqa.importer.classify import classify_cluster, classify_difficulty
from archqa.model import CLUSTERS, Question, cluster_of
from archqa.store.store import StoredQuestion

STUB = re.compile(
    r"(?i)\b(see|read|find|get|view|check)\b[^.\n]{0,30}\banswers?\b[^.\n]{0,20}\b(at|on|in|here)\b"
    r"|\b(subscribe|premium members?|paid members?|unlock (the )?answer|sign up to (see|read|view))\b"
    r"|\banswers? (is |are )?available (at|on|in)\b|\bcoming soon\b|^\s*+(tbd|todo|n/?a)\s*+\.?\s*+$"
)


_MARKUP = re.compile(r"<[^<>]++>|[*_`>#-]")


def stub_reason(answer: str) -> str | None:
    """Why an answer is not an answer (empty, a pointer elsewhere, a paywall), or None."""
    head = answer[:2000]
    if "<" in head:
        prose = _MARKUP.sub(" ", head)
    else:  # no tag: each markup character becomes a space (str.replace is the fastest way)
        prose = head.replace("*", " ").replace("_", " ").replace("`", " ").replace(">", " ")
        prose = prose.replace("#", " ").replace("-", " ")
    n_words = len(prose.split(None, 40))
    if not n_words and len(answer) > len(head):
        return stub_reason(answer[len(head) :])
    if not n_words:
        return "empty-answer"
    if n_words < 40 and STUB.search(prose):
        return "stub-answer"
    return None


def tags_from(category: str, extra: str = "") -> list[str]:
    """Slug tags from a category heading and extra comma-separated tags."""
    return list(_tags(category, extra))


_SLUG_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def _tags(category: str, extra: str) -> tuple[str, ...]:
    """Every question under one heading has the same tags: computed once per heading."""
    out: list[str] = []
    for raw in [category, *extra.split(",")]:
        slug = "-".join(_SLUG_WORD.findall(raw.lower()))[:40]
        if slug and slug not in out:
            out.append(slug)
    return tuple(out)


_CLUSTER_NAMES = {
    **{slug: slug for slug in CLUSTERS},
    **{" ".join(re.findall(r"[a-z]+", title.lower())): slug for slug, title in CLUSTERS.items()},
    "behavioural": "behavioral",
    "behavioural architecture": "behavioral",
    "quality attribute": "quality",
    "migration": "evolution",
    "evolution and migration": "evolution",
}
"""A source category that names a cluster outright ('Quality', 'Data Architecture') files the question there."""


def enrich(q: Question, category: str, given_difficulty: str = "", house: bool = False) -> StoredQuestion:
    """A question ready for the store: flags, cluster and difficulty with confidence and reason, its topic."""
    flags = []
    reason = stub_reason(q.answer) if not q.code else (None if q.answer.strip() or q.code else "empty-answer")
    if reason:
        flags.append(reason)
        if reason == "stub-answer":
            q.answer = ""
    known = cluster_of(q.topic) if house else _CLUSTER_NAMES.get(" ".join(re.findall(r"[a-z]+", category.lower())))
    if known:
        cluster, cconf, creason = known, 1.0, f"in the source's '{q.topic or category}' section"
    else:
        cluster, cconf, creason = classify_cluster(q.title, q.answer, category)
    if q.difficulty is not None:
        dconf, dreason = 1.0, f"the source labels it {q.difficulty.value}"
    else:
        d, dconf, dreason = classify_difficulty(q.title, q.answer, given_difficulty)
        q.difficulty = d
    if not q.topic:
        q.topic = CLUSTERS.get(cluster, "Other")
    return StoredQuestion(q, cluster, cconf, creason, dconf, dreason, flags)


def file_clusters(questions: list[StoredQuestion]) -> list[StoredQuestion]:
    """Questions no keyword placed ('other') go with the cluster most of their file's questions have, when most
    of the file agrees; the reason says so and the confidence stays low."""
    placed = [sq.cluster for sq in questions if sq.cluster != "other"]
    if len(placed) < 2 or len(placed) == len(questions):
        return questions
    top, n = Counter(placed).most_common(1)[0]
    if 2 * n < len(placed):
        return questions
    for sq in questions:
        if sq.cluster == "other":
            sq.cluster, sq.cluster_confidence = top, 0.2
            sq.cluster_reason = (
                f"no cluster keywords of its own; filed with most questions of its file ({n} of {len(placed)} "
                f"placed are {CLUSTERS[top]})"
            )
            if sq.question.topic == "Other":
                sq.question.topic = CLUSTERS[top]
    return questions
