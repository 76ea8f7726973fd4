"""`archqa import`, `search`, `list`, `show`, `stats`: the local store of imported banks."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from archqa.cli.common import echo, handle_errors


class StoreLocation(click.ParamType):
    """A store file's path, or a ``postgresql://`` URL (kept as text) for a store on a PostgreSQL server."""

    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path):
            return value
        text = str(value)
        if text.startswith(("postgresql://", "postgres://")):
            return text
        if Path(text).is_dir():
            self.fail(f"{text!r} is a folder; pass the store's file (e.g. {Path(text) / 'archqa.db'})", param, ctx)
        return Path(text)


db_option = click.option(
    "--db",
    "db",
    type=StoreLocation(),
    default=None,
    envvar="ARCHQA_DB",
    help="Store file, or a postgresql:// URL [env ARCHQA_DB; default ~/.local/share/archqa/archqa.db].",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output for people (text) or scripts (json).",
)


def _filters(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--source", default=None, help="Only questions from files whose path contains this.")(func)
    func = click.option("--tag", default=None, help="Only questions with this tag.")(func)
    func = click.option(
        "--difficulty",
        type=click.Choice(["foundational", "intermediate", "advanced"], case_sensitive=False),
        default=None,
        help="Only questions of this difficulty.",
    )(func)
    func = click.option(
        "--topic",
        default=None,
        help="Only questions whose topic contains this or whose cluster is "
        "this (structural, behavioral, quality, data, integration, evolution).",
    )(func)
    return func


@click.command("import")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--dialect",
    default=None,
    help="Force one reader for the whole file instead of choosing readers per part of it (house, front-matter, "
    "details, qa-markers, qa-headings, sections, qa-table, numbered, list-cards, bold-questions, cards, "
    "question-list).",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Do not import: show for each file which reader read which lines, the questions found, what was "
    "skipped and why, suspicious titles and lines that look like lost questions.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit with status 3 when a file may have lost questions (lines that look like questions were not "
    "read, or a code fence was left open); the files are imported all the same.",
)
@click.option("--max-size", type=click.IntRange(1), default=20, show_default=True, help="Largest file to import, MB.")
@db_option
@format_option
@handle_errors
def import_(
    paths: tuple[str, ...], dialect: str | None, explain: bool, strict: bool, max_size: int, db: Path | None, fmt: str
) -> None:
    """Import Markdown Q&A files, directories (recursive) or globs into the store.

    Readers are chosen per part of each file (per top-level section);
    mojibake is repaired; topics and difficulty are assigned with a
    confidence and a reason; duplicates across files are linked. A file is
    imported in one transaction: a bad file is reported and the others still
    import. A file that may have lost questions is imported with a warning
    naming the lines (see --explain). Exit status 1 if any file failed, 3
    with --strict if a file may have lost questions.
    """
    if explain:
        _explain(paths, dialect, fmt)
        return
    from archqa.importer.pipeline import import_paths
    from archqa.store import Store

    with Store.open(db) as store:
        show = fmt == "text" and sys.stderr.isatty()
        if show:
            with click.progressbar(length=0, label="importing", file=sys.stderr) as bar:

                def tick(p: Path) -> None:
                    bar.label = f"importing {p.name}"
                    bar.update(1)

                report = import_paths(paths, store, dialect=dialect, max_bytes=max_size * 1_000_000, progress=tick)
        else:
            report = import_paths(paths, store, dialect=dialect, max_bytes=max_size * 1_000_000)
        imported = [str(Path(f.path).resolve()) for f in report.files if f.status == "imported"]
        pairs = store.duplicate_pairs(imported) if imported else []
    losing = [f for f in report.files if f.status == "imported" and f.loses_questions]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "files": [vars(f) | {"loses_questions": f.loses_questions} for f in report.files],
                    "exact_duplicates": report.exact_duplicates,
                    "near_duplicates": report.near_duplicates,
                    "new_duplicate_pairs": [vars(p) for p in pairs],
                    "files_that_may_lose_questions": len(losing),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for f in report.files:
            if f.status == "failed":
                echo(f"failed     {f.error}", err=True)
                continue
            echo(f"{f.status:<10} {f.path}{_file_summary(f)}")
            if f.status == "imported":
                for line in _file_warnings(f):
                    echo(line, err=True)
        echo(f"duplicates in the store: {report.exact_duplicates} exact, {report.near_duplicates} near")
        if pairs:
            echo(f"duplicates touching these files ({len(pairs)}):")
            for p in pairs[:10]:
                (ia, ta, pa, la), (ib, tb, pb, lb) = p.a, p.b
                sim = "exact" if p.kind == "exact" else f"near {p.similarity:.2f}"
                echo(f"  {sim:<9} {Path(pa).name}:{la} {ta!r} ({ia})")
                echo(f"  {'':<9} {Path(pb).name}:{lb} {tb!r} ({ib})")
            if len(pairs) > 10:
                echo(f"  ... and {len(pairs) - 10} more (--format json lists them all; archqa show ID)")
        if losing:
            echo(
                f"{len(losing)} file{'s' if len(losing) != 1 else ''} may have lost questions (warnings above); "
                "see what was read with `archqa import --explain FILE`",
                err=True,
            )
    if report.failed:
        sys.exit(1)
    if strict and losing:
        sys.exit(3)


