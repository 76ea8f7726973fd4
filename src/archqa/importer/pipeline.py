"""Import Markdown Q&A files into the store: detect, read, repair, enrich, one transaction per file."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from archqa.errors import ArchqaError, InputError
from archqa.formats.blocks import Block, heading_label, parse_blocks
from archqa.formats.dialects import LEAD_SYMBOLS, SourceText, detect, readers
from archqa.formats.house import read_text_document
from archqa.formats.source import decode
from archqa.importer.enrich import classify_cluster, classify_difficulty, repair_text, stub_reason, tags_from
from archqa.limits import file_seconds, read_document_bytes, time_budget
from archqa.model import CLUSTERS, CodeExample, Diagram, Provenance, Question, cluster_of
from archqa.store.store import PreparedRow, Store, StoredQuestion, normalize_title

SUFFIXES = {".md", ".markdown", ".mdx", ".txt"}
MAX_BYTES = 20_000_000


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    status: str
    dialect: str = ""
    questions: int = 0
    flagged: int = 0
    repaired_lines: int = 0
    unrepaired_lines: list[int] = field(default_factory=list)
    error: str = ""


@dataclass
class ImportReport:
    """Every file's result and the duplicate links after the import."""

    files: list[FileResult] = field(default_factory=list)
    exact_duplicates: int = 0
    near_duplicates: int = 0

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def expand_paths(paths: Iterable[str]) -> tuple[list[Path], list[FileResult]]:
    """Files, directories (recursive) and globs -> the Markdown files, plus results for paths that do not exist."""
    out: list[Path] = []
    missing: list[FileResult] = []
    for raw in paths:
        p = Path(raw)
        if any(ch in raw for ch in "*?[") and not p.exists():
            hits = sorted(Path(h) for h in glob.glob(raw, recursive=True))
            if not hits:
                missing.append(FileResult(raw, "failed", error=f"{raw}: the pattern matches no file"))
            out.extend(h for h in hits if h.is_file())
        elif p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES))
        elif p.is_file():
            out.append(p)
        elif p.exists():  # a FIFO, a device or a socket: reading it could wait forever or never end
            missing.append(FileResult(raw, "failed", error=f"{raw}: is not a regular file (a FIFO or a device)"))
        else:
            missing.append(FileResult(raw, "failed", error=f"{raw}: no such file or directory"))
    seen: set[Path] = set()
    unique = []
    for f in out:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, missing


def _qid(path: str, title: str) -> str:
    """A stable id: the first words of the title and a hash of the file and the title."""
    norm = normalize_title(title)
    slug = "-".join(norm.split()[:6]) or "q"
    digest = hashlib.sha1((path + "\0" + norm).encode()).hexdigest()[:8]
    return f"{slug}-{digest}"


LABELS = {
    "key insight": "key_insight",
    "tl;dr": "key_insight",
    "tldr": "key_insight",
    "summary": "key_insight",
    "short answer": "key_insight",
    "key points": "key_points",
    "key takeaways": "key_points",
    "takeaways": "key_points",
    "answer": "answer",
    "a": "answer",
    "answers": "answer",
    "ans": "answer",
    "sample answer": "answer",
    "model answer": "answer",
    "suggested answer": "answer",
    "detailed answer": "answer",
    "solution": "answer",
    "explanation": "answer",
    "keywords": "tags",
    "key concepts": "tags",
    "tags": "tags",
}


MARKUP = re.compile(r"^[^\S\n]*+(```|~~~|[-*+] |\d+[.)] |\||#|<|>|\*\*[^*\n]{1,60}:?\*\*:?)", re.M)
"""Block markup that needs a real parse; an answer without it is one or more plain paragraphs."""


