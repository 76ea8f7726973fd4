"""The app's view of the library: the local store and the bundled bank's index, one connection per thread.

Starlette runs plain endpoints in a thread pool, and a SQLite connection belongs to the thread that opened it,
so each worker thread opens the two stores once and keeps them.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from starlette.requests import Request

from archqa.importer.bank_index import bank_source, bank_store
from archqa.model import BibEntry, GlossaryEntry, Question, Tool, split_refs
from archqa.serve.config import ServeConfig
from archqa.store.db import is_postgres_url
from archqa.store.store import SearchHit, Store


@dataclass
class Found:
    """A question and where it lives: its source as archqa shows it, and the references its source carried."""

    question: Question
    source: str
    cluster: str
    in_bank: bool
    bibliography: list[BibEntry] = field(default_factory=list)
    glossary: list[GlossaryEntry] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)


CHECKPOINT_SECONDS = 1.0
"""How often the app copies the store's write-ahead log back into the database."""


class Library:
    """Read access to the store and the bank for the web app (writes go through the library's own modules)."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self._local = threading.local()
        self._refs: dict[str, dict[str, object]] = {}
        self._facets: tuple[tuple[int, ...], dict[str, list[tuple[str, int]]]] | None = None
        self._checkpointer: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.write_lock = threading.Lock()
        """Held around every write to the store: the worker threads take turns here instead of in SQLite's
        busy handler, whose back-off sleeps (up to 100 ms a try) made the slowest rating wait almost a second."""
        self.on_postgres = is_postgres_url(str(config.db)) if config.db is not None else False
        """True for a PostgreSQL store, which locks rows itself: its writes need neither the lock nor the loop."""

    @staticmethod
    def _shown(path: str) -> str:
        """A bank file's path as archqa shows it (``archqa/bank/FILE``; see ``bank_source``)."""
        return bank_source(path)

    def store(self) -> Store:
        """This thread's connection to the local store.

        Its commits never copy the write-ahead log back into the database (a checkpoint, with its fsyncs, took
        a rating that happened to trigger it from 1 ms to tens): a background thread does that every second.
        """
        s = getattr(self._local, "store", None)
        if s is None:
            s = self._local.store = Store.open(self.config.db)
            s.published_only = self.config.team  # a team's bank shows only what a reviewer approved
            if not s.is_postgres:
                s.db.execute("PRAGMA wal_autocheckpoint=0")
                self._start_checkpoints()
        return s

    def _start_checkpoints(self) -> None:
        with self._start_lock:
            if self._checkpointer is not None:
                return
            self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="archqa-checkpoint", daemon=True)
            self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        import sqlite3

        db = Store.open(self.config.db).db
        while True:
            time.sleep(CHECKPOINT_SECONDS)
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")  # never waits for, nor blocks, a writer
            except sqlite3.Error:
                pass

    def bank(self) -> Store:
        """This thread's connection to the bundled bank's index (built on first use)."""
        b = getattr(self._local, "bank", None)
        if b is None:
            b = self._local.bank = bank_store()
        return b

    def search(
        self,
        query: str,
        *,
        topic: str | None = None,
        difficulty: str | None = None,
        tag: str | None = None,
        source: str | None = None,
        limit: int = 50,
    ) -> list[SearchHit]:
        """Ranked hits from both stores (bank sources shown as ``archqa/bank/FILE``), or every question in order
        when the query is empty."""
        out: list[SearchHit] = []
        opts = {"topic": topic, "difficulty": difficulty, "tag": tag, "limit": limit}
        for store, is_bank in ((self.bank(), True), (self.store(), False)):
            if source == "bank" and not is_bank or source == "imported" and is_bank:
                continue
            hits = store.search(query, **opts) if query.strip() else store.list(**opts)  # type: ignore[arg-type]
            for h in hits:
                if is_bank:
                    h.source = self._shown(h.source)
            out += hits
        if query.strip():
            out.sort(key=lambda h: -h.score)
        return out[:limit]

    def find(self, qid: str) -> Found | None:
        """A question by id, from the store first, then the bank."""
        for store, is_bank in ((self.store(), False), (self.bank(), True)):
            info = store.get(qid)
            if info is None:
                continue
            path = str(info["source"])
            refs = self._source_refs(store, path, is_bank)
            q = info["question"]
            assert isinstance(q, Question)
            cited = _cited(q)
            return Found(
                question=q,
                source=self._shown(path) if is_bank else path,
                cluster=str(info["cluster"]),
                in_bank=is_bank,
                bibliography=[BibEntry.model_validate(b) for b in _list(refs, "bibliography") if b.get("id") in cited],
                glossary=[GlossaryEntry.model_validate(g) for g in _list(refs, "glossary") if g.get("id") in cited],
                tools=[Tool.model_validate(t) for t in _list(refs, "tools") if t.get("id") in cited],
            )
        return None

    def version(self) -> tuple[int, ...]:
        """Changes whenever the store's questions or sources change (the bank never changes while running)."""
        # on a team server an edit (a new version) or a decision (a status) changes what a page shows, too
        review = ", coalesce(sum(version), 0), sum(CASE WHEN status = 'published' THEN 1 ELSE 0 END)"
        row = (
            self.store()
            .db.execute(
                "SELECT count(*), coalesce(max(rowid), 0), (SELECT coalesce(max(id), 0) FROM sources)"
                + (review if self.config.team else "")
                + " FROM questions"
            )
            .fetchone()
        )
        return tuple(row)

    def facets(self) -> dict[str, list[tuple[str, int]]]:
        """Topics, difficulties, tags and sources with their question counts, for the filter form.

        Kept until the store's questions change (their count or last row id; the bank never changes)."""
        key = self.version()
        cached = self._facets
        if cached is not None and cached[0] == key:
            return cached[1]
        facets = self._count_facets()
        self._facets = (key, facets)
        return facets

    def _count_facets(self) -> dict[str, list[tuple[str, int]]]:
        topics: dict[str, int] = {}
        levels: dict[str, int] = {}
        tags: dict[str, int] = {}
        own = " WHERE questions.status = 'published'" if self.config.team else ""
        for store, where in ((self.bank(), ""), (self.store(), own)):
            for topic, n in store.db.execute(f"SELECT topic, count(*) FROM questions{where} GROUP BY topic"):
                topics[topic] = topics.get(topic, 0) + n
            for level, n in store.db.execute(f"SELECT difficulty, count(*) FROM questions{where} GROUP BY difficulty"):
                levels[level or "Unrated"] = levels.get(level or "Unrated", 0) + n
            tag_sql = f"SELECT value, count(*) FROM questions, {store.json_values('questions.tags')}{where} GROUP BY 1"
            for tag, n in store.db.execute(tag_sql):
                tags[tag] = tags.get(tag, 0) + n
        bank_n = self.bank().db.execute("SELECT count(*) FROM questions").fetchone()[0]
        own_n = self.store().db.execute(f"SELECT count(*) FROM questions{own}").fetchone()[0]
        order = {"Foundational": 0, "Intermediate": 1, "Advanced": 2}
        return {
            "topic": sorted(topics.items()),
            "difficulty": sorted(levels.items(), key=lambda kv: order.get(kv[0], 9)),
            "tag": sorted(tags.items()),
            "source": [("bank", bank_n), ("imported", own_n)],
        }

    def _source_refs(self, store: Store, path: str, is_bank: bool) -> dict[str, object]:
        key = f"{is_bank}:{path}"
        if key not in self._refs:
            raw = store.source_refs().get(path) or "{}"
            try:
                self._refs[key] = json.loads(raw)
            except ValueError:
                self._refs[key] = {}
        return self._refs[key]


def library(request: Request) -> Library:
    """The app's Library (``app.state.library``, set by ``create_app``)."""
    lib = request.app.state.library
    assert isinstance(lib, Library)
    return lib


def config_of(request: Request) -> ServeConfig:
    """The app's ServeConfig (``app.state.config``)."""
    config = request.app.state.config
    assert isinstance(config, ServeConfig)
    return config


def _list(refs: dict[str, object], key: str) -> list[dict[str, object]]:
    value = refs.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _cited(q: Question) -> set[str]:
    """Every reference id the question's text cites (``[Ref: A1, G3]``)."""
    from archqa.model import CITATION

    text = q.model_dump_json()
    return {r for m in CITATION.finditer(text) for r in split_refs(m.group(1))}