def _file_summary(f: Any) -> str:
    if f.status != "imported":
        return ""
    extra = f" [{f.dialect}] {f.questions} question{'s' if f.questions != 1 else ''}"
    if f.flagged:
        extra += f", {f.flagged} flagged (empty or stub answers)"
    if f.skipped_regions:
        extra += f", {f.skipped_regions} skipped region{'s' if f.skipped_regions != 1 else ''}"
    if f.suspicious:
        extra += f", {len(f.suspicious)} suspicious"
    if f.repaired_lines:
        extra += f", {f.repaired_lines} lines repaired"
    if f.unrepaired_lines:
        shown = ", ".join(map(str, f.unrepaired_lines[:10]))
        extra += f"; could not repair lines {shown}{' ...' if len(f.unrepaired_lines) > 10 else ''}"
    return extra


def _file_warnings(f: Any) -> list[str]:
    out = [f"warning    {f.path}:{line}: {message}" for line, message in f.warnings]
    for line, text in f.lost[:5]:
        out.append(f"warning    {f.path}:{line}: looks like a question but was not imported: {text!r}")
    if len(f.lost) > 5:
        out.append(f"warning    {f.path}: ... and {len(f.lost) - 5} more lines that look like questions")
    return out


def _explain(paths: tuple[str, ...], dialect: str | None, fmt: str) -> None:
    from archqa.errors import ArchqaError
    from archqa.importer.explain import explain_file, explanation_json, explanation_lines
    from archqa.importer.pipeline import expand_paths

    files, missing = expand_paths(paths)
    failed = [m.error for m in missing]
    data = []
    for f in files:
        try:
            ex = explain_file(f, dialect)
        except ArchqaError as exc:
            failed.append(str(exc))
            continue
        if fmt == "json":
            data.append(explanation_json(ex))
        else:
            for line in explanation_lines(ex):
                echo(line)
    if fmt == "json":
        click.echo(json.dumps({"files": data, "failed": failed}, indent=2, ensure_ascii=False))
    for message in failed:
        echo(f"failed     {message}", err=True)
    if failed:
        sys.exit(1)


def _print_hits(hits: list[Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([vars(h) for h in hits], indent=2, ensure_ascii=False))
        return
    for h in hits:
        echo(f"{h.id}  [{h.difficulty or '?'} · {h.topic}]  {h.title}")
        if h.snippet.strip():
            echo(f"    {' '.join(h.snippet.split())}")
        echo(f"    {h.source}:{h.line}")


@click.command()
@click.argument("query")
@click.option("--any", "any_words", is_flag=True, help="Match questions with any of the words (default: all).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Most results to show.")
@click.option(
    "--bank/--no-bank",
    default=True,
    show_default=True,
    help="Search the bundled bank too (its sources show as archqa/bank/FILE).",
)
@_filters
@db_option
@format_option
@handle_errors
def search(
    query: str,
    any_words: bool,
    limit: int,
    bank: bool,
    topic: str | None,
    difficulty: str | None,
    tag: str | None,
    source: str | None,
    db: Path | None,
    fmt: str,
) -> None:
    """Full-text search of the store and the bundled bank, best matches first (bm25, titles weigh most)."""
    from archqa.importer.bank_index import search_everywhere
    from archqa.store import Store

    with Store.open(db) as store:
        hits = search_everywhere(
            store,
            query,
            bank=bank,
            any_words=any_words,
            topic=topic,
            difficulty=difficulty,
            tag=tag,
            source=source,
            limit=limit,
        )
    _print_hits(hits, fmt)


@click.command("list")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True, help="Most questions to list.")
@_filters
@db_option
@format_option
@handle_errors
def list_(
    limit: int,
    topic: str | None,
    difficulty: str | None,
    tag: str | None,
    source: str | None,
    db: Path | None,
    fmt: str,
) -> None:
    """List stored questions in import order."""
    from archqa.store import Store

    with Store.open(db) as store:
        _print_hits(store.list(topic=topic, difficulty=difficulty, tag=tag, source=source, limit=limit), fmt)


