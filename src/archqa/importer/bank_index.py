"""The bundled bank as a searchable store of its own, so that `archqa search` finds bank questions before (and
besides) anything imported.

The index is a store file in archqa's cache directory, named after a hash of the bank's files: it is built
once per bank version (an import of the bank, in one transaction per file) and only read afterwards.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from archqa.generate.bank import bundled_bank, cache_dir
from archqa.importer.pipeline import import_paths
from archqa.store.store import SearchHit, Store


def bank_index_path() -> Path:
    """Where the index of the bundled bank in its current version lives."""
    digest = hashlib.sha256()
    for f in sorted(bundled_bank().glob("*.md")):
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return cache_dir() / f"bank-index-{digest.hexdigest()[:16]}.db"


def bank_store() -> Store:
    """The index of the bundled bank, built on first use."""
    path = bank_index_path()
    fresh = not path.exists()
    store = Store.open(path)
    if fresh or not store.stats()["questions"]:
        import_paths([str(bundled_bank())], store)
    return store


def bank_source(path: str) -> str:
    """A bundled-bank file's path as archqa shows it: ``archqa/bank/FILE``."""
    root = str(bundled_bank().resolve())
    return "archqa/bank" + path[len(root) :] if path.startswith(root) else path


def search_everywhere(
    store: Store,
    query: str,
    *,
    bank: bool = True,
    any_words: bool = False,
    topic: str | None = None,
    difficulty: str | None = None,
    tag: str | None = None,
    source: str | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Search the store and, with ``bank``, the bundled bank too: hits merged by their bm25 score, best first,
    each question once. Bank hits name their source as ``archqa/bank/FILE``."""
    opts = {"any_words": any_words, "topic": topic, "difficulty": difficulty, "tag": tag, "limit": limit}
    hits = store.search(query, source=source, **opts)  # type: ignore[arg-type]
    if bank:
        seen = {h.id for h in hits}
        with bank_store() as index:
            for h in index.search(query, **opts):  # type: ignore[arg-type]
                h.source = bank_source(h.source)
                if h.id not in seen and (source is None or source in h.source):
                    hits.append(h)
        hits.sort(key=lambda h: -h.score)
    return hits[:limit]
