"""The plan of a mock interview: which question, which phases, how long each, and what each is graded on.

A case study runs in seven phases whose shares of ``minutes`` are :data:`PHASES`' weights (45 minutes:
requirements 5.4, estimation 4.5, entities and API 4.5, data model 4.5, high-level design 9.9, deep dives
11.7, wrap-up 4.5); budgets are whole seconds by largest remainder, so they sum to the minutes exactly.

Each key point of the case study goes to the phase whose section of the model answer it matches best:
the highest cosine similarity between the point and any sentence of the section (all-MiniLM-L6-v2, the
grader's encoder), or, when the embedding model cannot load, the largest share of the point's terms that
the section contains. Ties go to the earlier phase, so the assignment is deterministic. A phase with no
key point is still asked and timed, and its reference shown, but not graded.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from archqa.errors import ConfigError, GraderError
from archqa.interview.model import Kind, Level, Phase, Plan, RubricPoint
from archqa.model import Difficulty, Question


@dataclass(frozen=True)
class PhaseSpec:
    """A case-study phase: its key, title, the model answer's sections it draws on, its dimension, its weight."""

    key: str
    title: str
    sections: tuple[str, ...]
    dimension: str
    weight: float
    prompt: str


PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec(
        "requirements",
        "Requirements",
        ("requirements",),
        "requirements",
        0.12,
        "Clarify the requirements: what the system must do, and the non-functional ones with numbers "
        "(scale, latency, availability, consistency).",
    ),
    PhaseSpec(
        "estimation",
        "Estimation",
        ("estimation",),
        "estimation",
        0.10,
        "Estimate the load: state your assumptions and show the arithmetic (requests per second, storage, bandwidth).",
    ),
    PhaseSpec(
        "api",
        "Entities and API",
        ("api",),
        "api_data",
        0.10,
        "Name the main entities and sketch the API: the calls, their inputs and what they return.",
    ),
    PhaseSpec(
        "data_model",
        "Data model",
        ("data_model",),
        "api_data",
        0.10,
        "Design the data model: what you store, where, keyed and partitioned how.",
    ),
    PhaseSpec(
        "high_level_design",
        "High-level design",
        ("high_level_design",),
        "design",
        0.22,
        "Walk me through the high-level design: the components and how a request flows through them. "
        "You may draw it as a ```mermaid flowchart.",
    ),
    PhaseSpec(
        "deep_dives",
        "Deep dives",
        ("deep_dives",),
        "deep_dives",
        0.26,
        "Go deep on the two or three hardest parts of the design, each with its trade-off.",
    ),
    PhaseSpec(
        "wrap_up",
        "Wrap-up",
        ("scaling",),
        "deep_dives",
        0.10,
        "Wrap up: the bottlenecks, what breaks first, and what changes at ten times the load.",
    ),
)
"""The phases of a case-study interview, in order; the weights sum to 1."""

LEVEL_DIFFICULTIES: dict[str, tuple[Difficulty, ...]] = {
    "mid": (Difficulty.FOUNDATIONAL, Difficulty.INTERMEDIATE),
    "senior": (Difficulty.INTERMEDIATE, Difficulty.ADVANCED),
    "staff": (Difficulty.ADVANCED,),
}
"""The difficulties a question is drawn from for each target level (when no PROMPT-ID is given)."""

DEFAULT_MINUTES = 45
MIN_MINUTES = 5
MAX_MINUTES = 180
MINUTES_PER_CONCEPT = 9
"""A run of concepts asks one question per 9 minutes, at least 2 and at most 6."""


def budgets(weights: Sequence[float], minutes: int) -> list[int]:
    """Seconds per phase in proportion to ``weights``, whole seconds summing to ``minutes`` × 60 (largest
    remainder; ties to the earlier phase)."""
    total = minutes * 60
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def _sentences(text: str) -> list[str]:
    from archqa.practice.spans import sentences

    got = [s.text for s in sentences(text) if s.text.strip()]
    return got or ([text] if text.strip() else [])


def similarity_matrix(
    points: Sequence[str], texts: Sequence[str], method: str = "auto"
) -> tuple[list[list[float]], str]:
    """(rows: one per point, columns: one per text, how): how well each point matches each text.

    ``embedding``: the best cosine between the point and a sentence of the text. ``lexical``: the share of
    the point's grading terms the text contains. ``auto`` tries the embedding and falls back to terms when
    the model cannot load.
    """
    if method in ("auto", "embedding"):
        try:
            return _embedding_matrix(points, texts), "embedding"
        except GraderError:
            if method == "embedding":
                raise
    return _lexical_matrix(points, texts), "lexical"


def _embedding_matrix(points: Sequence[str], texts: Sequence[str]) -> list[list[float]]:
    import numpy as np

    from archqa.practice.encoder import shared_encoder

    enc = shared_encoder()
    pv = enc.encode(list(points))
    cols = []
    for text in texts:
        sents = _sentences(text)
        if not sents:
            cols.append(np.full(len(points), -1.0, dtype=np.float32))
            continue
        cols.append((pv @ enc.encode(sents).T).max(axis=1))
    m = np.stack(cols, axis=1) if cols else np.zeros((len(points), 0))
    return [[float(x) for x in row] for row in m]


def _lexical_matrix(points: Sequence[str], texts: Sequence[str]) -> list[list[float]]:
    from archqa.practice.grade import grading_terms

    text_terms = [set(grading_terms(t)) for t in texts]
    rows = []
    for p in points:
        terms = set(grading_terms(p))
        rows.append([len(terms & tt) / len(terms) if terms else 0.0 for tt in text_terms])
    return rows


