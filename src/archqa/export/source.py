"""What an export reads: a set file, a bank, and the topic and difficulty filters over it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from archqa.errors import ConfigError, InputError
from archqa.export.render import slug
from archqa.formats.blocks import slugify
from archqa.formats.house import ordered_topics, read_set
from archqa.model import CLUSTERS, Difficulty, GlossaryEntry, QuestionSet, Tool, Topic, cluster_of

BANK = "bank"
"""The SOURCE word for the bundled bank."""
STORE = "store"
"""The SOURCE word for the import store (``store:PATH`` names another store file)."""


def load_source(source: str | Path) -> QuestionSet:
    """Resolve an export SOURCE to a QuestionSet, numbered 1..N in topic order.

    ``"bank"`` is the bundled bank; a directory is read as a bank of house-format
    files (as ``archqa generate --bank``); anything else is a house-format set file.
    Raises InputError (exit 2) when the source cannot be read.
    """
    if str(source) == BANK:
        return _bank_set(None, "archqa question bank")
    if str(source) == STORE or str(source).startswith(STORE + ":"):
        return _store_set(str(source)[len(STORE) + 1 :] or None)
    path = Path(source)
    if path.is_dir():
        return _bank_set(path, f"Questions from {path.name or path}")
    if not path.exists():
        raise InputError(
            str(path),
            None,
            "no such file",
            "pass a house-format .md file, a directory of them, the word `bank` for the bundled bank or `store` for"
            " the questions you imported",
        )
    return number_questions(read_set(path))


def _bank_set(path: Path | None, title: str) -> QuestionSet:
    from archqa.generate.assemble import merge_citations
    from archqa.generate.bank import bundled_bank, load_bank

    bank = load_bank(path)
    questions = bank.questions(bank.entries)
    root = (path or bundled_bank()).resolve()
    prefix = "archqa/bank" if path is None else str(path)
    for q in questions:
        if q.provenance is None:
            continue
        try:
            rel = Path(q.provenance.file).resolve().relative_to(root)
        except ValueError:
            continue
        q.provenance = q.provenance.model_copy(update={"file": f"{prefix}/{rel.as_posix()}"})
    topics = [Topic(name=t, overview=bank.overviews.get(t, "")) for t in bank.topics]
    # Each bank file numbers its references from A1: renumber the citations to ids unique in the set (as a
    # generated set does) so the set can list every work it cites. Tools and terms: the cited ones (looking
    # for every mention, as a generated set does, takes seconds over a whole bank).
    glossary: list[GlossaryEntry] = []
    tools: list[Tool] = []
    bibliography = merge_citations(bank, questions, [e.file for e in bank.entries], glossary, tools)
    qset = QuestionSet(
        title=title, topics=topics, questions=questions, glossary=glossary, bibliography=bibliography, tools=tools
    )
    return number_questions(qset)


def _store_set(db: str | None) -> QuestionSet:
    """Every question of the import store (``archqa import``), its topics the clusters they were filed in."""
    from archqa.generate.assemble import merge_citations
    from archqa.generate.bank import load_store_bank

    bank = load_store_bank(db)
    topics = [Topic(name=t, overview=bank.overviews.get(t, "")) for t in bank.topics]
    questions = bank.questions(bank.entries)
    glossary: list[GlossaryEntry] = []
    tools: list[Tool] = []
    bibliography = merge_citations(bank, questions, [e.file for e in bank.entries], glossary, tools)
    qset = QuestionSet(
        title="Imported questions",
        topics=topics,
        questions=questions,
        glossary=glossary,
        bibliography=bibliography,
        tools=tools,
    )
    return number_questions(qset)


def number_questions(qset: QuestionSet) -> QuestionSet:
    """A copy of ``qset`` with its questions ordered by topic (stable) and numbered 1..N."""
    order = {t.name: i for i, t in enumerate(ordered_topics(qset))}
    questions = sorted((q.model_copy() for q in qset.questions), key=lambda q: order[q.topic])
    for n, q in enumerate(questions, 1):
        q.number = n
    return qset.model_copy(update={"questions": questions})


def _topic_matches(value: str, topic: str) -> bool:
    v = value.strip().lower()
    return v in (topic.lower(), slugify(topic), slug(topic)) or (v in CLUSTERS and cluster_of(topic) == v)


def select_questions(qset: QuestionSet, topics: Iterable[str] = (), difficulties: Iterable[str] = ()) -> QuestionSet:
    """The questions of ``qset`` in any of ``topics`` and any of ``difficulties`` (empty: all), renumbered.

    A topic is named by its title, its slug or a cluster slug (``data``); a
    difficulty by its name or an alias (``advanced``, ``hard``, ``A``). When a
    filter is given, topics left empty, bibliography entries left uncited and
    the set's Validation Report (which described the whole set) are dropped.
    Raises ConfigError for an unknown topic or difficulty, or when nothing matches.
    """
    topics, difficulties = list(topics), list(difficulties)
    if not topics and not difficulties:
        return qset
    names = [t.name for t in ordered_topics(qset)]
    for value in topics:
        if not any(_topic_matches(value, name) for name in names):
            raise ConfigError(f"--topic {value!r}: the source has no such topic; choose from: {', '.join(names)}")
    wanted: set[Difficulty] = set()
    for value in difficulties:
        d = Difficulty.parse(value)
        if d is None:
            raise ConfigError(
                f"--difficulty {value!r}: unknown difficulty; use {', '.join(x.value.lower() for x in Difficulty)}"
            )
        wanted.add(d)
    kept = [
        q
        for q in qset.questions
        if (not topics or any(_topic_matches(v, q.topic) for v in topics)) and (not wanted or q.difficulty in wanted)
    ]
    if not kept:
        asked = " ".join([*(f"--topic {t!r}" for t in topics), *(f"--difficulty {d!r}" for d in difficulties)])
        raise ConfigError(f"no question matches {asked}; widen the filters (repeat --topic or --difficulty)")
    used = {q.topic for q in kept}
    cited = {ref for q in kept for ref in q.citations}
    out = qset.model_copy(
        update={
            "questions": kept,
            "topics": [t for t in qset.topics if t.name in used],
            "bibliography": [b for b in qset.bibliography if b.id in cited],
            "report": "",
        }
    )
    return number_questions(out)
