"""The bundled bank as a searchable store of its own, so that `archqa search` finds bank questions before (and
besides) anything imported.

The index is a store file in archqa's cache directory, named after a hash of the bank's files: it is built
once per bank version (an import of the bank, in one transaction per file) and only read afterwards.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from archqa.errors import ArchqaError
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
    """The index of the bundled bank, built on first use (in a file of its own, then moved into place, so an
    interrupted build never leaves a half index behind)."""
    path = bank_index_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        with Store.open(tmp) as building:
            import_paths([str(bundled_bank())], building)
        os.replace(tmp, path)
        for suffix in ("-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
    return Store.open(path)


def bank_source(path: str) -> str:
    """A bundled-bank file's path as archqa shows it: ``archqa/bank/FILE``.

    The index is shared by every install of the same bank version (it is named after the files' hash), so
    the path it holds may be another install's: only the file's name counts (the bank is one folder)."""
    return "archqa/bank/" + os.path.basename(path)


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
        try:
            index = bank_store()
        except ArchqaError:
            return hits  # no writable cache directory for the index: the store's hits alone
        with index:
            for h in index.search(query, **opts):  # type: ignore[arg-type]
                h.source = bank_source(h.source)
                if h.id not in seen and (source is None or source in h.source):
                    hits.append(h)
        hits.sort(key=lambda h: -h.score)
    return hits[:limit]
