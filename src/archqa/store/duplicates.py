"""Exact and near-duplicate links between stored questions, recomputed after each import."""

from __future__ import annotations

import json

from archqa.store.db import Database
from archqa.store.records import title_terms
from archqa.text import similar_pairs

Link = tuple[str, str, str, float]
"""(question a, question b, 'exact' or 'near', similarity)."""


def relink(db: Database, threshold: float = 0.8) -> tuple[int, int]:
    """Recompute every duplicate link in one transaction (either database); returns (exact, near)."""
    rows = db.execute("SELECT id, norm_title, title, title_terms FROM questions ORDER BY rowid").fetchall()
    links: list[Link] = []
    by_norm: dict[str, list[str]] = {}
    for qid, norm, _, _ in rows:
        by_norm.setdefault(norm, []).append(qid)
    exact = 0
    for ids in by_norm.values():
        for other in ids[1:]:
            links.append((ids[0], other, "exact", 1.0))
            exact += 1
    # Terms are stored at import; rows written before migration 0005 (or with no terms) get them here.
    sets = [frozenset(stored.split()) if stored else title_terms(title) for _, _, title, stored in rows]
    near = 0
    for i, j, sim in similar_pairs(sets, threshold):
        if rows[i][1] != rows[j][1]:
            links.append((rows[i][0], rows[j][0], "near", round(sim, 3)))
            near += 1
    links, dropped = drop_different_code(db, links)
    exact -= sum(1 for link in dropped if link[2] == "exact")
    near -= sum(1 for link in dropped if link[2] == "near")
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("DELETE FROM duplicates")
        db.executemany("INSERT INTO duplicates VALUES (?,?,?,?) ON CONFLICT DO NOTHING", links)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return exact, near


def drop_different_code(db: Database, links: list[Link]) -> tuple[list[Link], list[Link]]:
    """Links between questions that both carry code and whose code differs are not duplicates: 'What does
    this print?' over two different snippets are two questions. Returns (kept, dropped)."""
    if not links:
        return links, []
    ids = sorted({x for a, b, _, _ in links for x in (a, b)})
    code: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for qid, data in db.execute(f"SELECT id, data FROM questions WHERE id IN ({marks})", chunk):
            snippets = json.loads(data).get("code") or []
            code[qid] = tuple(" ".join(str(c.get("code", "")).split()) for c in snippets)
    kept: list[Link] = []
    dropped: list[Link] = []
    for link in links:
        a, b = code.get(link[0], ()), code.get(link[1], ())
        (dropped if a and b and a != b else kept).append(link)
    return kept, dropped
