"""A bank: house-format files merged into one pool of questions and references.

Parsing Markdown is the slow part, so each file's parse is kept in an on-disk
SQLite cache keyed by the file's size and modification time. Selection reads
only the small per-question metadata; full questions are loaded for the few
that are chosen.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from archqa.errors import InputError
from archqa.formats.house import read_document
from archqa.model import BibEntry, GlossaryEntry, Question, Tool, type_slug
from archqa.text import terms

if TYPE_CHECKING:
    from archqa.store import Store

CACHE_VERSION = 6


def bundled_bank() -> Path:
    """The directory of the bank shipped with archqa."""
    return Path(str(resources.files("archqa") / "bank"))


def cache_dir() -> Path:
    """Where archqa keeps its caches: $ARCHQA_CACHE_DIR, else $XDG_CACHE_HOME/archqa, else ~/.cache/archqa."""
    if os.environ.get("ARCHQA_CACHE_DIR"):
        return Path(os.environ["ARCHQA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "archqa"


class Loader(Protocol):
    """Where a Bank gets full questions and similarity details: the parse cache or the import store."""

    def questions(self, keys: list[int]) -> dict[int, Question]: ...

    def details(self, entries: Sequence[Entry]) -> None: ...


class Entry:
    """What selection needs to know about a question, without loading all of it.

    The bank loads id, topic, difficulty, tags and languages for every question;
    the similarity terms and the text are fetched on first use, only for the
    candidates a slot actually considers.
    """

    __slots__ = (
        "key",
        "id",
        "file",
        "topic",
        "difficulty",
        "hash",
        "complete",
        "kind",
        "_tags",
        "_langs",
        "_terms",
        "_text",
        "_bank",
    )

    def __init__(
        self,
        key: int,
        id: str,
        file: str,
        topic: str,
        difficulty: int,
        hash: int,
        tags: str,
        languages: str,
        complete: float = 1.0,
        bank: Loader | None = None,
        kind: str = "",
    ) -> None:
        self.key, self.id, self.file, self.topic, self.difficulty = key, id, file, topic, difficulty
        self.hash = hash
        self.complete = complete
        self.kind = kind
        """The question's type as a slug ('case-study', 'design', 'trade-off'; '' when it states none)."""
        """0..1: share of key insight, answer, 3-6 key points and code that the question has."""
        self._tags: frozenset[str] | str = tags
        self._langs: frozenset[str] | str = languages
        self._terms: frozenset[str] | None = None
        self._text = ""
        self._bank = bank

    @property
    def tags(self) -> frozenset[str]:
        if isinstance(self._tags, str):
            self._tags = frozenset(x for x in self._tags.split(",") if x)
        return self._tags

    @property
    def languages(self) -> frozenset[str]:
        if isinstance(self._langs, str):
            self._langs = frozenset(x for x in self._langs.split(",") if x)
        return self._langs

    def _details(self) -> None:
        assert self._bank is not None
        self._bank.details([self])

    @property
    def terms(self) -> frozenset[str]:
        if self._terms is None:
            self._details()
        assert self._terms is not None
        return self._terms

    @property
    def text(self) -> str:
        if self._terms is None:
            self._details()
        return self._text


@dataclass
class FileRefs:
    """The references of one bank file, by the ids that file uses."""

    bibliography: dict[str, BibEntry] = field(default_factory=dict)
    glossary: dict[str, GlossaryEntry] = field(default_factory=dict)
    tools: dict[str, Tool] = field(default_factory=dict)


@dataclass
class Bank:
    """Questions from one or more house-format files, and their references."""

    paths: list[str]
    entries: list[Entry]
    refs: dict[str, FileRefs]
    topics: list[str]
    overviews: dict[str, str]
    _loader: Loader | None = None
    _full: dict[int, Question] = field(default_factory=dict)

    def question(self, entry: Entry) -> Question:
        """The full question behind an entry."""
        if entry.key not in self._full:
            assert self._loader is not None
            self._full.update(self._loader.questions([entry.key]))
        return self._full[entry.key].model_copy(deep=True)

    def questions(self, entries: Sequence[Entry]) -> list[Question]:
        missing = [e.key for e in entries if e.key not in self._full]
        if missing:
            assert self._loader is not None
            self._full.update(self._loader.questions(missing))
        return [self._full[e.key].model_copy(deep=True) for e in entries]


def _bank_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(str(path), None, "bank not found", "pass a directory of house-format .md files to --bank")
    files = sorted(p for p in path.rglob("*.md") if p.is_file())
    if not files:
        raise InputError(str(path), None, "the bank directory has no .md files", "add house-format files or fix --bank")
    return files


def completeness(q: Question) -> float:
    """Share of the parts a practisable question needs: key insight, answer, 3-8 key points, code."""
    parts = [bool(q.key_insight.strip()), bool(q.answer.strip()), 3 <= len(q.key_points) <= 8, bool(q.code)]
    return sum(parts) / len(parts)