def _fields(blocks: list[Block], answer_md: str | None) -> dict[str, object]:
    """Answer prose, key insight, key points, code and diagrams from a question's body blocks."""
    answer: list[str] = []
    if answer_md:
        if MARKUP.search(answer_md):
            _, extra = parse_blocks(answer_md)
            blocks = extra + blocks
        else:
            answer.append(re.sub(r"\n{3,}", "\n\n", answer_md.strip()))
    key_insight = ""
    key_points: list[str] = []
    code: list[CodeExample] = []
    diagrams: list[Diagram] = []
    tags: list[str] = []
    current = "answer"
    for b in blocks:
        if b.kind in ("fence", "code_block"):
            info = b.fence_info.split()[0].lower() if b.fence_info else ""
            content = b.tokens[0].content.rstrip("\n")
            if info == "mermaid":
                diagrams.append(Diagram(kind="mermaid", source=content))
            elif not info and _looks_like_drawing(content):
                diagrams.append(Diagram(kind="text", source=content))
            elif not info and _looks_like_prose(content):
                answer.append(b.raw)  # an answer written in a plain fence: kept as it is, but as answer text
            else:
                code.append(CodeExample(language=b.fence_info.split()[0] if b.fence_info else "", code=content))
            continue
        if b.kind == "paragraph" and NAVIGATION.match(b.raw):
            continue
        label, rest = heading_label(b)
        if label is not None:
            current = LABELS.get(label.lower(), "answer")
            if current == "tags":
                tags.extend(t.strip() for t in re.split(r"[,;]", rest) if t.strip())
                current = "answer"
                continue
            if current == "key_insight" and rest:
                key_insight = rest
            elif current == "answer" and label.lower() in LABELS:
                if rest:
                    answer.append(rest)
            elif current == "answer" and b.setext:
                answer.append(b.inline.strip())  # most likely a paragraph above a '---' rule
            elif current == "answer":
                answer.append(b.raw if b.kind != "heading" else f"**{label}**")
            continue
        if current == "key_points" and b.kind in ("bullet_list", "ordered_list"):
            from archqa.formats.blocks import list_items

            key_points.extend(t for _, t in list_items(b))
            continue
        if current == "key_insight" and b.kind == "paragraph" and not key_insight:
            key_insight = b.raw.strip()
            continue
        if b.kind == "paragraph" and not answer:
            m = PLAIN_ANSWER_MARK.match(b.raw)  # 'Answer: ...' / 'A: ...' written without bold
            answer.append(b.raw[m.end() :] if m else b.raw)
            continue
        if b.kind in ("paragraph", "bullet_list", "ordered_list", "blockquote", "table", "html_block", "heading"):
            answer.append(b.raw)
    return {
        "answer": "\n\n".join(a for a in answer if a.strip()).strip(),
        "key_insight": key_insight,
        "key_points": key_points,
        "code": code,
        "diagrams": diagrams,
        "tags": tags,
    }


PLAIN_ANSWER_MARK = re.compile(r"^\s*+(?:A|Ans|Answer)\s*+[:.\-–]\s++(?=\S)", re.I)
NAVIGATION = re.compile(r"^\s*+(?:(?:\*\*|__)?+\s*+\[[^\]]*+\]\(#[^)]*+\)\s*+(?:\*\*|__)?+\s*+[|·•]?+\s*+)++$")
"""A paragraph that is only links to anchors in the same page ('[⬆ Back to Top](#contents)'): navigation."""

_CODE_LINE = re.compile(
    r"^\s*+(?:def |class |return\b|import |from \S++ import |(?:if|for|while|elif|else|try|except|with)\b.*:$"
    r"|func |fn |let |const |var |public |private |package |#include|//|/\*|\$ |>>> |SELECT\b|INSERT\b|UPDATE\b"
    r"|CREATE\b|DELETE\b)|[;{}]\s*+$|^\s*+[\w.\[\]]++\s*+[:+\-*/]?=\s*+\S",
    re.I,
)


def _looks_like_prose(content: str) -> bool:
    """Whether an untagged fence holds sentences rather than code or a drawing."""
    lines = [ln for ln in content.split("\n") if ln.strip()]
    if len(lines) < 2:
        return False
    words = len(re.findall(r"[A-Za-z]{2,}", content))
    code_like = sum(1 for ln in lines if _CODE_LINE.search(ln))
    return words >= 4 * len(lines) and code_like <= len(lines) // 8