def assign_points(question: Question, method: str = "auto") -> tuple[dict[str, list[int]], str]:
    """Phase key -> the 1-based numbers of the key points assigned to it, and how they were assigned."""
    texts = [section_text(question, spec.sections) for spec in PHASES]
    out: dict[str, list[int]] = {spec.key: [] for spec in PHASES}
    if not question.key_points:
        return out, "embedding" if method == "auto" else method
    matrix, how = similarity_matrix(question.key_points, texts, method)
    for n, row in enumerate(matrix, 1):
        best = max(range(len(row)), key=lambda i: (row[i], -i))
        out[PHASES[best].key].append(n)
    return out, how


def section_text(question: Question, names: Sequence[str]) -> str:
    """The text of the question's sections named ``names``, joined."""
    return "\n\n".join(s.text for s in question.sections if s.name in names)


def case_study_plan(
    question: Question, level: Level = "senior", minutes: int = DEFAULT_MINUTES, method: str = "auto"
) -> Plan:
    """The seven phases of a case-study interview on ``question`` (see the module docstring)."""
    check_minutes(minutes)
    if not question.sections:
        raise ConfigError(
            f"{question.id}: not a case study in phases (it has no Requirements, Estimation, ... sections); "
            "pick a case study (`archqa generate --type case-study`) or use --kind concepts"
        )
    assigned, how = assign_points(question, method)
    seconds = budgets([spec.weight for spec in PHASES], minutes)
    diagram = next((d.source for d in question.diagrams if d.kind == "mermaid"), "")
    phases = []
    for spec, secs in zip(PHASES, seconds):
        phases.append(
            Phase(
                key=spec.key,
                title=spec.title,
                prompt=spec.prompt,
                seconds=secs,
                dimension=spec.dimension,
                question_id=question.id,
                points=[RubricPoint(number=n, text=question.key_points[n - 1]) for n in assigned[spec.key]],
                reference=section_text(question, spec.sections),
                reference_diagram=diagram if spec.key == "high_level_design" else "",
            )
        )
    return Plan(
        kind="case-study",
        level=level,
        minutes=minutes,
        question_ids=[question.id],
        title=question.title,
        phases=phases,
        assignment="lexical" if how == "lexical" else "embedding",
    )


def concepts_plan(questions: Sequence[Question], level: Level = "senior", minutes: int = DEFAULT_MINUTES) -> Plan:
    """A run of conceptual questions: one phase per question, equal budgets, each graded on its key points."""
    check_minutes(minutes)
    if not questions:
        raise ConfigError("no conceptual question to ask; drop the PROMPT-ID or choose another --level")
    seconds = budgets([1.0] * len(questions), minutes)
    phases = [
        Phase(
            key=f"q{i}",
            title=f"Question {i} of {len(questions)}",
            prompt=q.title,
            seconds=secs,
            dimension=f"q{i}",
            question_id=q.id,
            points=[RubricPoint(number=n, text=p) for n, p in enumerate(q.key_points, 1)],
            reference=q.answer,
        )
        for i, (q, secs) in enumerate(zip(questions, seconds), 1)
    ]
    return Plan(
        kind="concepts",
        level=level,
        minutes=minutes,
        question_ids=[q.id for q in questions],
        title=f"Concepts: {len(questions)} questions",
        phases=phases,
        assignment="whole question",
    )


def check_minutes(minutes: int) -> None:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ConfigError(f"--minutes {minutes}: use {MIN_MINUTES} to {MAX_MINUTES}")


def concept_count(minutes: int) -> int:
    """How many questions a run of concepts asks in ``minutes``: one per 9 minutes, 2 to 6."""
    return max(2, min(6, minutes // MINUTES_PER_CONCEPT))


def pick_questions(
    questions: Sequence[Question],
    kind: Kind,
    level: Level,
    minutes: int,
    seed: int,
    prompt_id: str | None = None,
) -> list[Question]:
    """The question(s) to ask: ``prompt_id`` when given (a case study, or the first of a run of concepts),
    else drawn by ``seed`` from the questions of ``kind`` at the difficulties of ``level``."""
    by_id = {q.id: q for q in questions}
    rng = random.Random(seed)
    want_case = kind == "case-study"
    pool = [q for q in questions if q.is_case_study == want_case and q.key_points]
    if prompt_id is not None:
        if prompt_id not in by_id:
            raise ConfigError(
                f"{prompt_id!r}: no question has this id; list the case studies with `archqa generate --type "
                "case-study --format json` or drop PROMPT-ID to draw one"
            )
        first = by_id[prompt_id]
        if want_case and not first.is_case_study:
            raise ConfigError(f"{prompt_id}: not a case study; pass --kind concepts to be asked it as a concept")
        if want_case:
            return [first]
        rest = [q for q in pool if q.id != first.id and q.difficulty in LEVEL_DIFFICULTIES[level]]
        rng.shuffle(rest)
        return [first, *_spread(rest, concept_count(minutes) - 1)]
    fitting = [q for q in pool if q.difficulty in LEVEL_DIFFICULTIES[level]] or list(pool)
    if not fitting:
        raise ConfigError(f"no {'case study' if want_case else 'conceptual question'} in the bank to ask")
    fitting.sort(key=lambda q: q.id)
    rng.shuffle(fitting)
    if want_case:
        return [fitting[0]]
    return _spread(fitting, concept_count(minutes))


def _spread(questions: Sequence[Question], n: int) -> list[Question]:
    """``n`` questions, one topic at a time while topics last, in the given order otherwise."""
    out: list[Question] = []
    topics: set[str] = set()
    for q in questions:
        if len(out) < n and q.topic not in topics:
            out.append(q)
            topics.add(q.topic)
    for q in questions:
        if len(out) < n and q not in out:
            out.append(q)
    return out