def _entry_fields(q: Question) -> tuple[str, str, str, str, str]:
    from archqa.validate.code import canonical  # not at import: reading the bank needs no validator

    langs = sorted({canonical(c.language) or c.language.lower() for c in q.code if c.language})
    text = " ".join([q.title, q.key_insight, " ".join(q.tags)])
    return (",".join(q.tags), ",".join(langs), " ".join(sorted(terms(text))), q.title, q.key_insight)


class _Cache:
    """The SQLite file that holds parsed bank files. Disposable: rebuilt when its version changes."""

    def __init__(self, path: Path | None) -> None:
        self.db: sqlite3.Connection
        try:
            if path is None:
                raise OSError
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path)
            self.db.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error):
            self.db = sqlite3.connect(":memory:")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version != CACHE_VERSION:
            with self.db:
                for table in ("files", "questions", "refs", "topics"):
                    self.db.execute(f"DROP TABLE IF EXISTS {table}")
                self.db.executescript(
                    """
                    CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER);
                    CREATE TABLE questions (key INTEGER PRIMARY KEY, file TEXT, ord INTEGER, id TEXT, topic TEXT,
                        difficulty INTEGER, hash INTEGER, complete REAL, kind TEXT, tags TEXT, languages TEXT,
                        terms TEXT,
                        title TEXT, insight TEXT, data TEXT);
                    CREATE INDEX questions_file ON questions(file);
                    CREATE TABLE refs (file TEXT, kind TEXT, local_id TEXT, data TEXT);
                    CREATE INDEX refs_file ON refs(file);
                    CREATE TABLE topics (file TEXT, ord INTEGER, name TEXT, overview TEXT);
                    """
                )
                self.db.execute(f"PRAGMA user_version={CACHE_VERSION}")

    def refresh(self, files: Iterable[Path]) -> None:
        """Parse each file whose size or mtime changed; one transaction per file."""
        for p in files:
            st = p.stat()
            key = str(p.resolve())
            row = self.db.execute("SELECT size, mtime_ns FROM files WHERE path=?", (key,)).fetchone()
            if row == (st.st_size, st.st_mtime_ns):
                continue
            doc = read_document(p)
            with self.db:
                self.db.execute("DELETE FROM questions WHERE file=?", (key,))
                self.db.execute("DELETE FROM refs WHERE file=?", (key,))
                self.db.execute("DELETE FROM topics WHERE file=?", (key,))
                rows = []
                for i, q in enumerate(doc.set.questions):
                    diff = q.difficulty.rank if q.difficulty is not None else -1
                    h = int.from_bytes(hashlib.blake2b(q.id.encode(), digest_size=7).digest(), "big")
                    rows.append(
                        (
                            key,
                            i,
                            q.id,
                            q.topic,
                            diff,
                            h,
                            completeness(q),
                            type_slug(q.type),
                            *_entry_fields(q),
                            q.model_dump_json(),
                        )
                    )
                self.db.executemany(
                    "INSERT INTO questions (file, ord, id, topic, difficulty, hash, complete, kind, tags,"
                    " languages, terms, title, insight, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
                s = doc.set
                refs = [(key, "bib", b.id, b.model_dump_json()) for b in s.bibliography]
                refs += [(key, "gloss", g.id, g.model_dump_json()) for g in s.glossary]
                refs += [(key, "tool", t.id, t.model_dump_json()) for t in s.tools]
                self.db.executemany("INSERT INTO refs VALUES (?,?,?,?)", refs)
                self.db.executemany(
                    "INSERT INTO topics VALUES (?,?,?,?)",
                    [(key, i, t.name, t.overview) for i, t in enumerate(s.topics)],
                )
                self.db.execute("INSERT OR REPLACE INTO files VALUES (?,?,?)", (key, st.st_size, st.st_mtime_ns))

    def entries(self, files: list[str]) -> list[Entry]:
        out = []
        marks = ",".join("?" * len(files))
        cur = self.db.execute(
            f"SELECT key, id, file, topic, difficulty, hash, tags, languages, complete, kind FROM questions"
            f" WHERE file IN ({marks}) ORDER BY file, ord",
            files,
        )
        out = [Entry(k, i, f, t, d, h, tg, lg, c, bank=self, kind=kd) for k, i, f, t, d, h, tg, lg, c, kd in cur]
        order = {f: i for i, f in enumerate(files)}
        out.sort(key=lambda e: order[e.file])
        return out

    def details(self, entries: Sequence[Entry]) -> None:
        """Fill in the similarity terms and text of entries, in one query per 500."""
        todo = [e for e in entries if e._terms is None]
        by_key = {e.key: e for e in todo}
        keys = list(by_key)
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for key, tms, title, insight in self.db.execute(
                f"SELECT key, terms, title, insight FROM questions WHERE key IN ({marks})", chunk
            ):
                e = by_key[key]
                e._terms = frozenset(tms.split())
                e._text = f"{title} {insight}"

    def refs(self, files: list[str]) -> dict[str, FileRefs]:
        out = {f: FileRefs() for f in files}
        marks = ",".join("?" * len(files))
        for file, kind, local_id, data in self.db.execute(
            f"SELECT file, kind, local_id, data FROM refs WHERE file IN ({marks})", files
        ):
            r = out[file]
            if kind == "bib":
                r.bibliography[local_id] = BibEntry.model_validate_json(data)
            elif kind == "gloss":
                r.glossary[local_id] = GlossaryEntry.model_validate_json(data)
            else:
                r.tools[local_id] = Tool.model_validate_json(data)
        return out

    def topics(self, files: list[str]) -> tuple[list[str], dict[str, str]]:
        names: list[str] = []
        overviews: dict[str, str] = {}
        for f in files:
            for name, overview in self.db.execute("SELECT name, overview FROM topics WHERE file=? ORDER BY ord", (f,)):
                if name not in overviews:
                    names.append(name)
                    overviews[name] = overview
        return names, overviews

    def questions(self, keys: list[int]) -> dict[int, Question]:
        out = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for key, data in self.db.execute(f"SELECT key, data FROM questions WHERE key IN ({marks})", chunk):
                out[key] = Question.model_validate_json(data)
        return out


class _StoreLoader:
    """Serves a Bank from the import store: every question is already parsed there."""

    def __init__(self, full: dict[int, Question]) -> None:
        self.full = full

    def questions(self, keys: list[int]) -> dict[int, Question]:
        return {k: self.full[k] for k in keys}

    def details(self, entries: Sequence[Entry]) -> None:
        for e in entries:
            if e._terms is None:
                q = self.full[e.key]
                e._terms = terms(" ".join([q.title, q.key_insight, " ".join(q.tags)]))
                e._text = f"{q.title} {q.key_insight}"


def load_store_bank(db: str | Path | None = None) -> Bank:
    """A Bank over the import store: topics are the six clusters where a question was classified."""
    from archqa.store import Store

    with Store.open(db) as store:
        return store_bank(store, str(db or "store"))


def store_bank(store: Store, shown: str = "store") -> Bank:
    """A Bank over an open store (its ``published_only`` applies): see ``load_store_bank``."""
    from archqa.model import CLUSTERS

    full: dict[int, Question] = {}
    entries: list[Entry] = []
    refs: dict[str, FileRefs] = {}
    paths: list[str] = []
    loader = _StoreLoader(full)
    for path, raw in store.source_refs().items():
        data = json.loads(raw)
        refs[path] = FileRefs(
            bibliography={b["id"]: BibEntry.model_validate(b) for b in data.get("bibliography", [])},
            glossary={g["id"]: GlossaryEntry.model_validate(g) for g in data.get("glossary", [])},
            tools={t["id"]: Tool.model_validate(t) for t in data.get("tools", [])},
        )
        paths.append(path)
    for key, (qid, cluster, topic, _difficulty, data, path) in enumerate(store.iter_questions()):
        q = Question.model_validate_json(data)
        q.topic = CLUSTERS.get(cluster, topic or "Other")
        full[key] = q
        diff = q.difficulty.rank if q.difficulty is not None else -1
        h = int.from_bytes(hashlib.blake2b(qid.encode(), digest_size=7).digest(), "big")
        from archqa.validate.code import canonical

        langs = ",".join(sorted({canonical(c.language) or c.language.lower() for c in q.code if c.language}))
        entries.append(
            Entry(
                key,
                qid,
                path,
                q.topic,
                diff,
                h,
                ",".join(q.tags),
                langs,
                completeness(q),
                bank=loader,
                kind=type_slug(q.type),
            )
        )
    if not entries:
        raise InputError(shown, None, "the store has no questions", "import some with `archqa import PATH`")
    topics = [t for t in CLUSTERS.values() if any(e.topic == t for e in entries)]
    return Bank(paths=paths, entries=entries, refs=refs, topics=topics, overviews={}, _loader=loader, _full=dict(full))


def load_bank(path: str | Path | None = None, *, cache: bool = True) -> Bank:
    """Load a bank directory (default: the bundled bank), parsing only files that changed.

    ``"store"`` (or ``"store:PATH"``) draws from the import store instead.
    """
    if isinstance(path, str) and (path == "store" or path.startswith("store:")):
        return load_store_bank(path[6:] or None)
    root = Path(path) if path is not None else bundled_bank()
    files = _bank_files(root)
    loader = _Cache(cache_dir() / "bank-cache.sqlite" if cache else None)
    loader.refresh(files)
    keys = [str(p.resolve()) for p in files]
    entries = loader.entries(keys)
    seen: dict[str, str] = {}
    for e in entries:
        if e.id in seen and seen[e.id] != e.file:
            raise InputError(
                e.file,
                None,
                f"question id `{e.id}` is also used in {seen[e.id]}",
                "give every question in a bank a unique **ID**",
            )
        seen[e.id] = e.file
    topics, overviews = loader.topics(keys)
    return Bank(paths=keys, entries=entries, refs=loader.refs(keys), topics=topics, overviews=overviews, _loader=loader)
