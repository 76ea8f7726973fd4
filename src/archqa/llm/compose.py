"""Plan and build a set whose questions come (partly) from a model or from a CV.

:func:`plan` decides, without calling anything, which slots a model writes and
what it is asked (``--dry-run`` prints exactly this). :func:`compose` runs the
plan and assembles the set with the bank's own machinery (numbering,
cross-references, pruned and renumbered references), so generated questions
and bank questions are indistinguishable in form. ``archqa.generate.generate``
calls :func:`compose` when it is given a model or a CV.

Modes:

- model, every slot: the model writes the whole blueprint; the bank supplies
  examples and the bibliography. Topics the bank does not have are allowed.
- model, ``fill``: the bank fills what it can; the model writes only the
  topic x difficulty slots the bank cannot fill, and topics it does not have.
- CV, offline: one question per quantified claim, grounded in the most similar
  bank question.
- CV with a model: the model writes one question per claim.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archqa.errors import BlueprintError, ConfigError
from archqa.generate.assemble import assemble
from archqa.generate.bank import Bank, Entry, FileRefs
from archqa.generate.select import Selection, Shortfall, _quotas, allocate, bank_topics, largest_remainder, select
from archqa.llm.author import Author, Outcome, Progress, Stats, totals
from archqa.llm.backend import Backend, get_backend
from archqa.llm.cache import CachedBackend
from archqa.llm.config import LLMConfig, redact_url
from archqa.llm.cv import MIN_SIMILARITY, CVMatch, frame_question, match_claims, read_claims
from archqa.llm.prompt import Catalogue, Job, Slot, build_messages, cited_ids, draft_of, example_entries
from archqa.llm.server import estimate_tokens, fit
from archqa.model import Blueprint, Difficulty, Question, QuestionSet, type_slug
from archqa.text import terms
from archqa.validate.code import canonical

CV_TOPIC = "Your Experience"
"""The topic of a CV claim no bank question matches."""


@dataclass
class ModelOptions:
    """How to write questions with a model: the backend, the model name and the run's limits."""

    backend: Backend
    model: str
    backend_name: str = "openai"
    fill: bool = False
    concurrency: int = 4
    max_repairs: int = 2
    temperature: float = 0.2
    timeout: float = 600.0
    max_tokens: int = 2048
    price_input: float | None = None
    price_output: float | None = None
    progress: Progress | None = None
    base_url: str | None = None
    notice: Callable[[str], None] | None = None
    """Told what the run will do before it starts: the start line, and notes about the server (a --model it
    does not list, concurrency fitted to its slots and context)."""
    fit_server: bool = True
    """Read the server's /v1/models, /props and /slots first (see :mod:`archqa.llm.server`)."""

    @property
    def where(self) -> str:
        """The server, safe to print (the backend's base URL when none was given here)."""
        url = self.base_url or getattr(getattr(self.backend, "backend", self.backend), "base_url", None)
        return redact_url(url) if isinstance(url, str) and url else "the OpenAI API"

    @classmethod
    def from_config(
        cls,
        config: LLMConfig,
        *,
        fill: bool = False,
        progress: Progress | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> ModelOptions:
        """Build the backend named in ``config`` (wrapped in the response cache unless ``cache = false``)."""
        if not config.model:
            raise ConfigError(
                "no model to write questions with: pass --model NAME, set ARCHQA_MODEL, or set model in the "
                f"[llm] table of {config.config_path or 'the config file'}"
            )
        backend: Backend = get_backend(config.backend, **config.backend_kwargs())
        if config.cache:
            backend = CachedBackend(backend, server=redact_url(config.base_url) if config.base_url else "openai")
        return cls(
            backend=backend,
            model=config.model,
            backend_name=config.backend,
            fill=fill,
            concurrency=config.concurrency,
            max_repairs=config.max_repairs,
            temperature=config.temperature,
            timeout=config.timeout,
            max_tokens=config.max_tokens,
            price_input=config.price_input,
            price_output=config.price_output,
            progress=progress,
            base_url=config.base_url,
            notice=notice,
        )


class ModelShortfall(Shortfall):
    """A slot that has no question: the model's never validated, or no bank question matched a claim."""

    def describe(self) -> str:
        return f"{self.slot}: needs {self.need}, got {self.got} ({self.holds})"


@dataclass
class Plan:
    """What will be asked: bank questions kept, model jobs, and (offline CV) framed questions."""

    blueprint: Blueprint
    topics: list[str]
    bank_entries: list[Entry] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    framed: list[tuple[Question, str]] = field(default_factory=list)
    cv_matches: list[CVMatch] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    catalogue: Catalogue | None = None
    cv: bool = False


@dataclass
class Authoring:
    """How the questions that are not plain bank picks were made."""

    set: QuestionSet
    shortfalls: list[Shortfall]
    outcomes: list[Outcome] = field(default_factory=list)
    stats: Stats | None = None
    cv_matches: list[CVMatch] = field(default_factory=list)
    model: str = ""

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def _pretty(name: str) -> str:
    name = " ".join(name.split())
    return name if any(c.isupper() for c in name) else name.title()


def _resolve_topics(bank: Bank, requested: dict[str, int | None]) -> list[tuple[str, int | None, bool]]:
    """(topic name, quota, known to the bank); a topic the bank lacks is kept for the model to write."""
    from archqa.generate.select import resolve_topics

    if not requested:
        return [(n, None, True) for n in bank_topics(bank)]
    out: list[tuple[str, int | None, bool]] = []
    for want, quota in requested.items():
        try:
            name, known = resolve_topics(bank, {want: quota})[0][0], True
        except BlueprintError:
            name, known = _pretty(want), False
        if any(name == n for n, _, _ in out):
            raise BlueprintError(f"--topics: '{want}' names {name} twice")
        out.append((name, quota, known))
    return out


def _gaps(sel: Selection) -> dict[tuple[str, int], int]:
    """The topic x difficulty cells a selection left short, by max-flow over its row and column deficits."""
    names = sel.topics
    bp = sel.blueprint
    rows = [(bp.topics.get(n) or 0) - sum(1 for e in sel.entries if e.topic == n) for n in names]
    totals_d = largest_remainder(bp.count, [float(m) for m in bp.mix])
    cols = [totals_d[d] - sum(1 for e in sel.entries if e.difficulty == d) for d in range(3)]
    big = max(1, sum(max(0, r) for r in rows))
    table = allocate([max(0, r) for r in rows], [max(0, c) for c in cols], [[big] * 3 for _ in names])
    return {(n, d): table[i][d] for i, n in enumerate(names) for d in range(3) if table[i][d]}


def _slots(cells: dict[tuple[str, int], int], topics: Sequence[str], bp: Blueprint) -> list[Slot]:
    focus = tuple(f.strip().lower().replace(" ", "-") for f in bp.focus if f.strip())
    langs = tuple(canonical(x) or x.lower() for x in bp.languages)
    out = []
    for t in topics:
        for d, diff in enumerate(Difficulty):
            n = cells.get((t, d), 0)
            out += [Slot(t, diff, i, n, focus, langs) for i in range(1, n + 1)]
    return out


def _job(bank: Bank, cat: Catalogue, slot: Slot, avoid: Sequence[str], examples: Sequence[Entry] | None = None) -> Job:
    chosen = list(examples) if examples is not None else example_entries(bank, slot)
    questions = bank.questions(chosen)
    drafts = [draft_of(q, cat, e.file) for q, e in zip(questions, chosen)]
    cited = cited_ids([d["key_insight"] for d in drafts] + [d["answer"] for d in drafts])
    files = sorted({e.file for e in bank.entries if e.topic == slot.topic}) or sorted({e.file for e in chosen})
    want = terms(" ".join([slot.topic, *slot.focus, slot.claim or ""]))
    allowed = cat.allowed(files, want, cited)
    titles = list(dict.fromkeys([*avoid, *(q.title for q in questions)]))
    return Job(
        slot=slot,
        messages=build_messages(slot, allowed, drafts, titles),
        allowed=allowed,
        avoid=titles,
        bare=build_messages(slot, allowed, [], titles),
    )


def plan(bank: Bank, blueprint: Blueprint, *, model: bool, fill: bool = False, cv: str | Path | None = None) -> Plan:
    """Decide what the bank, the CV and the model each contribute; no backend is called."""
    bp = blueprint
    if bp.count < 1:
        raise BlueprintError("--count must be at least 1")
    cat = Catalogue.of(bank)
    if cv is not None:
        claims = read_claims(cv)[: bp.count]
        matches = match_claims(bank, claims)
        p = Plan(blueprint=bp, topics=[], cv_matches=matches, catalogue=cat, cv=True)
        focus = tuple(f.strip().lower().replace(" ", "-") for f in bp.focus if f.strip())
        langs = tuple(canonical(x) or x.lower() for x in bp.languages)
        for m in matches:
            e = m.entry
            if model:
                topic = e.topic if e is not None else CV_TOPIC
                diff = list(Difficulty)[e.difficulty] if e is not None and e.difficulty >= 0 else Difficulty.ADVANCED
                slot = Slot(topic, diff, focus=focus, languages=langs, claim=m.claim.text, claim_line=m.claim.line)
                p.jobs.append(_job(bank, cat, slot, [], m.entries))
            elif e is not None:
                p.framed.append((frame_question(m.claim, bank.question(e)), e.file))
            else:
                p.shortfalls.append(
                    ModelShortfall(
                        f"CV line {m.claim.line}",
                        1,
                        0,
                        f"unmatched: the closest bank question to '{m.claim.text}' has similarity {m.similarity:.2f},"
                        f" below {MIN_SIMILARITY:.2f}; pass --backend and --model to have one written",
                    )
                )
        return p
    topics = _resolve_topics(bank, bp.topics)
    names = [n for n, _, _ in topics]
    quotas = _quotas(bp.count, [(n, q) for n, q, _ in topics])
    resolved = bp.model_copy(update={"topics": dict(zip(names, quotas))})
    p = Plan(blueprint=resolved, topics=names, catalogue=cat)
    if not model:
        return p
    cells: dict[tuple[str, int], int] = {}
    if fill:
        known = [(n, q) for (n, _, k), q in zip(topics, quotas) if k]
        sub = resolved.model_copy(update={"count": sum(q for _, q in known), "topics": dict(known)})
        if not bp.topics:
            sub = bp
        if known and sub.count > 0:
            sel = select(bank, sub, allow_shortfall=True)
            p.bank_entries = sel.entries
            cells.update(_gaps(sel))
        for (n, _, k), q in zip(topics, quotas):
            if not k:
                for d, c in enumerate(largest_remainder(q, [float(m) for m in bp.mix])):
                    if c:
                        cells[(n, d)] = c
    else:
        totals_d = largest_remainder(bp.count, [float(m) for m in bp.mix])
        table = allocate(quotas, totals_d, [[bp.count] * 3 for _ in names])
        cells = {(n, d): table[i][d] for i, n in enumerate(names) for d in range(3) if table[i][d]}
    taken = bank.questions(p.bank_entries) if p.bank_entries else []
    for slot in _slots(cells, names, bp):
        avoid = [q.title for q in taken if q.topic == slot.topic]
        p.jobs.append(_job(bank, cat, slot, avoid))
    return p


def _extend(bank: Bank, extras: Sequence[tuple[Question, str]], refs: dict[str, FileRefs]) -> tuple[Bank, list[Entry]]:
    """A view of ``bank`` that also holds ``extras`` (question, the file whose reference ids it cites)."""
    full = dict(bank._full)
    entries = []
    for i, (q, file) in enumerate(extras):
        key = -(i + 1)
        full[key] = q
        langs = ",".join(sorted({canonical(c.language) or c.language for c in q.code}))
        rank = q.difficulty.rank if q.difficulty is not None else -1
        e = Entry(key, q.id, file, q.topic, rank, 0, ",".join(q.tags), langs, kind=type_slug(q.type))
        e._terms = terms(" ".join([q.title, q.key_insight, " ".join(q.tags)]))
        e._text = f"{q.title} {q.key_insight}"
        entries.append(e)
    return dataclasses.replace(bank, refs={**bank.refs, **refs}, _full=full), entries


def _norm(title: str) -> str:
    return " ".join(title.lower().split())


def compose(
    bank: Bank,
    blueprint: Blueprint,
    *,
    model: ModelOptions | None = None,
    cv: str | Path | None = None,
    title: str | None = None,
) -> Authoring:
    """Run :func:`plan`, let the model write its slots, and assemble the set (without its report)."""
    p = plan(bank, blueprint, model=model is not None, fill=bool(model and model.fill), cv=cv)
    outcomes: list[Outcome] = []
    stats = None
    source = ""
    if model is not None:
        source = f"model:{model.backend_name}/{model.model}"
        author = Author(
            backend=model.backend,
            model=model.model,
            provenance=source,
            concurrency=_fitted(model, p.jobs),
            max_repairs=model.max_repairs,
            seed=blueprint.seed,
            temperature=model.temperature,
            timeout=model.timeout,
            max_tokens=model.max_tokens,
            prefix="cv" if p.cv else "gen",
        )
        outcomes = author.write(p.jobs, model.progress)
        stats = totals(outcomes, model.price_input, model.price_output)
    seen = {_norm(q.title) for q in bank.questions(p.bank_entries)} if p.bank_entries else set()
    extras: list[tuple[Question, str]] = []
    for q, file in p.framed:
        seen.add(_norm(q.title))
        extras.append((q, file))
    for o in outcomes:
        if o.question is None:
            continue
        if _norm(o.question.title) in seen:
            o.question, o.reason = None, "the model's question repeats the title of another question in the set"
            continue
        seen.add(_norm(o.question.title))
        extras.append((o.question, source))
    shortfalls = list(p.shortfalls)
    for o in outcomes:
        if not o.ok:
            rules = ", ".join(dict.fromkeys(f.rule for f in o.findings))
            shortfalls.append(ModelShortfall(o.slot.label(), 1, 0, o.reason + (f": {rules}" if rules else "")))
    assert p.catalogue is not None
    refs = {source: FileRefs(bibliography=dict(p.catalogue.works))} if source else {}
    view, entries = _extend(bank, extras, refs)
    bp, topics = p.blueprint, p.topics
    if p.cv:
        bp, topics = _cv_blueprint(blueprint, [q for q, _ in extras], bank)
    if not topics:
        topics = list(dict.fromkeys(q.topic for q, _ in extras))
    present = {e.topic for e in p.bank_entries} | {q.topic for q, _ in extras}
    if any(t not in present for t in bp.topics):
        # A topic whose every slot failed: the Shortfall section says so; the blueprint keeps what the set covers.
        bp = bp.model_copy(update={"topics": {t: n for t, n in bp.topics.items() if t in present}})
    order = {t: i for i, t in enumerate(topics)}
    everything = [*p.bank_entries, *entries]
    everything.sort(key=lambda e: (order.get(e.topic, len(order)), e.difficulty))
    sel = Selection(entries=everything, blueprint=bp, topics=topics)
    if title is None and p.cv:
        title = "Interview Questions on Your CV"
    qset = assemble(view, sel, title)
    return Authoring(
        set=qset,
        shortfalls=shortfalls,
        outcomes=outcomes,
        stats=stats,
        cv_matches=p.cv_matches,
        model=model.model if model else "",
    )


def _fitted(model: ModelOptions, jobs: Sequence[Job]) -> int:
    """The concurrency for the run, fitted to what the server says of itself; tells ``model.notice`` first."""
    concurrency = model.concurrency
    notes: list[str] = []
    info_of = getattr(model.backend, "server_info", None)
    if jobs and model.fit_server and info_of is not None:
        info = info_of()
        if info is not None:
            prompt = max(estimate_tokens("\n".join(m["content"] for m in job.messages)) for job in jobs)
            f = fit(
                info,
                where=model.where,
                model=model.model,
                concurrency=concurrency,
                max_tokens=model.max_tokens,
                prompt_tokens=prompt,
            )
            concurrency, notes = f.concurrency, f.notes
    if model.notice is not None:
        for note in notes:
            model.notice(note)
        if jobs:
            n = len(jobs)
            model.notice(
                f"writing {n} question{'s' if n != 1 else ''} with {model.model} at {model.where} (concurrency "
                f"{min(concurrency, n)}, --max-tokens {model.max_tokens}, --timeout {model.timeout:g} s)"
            )
    return concurrency


def _cv_blueprint(bp: Blueprint, questions: Sequence[Question], bank: Bank) -> tuple[Blueprint, list[str]]:
    """A CV set has no target mix: its blueprint states what it holds, so the mix check is honest."""
    order = {t: i for i, t in enumerate(bank_topics(bank))}
    topics = sorted(dict.fromkeys(q.topic for q in questions), key=lambda t: (order.get(t, len(order)), t))
    counts = [sum(1 for q in questions if q.difficulty == d) for d in Difficulty]
    mix = largest_remainder(100, [float(c) for c in counts]) if questions else list(bp.mix)
    return (
        bp.model_copy(
            update={
                "count": max(1, len(questions)),
                "mix": (mix[0], mix[1], mix[2]),
                "topics": {t: sum(1 for q in questions if q.topic == t) for t in topics},
            }
        ),
        topics,
    )