@click.command()
@click.argument("question_id")
@click.option(
    "--history",
    is_flag=True,
    help="Show your past answers to the question instead, oldest first: date, rating and each key point's "
    "verdict (the grader's and yours). Works for bank questions too.",
)
@db_option
@format_option
@handle_errors
def show(question_id: str, history: bool, db: Path | None, fmt: str) -> None:
    """Show one stored question with its classification, flags, duplicates and source (or --history)."""
    from archqa.errors import ConfigError
    from archqa.formats.house import write_question
    from archqa.store import Store

    if history:
        _show_history(question_id, db, fmt)
        return
    with Store.open(db) as store:
        info = store.get(question_id)
    if info is None:
        from archqa.importer.bank_index import bank_source, bank_store

        with bank_store() as bank:  # a bundled-bank question, as `archqa search` shows them
            info = bank.get(question_id)
        if info is not None:
            info["source"] = bank_source(str(info["source"]))
    if info is None:
        raise ConfigError(f"no question with id {question_id!r} in the store; find ids with `archqa search` or `list`")
    q = info["question"]
    if fmt == "json":
        out = dict(info)
        out["question"] = q.model_dump(mode="json")  # type: ignore[attr-defined]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    echo(write_question(q, {}))  # type: ignore[arg-type]
    echo("")
    echo(f"source: {info['source']}:{q.provenance.line if q.provenance else '?'}")  # type: ignore[attr-defined]
    echo(f"cluster: {info['cluster']} (confidence {info['cluster_confidence']}): {info['cluster_reason']}")
    echo(
        f"difficulty: {q.difficulty.value if q.difficulty else '?'} "  # type: ignore[attr-defined]
        f"(confidence {info['difficulty_confidence']}): {info['difficulty_reason']}"
    )
    if info["flags"]:
        echo(f"flags: {', '.join(info['flags'])}")  # type: ignore[arg-type]
    for d in info["duplicates"]:  # type: ignore[attr-defined]
        echo(f"duplicate ({d['kind']}, {d['similarity']}): {d['id']}")


def _show_history(question_id: str, db: Path | None, fmt: str) -> None:
    from archqa.cli.term import width
    from archqa.errors import ConfigError
    from archqa.practice import PracticeLog
    from archqa.practice.progress import find_question, history_json, history_lines
    from archqa.store import Store

    with Store.open(db) as store:
        reviews = PracticeLog(store).history(question_id)
        question = find_question(store, question_id)
    if question is None and not reviews:
        raise ConfigError(
            f"no question with id {question_id!r} in the store or the bank, and no answers to it; find ids with "
            "`archqa search` or `list`"
        )
    if fmt == "json":
        click.echo(json.dumps(history_json(question_id, question, reviews), indent=2, ensure_ascii=False))
        return
    for line in history_lines(question_id, question, reviews, width()):
        echo(line)


@click.command()
@db_option
@format_option
@handle_errors
def stats(db: Path | None, fmt: str) -> None:
    """Counts by source, topic, cluster and difficulty; flagged items and duplicates; practice reviews."""
    from archqa.practice import practice_stats
    from archqa.practice.schedule import stats_lines
    from archqa.store import Store

    with Store.open(db) as store:
        data = store.stats()
        data["practice"] = practice_stats(store)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    echo(f"{data['questions']} questions in {len(data['sources'])} sources")  # type: ignore[arg-type]
    for key in ("by_cluster", "by_topic", "by_difficulty", "flagged", "duplicates"):
        values: dict[str, int] = data[key]  # type: ignore[assignment]
        if values:
            echo(f"{key.replace('_', ' ')}: " + ", ".join(f"{k or '?'} {v}" for k, v in values.items()))
    for s in data["sources"]:  # type: ignore[attr-defined]
        echo(f"  {s['questions']:>5}  [{s['dialect']}] {s['path']}")
    for line in stats_lines(data["practice"]):  # type: ignore[arg-type]
        echo(line)


COMMANDS: tuple[click.Command, ...] = (import_, search, list_, show, stats)
"""The commands this module adds to ``archqa`` (``archqa.cli.app`` assembles them)."""
