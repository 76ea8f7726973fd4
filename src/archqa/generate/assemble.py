"""Turn a selection into a set: numbering, cross-references, pruned and renumbered references."""

from __future__ import annotations

from pathlib import Path

from archqa.generate.bank import Bank, bundled_bank
from archqa.generate.select import Selection
from archqa.model import CITATION, BibEntry, GlossaryEntry, Question, QuestionSet, Tool, Topic, split_refs
from archqa.text import first_word_at, jaccard, mentions

RELATED_THRESHOLD = 0.08
MAX_RELATED = 3


def _display_path(file: str) -> str:
    p = Path(file)
    try:
        return "archqa/bank/" + str(p.resolve().relative_to(bundled_bank().resolve()))
    except ValueError:
        pass
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def assemble(bank: Bank, sel: Selection, title: str | None = None) -> QuestionSet:
    """Build the QuestionSet for a selection (without its validation report)."""
    questions = bank.questions(sel.entries)
    for n, q in enumerate(questions, 1):
        q.number = n
        if q.provenance is not None:
            q.provenance = q.provenance.model_copy(update={"file": _display_path(q.provenance.file)})
    _cross_reference(questions, sel)
    glossary, tools = mentioned_terms_and_tools(bank, questions)
    bib = merge_citations(bank, questions, [e.file for e in sel.entries], glossary, tools)
    topics = [
        Topic(name=t, overview=bank.overviews.get(t, "")) for t in sel.topics if any(q.topic == t for q in questions)
    ]
    bp = sel.blueprint
    if title is None:
        title = "Software Architecture Interview Set"
        if bp.focus:
            title += ": " + ", ".join(bp.focus)
    return QuestionSet(
        title=title,
        blueprint=bp,
        topics=topics,
        questions=questions,
        glossary=glossary,
        bibliography=bib,
        tools=tools,
    )


def merge_citations(
    bank: Bank,
    questions: list[Question],
    files: list[str],
    glossary: list[GlossaryEntry] | None = None,
    tools: list[Tool] | None = None,
) -> list[BibEntry]:
    """Renumber the citations of ``questions`` (the i-th from bank file ``files[i]``) in place, from each file's
    own ids to ids shared by the whole set, and return the bibliography they now cite.

    Works get A1, A2, ... in order of first citation (a work two files list gets one id). A citation of a tool or
    a glossary term of the file takes that entry's id in the set's ``tools`` or ``glossary`` (same name), which
    gains the entry, numbered next, when it lacks it. An id its file does not list is left as it is."""
    bib: dict[str, BibEntry] = {}
    key_to_id: dict[str, str] = {}
    tools = tools if tools is not None else []
    glossary = glossary if glossary is not None else []

    def cite_tool(tool: Tool) -> str:
        for t in tools:
            if t.name.lower() == tool.name.lower():
                return t.id
        tools.append(tool.model_copy(update={"id": f"T{len(tools) + 1}"}))
        return tools[-1].id

    def cite_term(term: GlossaryEntry) -> str:
        for g in glossary:
            if g.keys() & term.keys():
                return g.id
        glossary.append(term.model_copy(update={"id": f"G{len(glossary) + 1}"}))
        return glossary[-1].id

    def cite(file: str, local: str) -> str:
        refs = bank.refs.get(file)
        if refs is None:
            return local
        entry = refs.bibliography.get(local)
        if entry is None:
            if local in refs.tools:
                return cite_tool(refs.tools[local])
            if local in refs.glossary:
                return cite_term(refs.glossary[local])
            return local
        if entry.key not in key_to_id:
            new_id = f"A{len(key_to_id) + 1}"
            key_to_id[entry.key] = new_id
            bib[new_id] = BibEntry(id=new_id, text=entry.text)
        return key_to_id[entry.key]

    def rewrite(text: str, file: str) -> str:
        return CITATION.sub(lambda m: "[Ref: " + ", ".join(cite(file, r) for r in split_refs(m.group(1))) + "]", text)

    for q, file in zip(questions, files):
        q.key_insight = rewrite(q.key_insight, file)
        q.answer = rewrite(q.answer, file)
        for sec in q.sections:
            sec.text = rewrite(sec.text, file)
        q.key_points = [rewrite(p, file) for p in q.key_points]
    return list(bib.values())


def _cross_reference(questions: list[Question], sel: Selection) -> None:
    ids = {q.id for q in questions}
    terms = {e.id: e.terms for e in sel.entries}
    tags = {e.id: e.tags for e in sel.entries}
    for q in questions:
        keep = [r for r in q.related if r in ids and r != q.id]
        scored = []
        for other in questions:
            if other.id == q.id or other.id in keep:
                continue
            sim = jaccard(terms[q.id], terms[other.id])
            if sim >= RELATED_THRESHOLD and tags[q.id] & tags[other.id]:
                scored.append((-sim, other.number, other.id))
        keep += [oid for _, _, oid in sorted(scored)]
        q.related = keep[:MAX_RELATED]


def mentioned_terms_and_tools(bank: Bank, questions: list[Question]) -> tuple[list[GlossaryEntry], list[Tool]]:
    """The bank's glossary terms and tools that ``questions`` mention (in their text or code), numbered G1.., T1..."""
    text = "\n".join(q.text() + "\n" + "\n".join(c.code for c in q.code) for q in questions).lower()
    return _glossary(bank, text), _tools(bank, text)


def _glossary(bank: Bank, text: str) -> list[GlossaryEntry]:
    # One entry per term: 'Backend-for-Frontend (BFF)' and 'Backend for Frontend (BFF)' are the same term.
    keys: set[str] = set()
    used = []
    for file in bank.paths:
        for g in bank.refs[file].glossary.values():
            if mentions(text, g.term) and not (g.keys() & keys):
                used.append(g)
                keys |= g.keys()
    used.sort(key=lambda g: g.term.lower())
    return [g.model_copy(update={"id": f"G{i}"}) for i, g in enumerate(used, 1)]


def _tools(bank: Bank, text: str) -> list[Tool]:
    seen: dict[str, Tool] = {}
    for file in bank.paths:
        for t in bank.refs[file].tools.values():
            seen.setdefault(t.name.lower(), t)
    found = []
    for name, t in seen.items():
        at = first_word_at(text, name)
        if at >= 0:
            found.append((at, name, t))
    found.sort()
    return [t.model_copy(update={"id": f"T{i}"}) for i, (_, _, t) in enumerate(found, 1)]
