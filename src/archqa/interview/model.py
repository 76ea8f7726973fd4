"""The mock interview's boundary types (pydantic): its plan, the transcript of what was said, the scorecard.

A transcript and its scorecard are stored as JSON in the store's ``interviews`` table and read back with
``model_validate_json``; unknown fields are an error, as everywhere in archqa.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["mid", "senior", "staff"]
"""The level a candidate prepares for (``--level``)."""

Rating = Literal["below mid", "mid", "senior", "staff", "not assessed"]
"""A dimension's level on the scorecard; ``not assessed`` when no key point of the question falls in it."""

Kind = Literal["case-study", "concepts"]
"""What the interview asks: one case study in phases, or a short run of conceptual questions."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RubricPoint(_Model):
    """A key point of the question, by its 1-based number, and what it says."""

    number: int
    text: str


class Phase(_Model):
    """One phase of the interview: what the interviewer asks, its time budget, and what the answer is graded on."""

    key: str
    """``requirements``, ``estimation``, ``api``, ``data_model``, ``high_level_design``, ``deep_dives``,
    ``wrap_up``; for a run of concepts ``q1``, ``q2``, ..."""
    title: str
    prompt: str
    seconds: int
    """The time budget of the phase."""
    dimension: str
    """The scorecard dimension the phase counts towards (see ``archqa.interview.scorecard.DIMENSIONS``)."""
    question_id: str
    points: list[RubricPoint] = Field(default_factory=list)
    """The question's key points assigned to this phase: its rubric."""
    reference: str = ""
    """What the model answer says in this phase (Markdown): shown after the phase, never graded."""
    reference_diagram: str = ""
    """The question's Mermaid diagram, for the high-level design phase."""


class Plan(_Model):
    """The phases of one interview, in order, with their budgets summing to ``minutes``."""

    kind: Kind
    level: Level
    minutes: int
    question_ids: list[str]
    title: str
    """The case study's prompt, or "Concepts: N questions"."""
    phases: list[Phase]
    assignment: Literal["embedding", "lexical", "whole question"] = "embedding"
    """How key points were assigned to phases: by sentence embedding, by shared terms (the fallback when the
    embedding model cannot load), or each question's whole rubric (a run of concepts)."""


class PointResult(_Model):
    """A key point's verdict in a phase: covered in the phase answer, after a follow-up, elsewhere, or missed."""

    number: int
    text: str
    verdict: Literal["covered", "missing", "unsure"]
    evidence: str = ""
    """The span of the candidate's answer the grader quotes (for a covered point, always present)."""
    reason: str = ""
    how: Literal["answer", "follow-up", ""] = ""
    """Where a covered point was made: the phase answer, or the answer to the follow-up that probed it (half
    credit); empty when it was missed."""

    @property
    def covered(self) -> bool:
        return self.verdict == "covered"


class FollowUpTurn(_Model):
    """A follow-up the interviewer asked, the key point it probes (0: none), and the candidate's answer."""

    key_point: int
    question: str
    why: Literal["missed", "change of requirement", "probe"]
    """Why it was chosen: it probes a point the answer missed, or it changes a requirement."""
    asked_by: Literal["bank", "model"] = "bank"
    """Who worded it: the bank's follow-up as written, or the model (``--model``) from the bank's."""
    bank_question: str = ""
    """The bank's follow-up the model worded (empty when asked as the bank wrote it)."""
    answer: str = ""
    seconds: float = 0.0
    covered: bool | None = None
    """Whether the answer made the probed point (None: not graded, no point named or no answer)."""
    evidence: str = ""


class ComponentMatch(_Model):
    """A component of the reference diagram and the candidate's node that matches it (empty: missing)."""

    reference: str
    candidate: str = ""
    how: str = ""
    """``name``, ``synonym`` or ``embedding 0.71``."""


class ConnectionMatch(_Model):
    """A connection of the reference diagram, and whether the candidate's diagram has it (through matched nodes)."""

    source: str
    target: str
    label: str = ""
    found: bool = False
    evidence: str = ""
    """The candidate's edge that matches it, as ``A --> B``."""


class DiagramCheck(_Model):
    """The candidate's Mermaid flowchart compared with the case study's reference diagram."""

    parser: str
    """``mermaid`` (Mermaid's own parser) or ``fallback`` (archqa's simple flowchart reader)."""
    note: str = ""
    error: str = ""
    """Mermaid's message when the candidate's diagram does not parse."""
    nodes: int = 0
    edges: int = 0
    components: list[ComponentMatch] = Field(default_factory=list)
    connections: list[ConnectionMatch] = Field(default_factory=list)

    @property
    def missing_components(self) -> list[str]:
        return [c.reference for c in self.components if not c.candidate]

    @property
    def missing_connections(self) -> list[ConnectionMatch]:
        return [c for c in self.connections if not c.found]


class PhaseTurn(_Model):
    """What happened in one phase: the answer, its time, the verdicts, the follow-ups, a diagram check."""

    phase: str
    answer: str
    seconds: float
    points: list[PointResult] = Field(default_factory=list)
    follow_ups: list[FollowUpTurn] = Field(default_factory=list)
    diagram: DiagramCheck | None = None


class Transcript(_Model):
    """A whole interview: the plan, each phase's turn, when it started and which grader judged it."""

    started_at: str
    grader: str
    plan: Plan
    turns: list[PhaseTurn] = Field(default_factory=list)

    def turn(self, phase: str) -> PhaseTurn | None:
        return next((t for t in self.turns if t.phase == phase), None)


class Evidence(_Model):
    """A covered point on the scorecard with the candidate's words that make it."""

    number: int
    point: str
    quote: str
    phase: str
    how: str = "answer"


class Missed(_Model):
    """A point the candidate did not make, and why (the grader's reason or the denying quote)."""

    number: int
    point: str
    reason: str = ""


class DimensionScore(_Model):
    """One row of the scorecard."""

    key: str
    title: str
    level: Rating
    credit: float = 0.0
    """Points made (a point made only after its follow-up counts half)."""
    total: int = 0
    share: float | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    missed: list[Missed] = Field(default_factory=list)
    note: str = ""


class Scorecard(_Model):
    """The levels per dimension, the overall level, and how it compares with the target level."""

    target: Level
    overall: Rating
    met: int
    """Assessed dimensions at or above the target level."""
    assessed: int
    dimensions: list[DimensionScore]
    signals: str = ""
    """What the question's level signals say an answer at the target level adds."""


class InterviewSummary(_Model):
    """A saved interview, as ``archqa interview --list`` shows it."""

    id: int
    question_id: str
    title: str
    started_at: str
    level: Level
    minutes: int
    overall: Rating