def _looks_like_drawing(content: str) -> bool:
    box = sum(content.count(c) for c in "─│┌┐└┘═║╔╗╚╝▶◀→←↓↑+|-")
    return box > max(20, len(content) // 10)


_EMPHASIS = re.compile(
    r"(\*\*|__)(?=\S)(.{1,500}?)(?<=\S)\1|(?<![\w*])([*_])(?=[^\s*_])(.{1,500}?)(?<=[^\s*_])\3(?![\w*])"
)
"""Bold or italic spans in a title; a span is at most 500 characters, so a title full of unclosed marks is
read in linear time."""
_TITLE_NUMBER = re.compile(r"^(?:Q(?:uestion)?\s*+(\d+(?:\.\d+)*)?\s*+[.):]|(\d+(?:\.\d+)*)[.):])\s++(?=\S)", re.I)


def clean_title(raw: str) -> tuple[str, int | None]:
    """A question title as plain text: one line, no bold/italic marks or leading decoration, and the number
    a source wrote in front of it ('3. What is ...') taken off and returned."""
    title = " ".join(raw.split())  # the same whitespace as \s
    if "*" in title or "_" in title:
        title = _EMPHASIS.sub(lambda m: m.group(2) or m.group(4), title)
    if title and not title[0].isalpha():
        title = LEAD_SYMBOLS.sub("", title)
    number = None
    m = _TITLE_NUMBER.match(title) if title[:1].isdigit() or title[:1] in "Qq" else None
    if m:
        digits = m.group(1) or m.group(2)
        number = int(digits.rsplit(".", 1)[-1]) if digits else None
        title = title[m.end() :]
    return title.strip(), number


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


def _stored(q: Question, category: str, given_difficulty: str = "", house: bool = False) -> StoredQuestion:
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


def read_file_questions(text: str, path: str, dialect: str | None = None) -> tuple[str, list[StoredQuestion], str]:
    """Detect the dialect (or use the forced one) and read every question of a decoded file.

    Returns the dialect name, the questions, and the file's references as JSON (house format only).
    """
    src = SourceText.parse(text, path)
    if dialect:
        reader = readers().get(dialect)
        if reader is None:
            raise ArchqaError(f"--dialect {dialect!r} is unknown; choose from {', '.join(readers())}")
    else:
        reader, conf = detect(src)
        if conf <= 0:
            raise InputError(
                path,
                None,
                "no recognizable questions",
                "questions need headings, Q:/A: markers or <details> blocks; see `archqa import --help`",
            )
    if reader.name == "house":
        doc = read_text_document(text, path, (src.lines, src.blocks))
        out = []
        for q, lines in zip(doc.set.questions, doc.qlines):
            if not q.id or "id" not in lines.fields:
                q.id = _qid(path, q.title)
            out.append(_stored(q, q.topic, house=True))
        refs = json.dumps(
            {
                "bibliography": [b.model_dump() for b in doc.set.bibliography],
                "glossary": [g.model_dump() for g in doc.set.glossary],
                "tools": [t.model_dump() for t in doc.set.tools],
            }
        )
        return "house", out, refs
    raws = reader.read(src)
    out = []
    for n, rq in enumerate(raws, 1):
        if not rq.title.strip():
            continue
        f = _fields(rq.blocks, rq.answer_md)
        extra_tags: list[str] = f.pop("tags")  # type: ignore[assignment]
        title, number = clean_title(rq.title)
        if rq.meta.get("ask"):
            title = f"{title}: {clean_title(rq.meta['ask'])[0]}" if title else clean_title(rq.meta["ask"])[0]
        q = Question(
            id=_qid(path, title),
            number=rq.number or number or n,
            title=title,
            topic=rq.category,
            tags=tags_from(rq.category, ",".join([rq.meta.get("tags", ""), *extra_tags])),
            provenance=Provenance(file=path, line=rq.line),
            **f,  # type: ignore[arg-type]
        )
        out.append(_stored(q, rq.category, rq.meta.get("difficulty", "")))
    if not out:
        raise InputError(
            path,
            None,
            f"read as {reader.name} but no questions were found",
            "check the file, or force a dialect with --dialect",
        )
    return reader.name, out, "{}"


@dataclass
class _Parsed:
    """A file read and enriched by a worker, ready for the store (or the error that stopped it)."""

    shown: str
    path: str
    sha: str
    size: int
    error: str = ""
    dialect: str = ""
    rows: list[PreparedRow] = field(default_factory=list)
    flagged: int = 0
    refs: str = "{}"
    repaired: int = 0
    unrepaired: list[int] = field(default_factory=list)


def _parse_file(shown: str, path: str, data: bytes, sha: str, dialect: str | None) -> _Parsed:
    """Decode, repair, detect, read and enrich one file. Runs in a worker process."""
    out = _Parsed(shown, path, sha, len(data))
    try:
        with time_budget(file_seconds(len(data)), shown):
            fixed = repair_text(decode(data, shown))
            out.dialect, questions, out.refs = read_file_questions(fixed.text, path, dialect)
            out.rows = [Store.prepare(sq) for sq in questions]
        out.flagged = sum(1 for sq in questions if sq.flags)
        out.repaired, out.unrepaired = fixed.repaired, fixed.unrepaired
    except ArchqaError as exc:
        out.error = str(exc)
    except (RecursionError, MemoryError):
        out.rows = []
        out.error = f"{shown}: this file is nested too deeply or too large to read; split it or simplify it"
    except Exception as exc:  # a reader bug on an unusual file must not stop the other files
        out.error = (
            f"{shown}: archqa could not read this file ({type(exc).__name__}: {exc}); the other files are imported."
            " Please report it with the file, or force another reader with --dialect"
        )
    return out


def _exit_with_parent(parent: int) -> None:
    """Worker start-up: a thread that ends this worker as soon as the importing process is gone (killed with
    -9 it cannot shut its pool down, and the workers would otherwise live on)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, name="archqa-parent-watch", daemon=True).start()


PARALLEL_BYTES = 2_000_000
"""Below this much Markdown a worker pool costs more than it saves."""


def _read_source(f: Path, store: Store, max_bytes: int) -> FileResult | tuple[str, bytes, str]:
    """A file's resolved path, bytes and SHA-256; or its result when it cannot be read or has not changed."""
    path = str(f.resolve())
    try:
        size = f.stat().st_size
        if size > max_bytes:
            raise InputError(
                str(f),
                None,
                f"the file is {size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit",
                "split it, or raise the limit with --max-size",
            )
        data = read_document_bytes(f, max_bytes)
    except ArchqaError as exc:
        return FileResult(str(f), "failed", error=str(exc))
    except OSError as exc:
        return FileResult(str(f), "failed", error=f"{f}: cannot be read: {exc.strerror}")
    sha = hashlib.sha256(data).hexdigest()
    if store.source_sha(path) == sha:
        return FileResult(str(f), "unchanged")
    return path, data, sha


def _finish_next(
    in_flight: deque[tuple[Path, Future[_Parsed] | FileResult]], finish: Callable[[Path, _Parsed | FileResult], None]
) -> None:
    f, job = in_flight.popleft()
    finish(f, job if isinstance(job, FileResult) else job.result())


def import_paths(
    paths: Iterable[str],
    store: Store,
    *,
    dialect: str | None = None,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[Path], None] | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import files into the store, one transaction per file; a bad file never stops the others.

    Files are read in path order and, for imports of more than 2 MB, parsed by a
    pool of worker processes (one per core) while this process writes each
    finished file to the store in its own transaction, in path order. At most a
    few files per worker are in flight, so memory stays bounded however much is
    imported.
    """
    files, missing = expand_paths(paths)
    report = ImportReport(files=list(missing))
    total = 0
    for f in files:
        try:
            total += f.stat().st_size
        except OSError:
            pass
    n_workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    pool = (
        ProcessPoolExecutor(n_workers, initializer=_exit_with_parent, initargs=(os.getpid(),))
        if n_workers > 1 and len(files) > 1 and total > PARALLEL_BYTES
        else None
    )
    # Files in path order, each with its parse still running, or with its result when it needed none.
    in_flight: deque[tuple[Path, Future[_Parsed] | FileResult]] = deque()

    def finish(f: Path, parsed: _Parsed | FileResult) -> None:
        if progress is not None:
            progress(f)
        if isinstance(parsed, FileResult):
            report.files.append(parsed)
            return
        if parsed.error:
            report.files.append(FileResult(parsed.shown, "failed", error=parsed.error))
            return
        store.write_source(
            parsed.path,
            parsed.sha,
            parsed.size,
            parsed.dialect,
            parsed.rows,
            parsed.repaired,
            parsed.unrepaired,
            parsed.refs,
        )
        report.files.append(
            FileResult(
                parsed.shown,
                "imported",
                parsed.dialect,
                len(parsed.rows),
                parsed.flagged,
                parsed.repaired,
                parsed.unrepaired,
            )
        )

    with store.bulk():
        try:
            for f in files:
                got = _read_source(f, store, max_bytes)
                if pool is None:
                    finish(f, got if isinstance(got, FileResult) else _parse_file(str(f), *got, dialect))
                    continue
                in_flight.append(
                    (f, got if isinstance(got, FileResult) else pool.submit(_parse_file, str(f), *got, dialect))
                )
                while len(in_flight) > 3 * n_workers:
                    _finish_next(in_flight, finish)
            while in_flight:
                _finish_next(in_flight, finish)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        report.exact_duplicates, report.near_duplicates = store.relink_duplicates()
    return report
