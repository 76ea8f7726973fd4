"""The scorecard of a mock interview: a level per dimension, with the candidate's own words as evidence.

Key-point dimensions (requirements, estimation, API and data model, high-level design, deep dives and
trade-offs; for a run of concepts, one per question) are rated from the credit share of their key points:
a point made in the phase answer earns 1, a point made only in the answer
to the follow-up that probed it earns 0.5. A Mermaid diagram in the high-level design phase counts as two
more points there: the share of the reference diagram's components it has, and of its connections.

=============  =================
credit share   level
=============  =================
under 30 %     below mid
30 % to 59 %   mid
60 % to 84 %   senior
85 % and more  staff
=============  =================

A dimension with no key point is ``not assessed``. Time management compares the time used with the
budget: a phase runs over when it takes more than 125 % of its budget plus 15 seconds; **staff** when the
interview fits its minutes and no phase runs over, **senior** when it takes at most 110 % of them and one
phase at most runs over, **mid** at most 125 %, **below mid** beyond. The overall level is the median of
the assessed dimensions' levels (the lower one of an even count).
"""

from __future__ import annotations

from collections.abc import Sequence

from archqa.interview.model import (
    ComponentMatch,
    DiagramCheck,
    DimensionScore,
    Evidence,
    Level,
    Missed,
    PhaseTurn,
    Plan,
    Rating,
    Scorecard,
    Transcript,
)
from archqa.model import LevelSignals

LEVELS: tuple[Rating, ...] = ("below mid", "mid", "senior", "staff")
"""The levels, lowest first."""

CUTOFFS: tuple[tuple[float, Rating], ...] = ((0.85, "staff"), (0.60, "senior"), (0.30, "mid"))
"""(lowest credit share, level), highest first; below the last, ``below mid``."""

FOLLOW_UP_CREDIT = 0.5
"""What a point made only after the follow-up that probes it is worth."""

OVER_RATIO = 1.25
OVER_GRACE = 15.0
"""A phase runs over when it takes more than 125 % of its budget plus 15 seconds."""

DIMENSIONS: dict[str, str] = {
    "requirements": "Requirements",
    "estimation": "Estimation",
    "api_data": "API and data model",
    "design": "High-level design",
    "deep_dives": "Deep dives and trade-offs",
}
"""The key-point dimensions of a case study, in order (time management comes last)."""

TIME = "time"


def level_for(share: float) -> Rating:
    """The level a credit share (0..1) earns; see CUTOFFS."""
    for bound, level in CUTOFFS:
        if share >= bound - 1e-9:
            return level
    return "below mid"


def time_level(used: Sequence[float], budget: Sequence[int]) -> tuple[Rating, str]:
    """The time-management level from seconds used and budgeted per phase, and a one-line note."""
    total_used, total_budget = sum(used), sum(budget)
    over = [i for i, (u, b) in enumerate(zip(used, budget)) if u > b * OVER_RATIO + OVER_GRACE]
    ratio = total_used / total_budget if total_budget else 0.0
    if ratio <= 1.0 and not over:
        level: Rating = "staff"
    elif ratio <= 1.10 and len(over) <= 1:
        level = "senior"
    elif ratio <= 1.25:
        level = "mid"
    else:
        level = "below mid"
    note = f"{_clock(total_used)} used of {_clock(total_budget)} ({ratio:.0%})"
    if over:
        note += f"; {len(over)} phase{'s' if len(over) != 1 else ''} ran over"
    return level, note


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _signal(signals: LevelSignals | None, target: Level) -> str:
    if signals is None:
        return ""
    return {"mid": signals.mid, "senior": signals.senior, "staff": signals.staff}[target]


def scorecard(transcript: Transcript, signals: LevelSignals | None = None) -> Scorecard:
    """The scorecard of ``transcript`` (see the module docstring)."""
    plan = transcript.plan
    dims = _dimensions(plan)
    rows: list[DimensionScore] = []
    titles = {p.key: p.title for p in plan.phases}
    for key, title in dims.items():
        phases = [p for p in plan.phases if p.dimension == key]
        credit, total = 0.0, 0
        evidence: list[Evidence] = []
        missed: list[Missed] = []
        for phase in phases:
            turn = transcript.turn(phase.key)
            results = {r.number: r for r in turn.points} if turn else {}
            for point in phase.points:
                total += 1
                r = results.get(point.number)
                if r is not None and r.covered:
                    worth = FOLLOW_UP_CREDIT if r.how == "follow-up" else 1.0
                    credit += worth
                    evidence.append(
                        Evidence(
                            number=point.number,
                            point=point.text,
                            quote=r.evidence,
                            phase=titles[phase.key],
                            how=r.how or "answer",
                        )
                    )
                else:
                    reason = r.reason if r is not None else "not answered"
                    if r is not None and r.evidence:
                        reason = f"{reason}: “{r.evidence}”" if reason else f"“{r.evidence}”"
                    missed.append(Missed(number=point.number, point=point.text, reason=reason))
        for phase in phases:
            turn = transcript.turn(phase.key)
            if turn is not None and turn.diagram is not None:
                c, t = _diagram_credit(turn.diagram, titles[phase.key], evidence, missed)
                credit, total = credit + c, total + t
        if total:
            share = credit / total
            rows.append(
                DimensionScore(
                    key=key,
                    title=title,
                    level=level_for(share),
                    credit=credit,
                    total=total,
                    share=share,
                    evidence=evidence,
                    missed=missed,
                )
            )
        else:
            rows.append(
                DimensionScore(
                    key=key, title=title, level="not assessed", note="no key point of this question falls in this part"
                )
            )
    used = [t.seconds + sum(f.seconds for f in t.follow_ups) for t in _turns_in_order(transcript)]
    budget = [p.seconds for p in plan.phases if transcript.turn(p.key) is not None]
    if used:
        tl, note = time_level(used, budget)
        rows.append(DimensionScore(key=TIME, title="Time management", level=tl, note=note))
    else:
        rows.append(DimensionScore(key=TIME, title="Time management", level="not assessed", note="no phase answered"))
    assessed = [r for r in rows if r.level != "not assessed"]
    ranks = sorted(LEVELS.index(r.level) for r in assessed)
    overall: Rating = LEVELS[ranks[(len(ranks) - 1) // 2]] if ranks else "not assessed"
    target_rank = LEVELS.index(plan.level)
    met = sum(1 for r in assessed if LEVELS.index(r.level) >= target_rank)
    return Scorecard(
        target=plan.level,
        overall=overall,
        met=met,
        assessed=len(assessed),
        dimensions=rows,
        signals=_signal(signals, plan.level),
    )


def _diagram_credit(
    check: DiagramCheck, phase: str, evidence: list[Evidence], missed: list[Missed]
) -> tuple[float, int]:
    """A diagram counts as two points: the share of the reference's components it has, and of its connections."""
    if check.error:
        missed.append(Missed(number=0, point="a diagram that parses", reason=check.error))
        return 0.0, 2 if check.components or check.connections else 1
    credit, total = 0.0, 0
    for items, found, what in (
        (check.components, [c for c in check.components if c.candidate], "components"),
        (check.connections, [c for c in check.connections if c.found], "connections"),
    ):
        if not items:
            continue
        total += 1
        credit += len(found) / len(items)
        if found:
            evidence.append(
                Evidence(
                    number=0,
                    point=f"diagram: {len(found)} of {len(items)} reference {what}",
                    quote="; ".join(
                        f"{c.candidate} ({c.reference}, {c.how})" if isinstance(c, ComponentMatch) else c.evidence
                        for c in found
                    ),
                    phase=phase,
                    how="diagram",
                )
            )
    for name in check.missing_components:
        missed.append(Missed(number=0, point=f"diagram component: {name}", reason="no node of your diagram matches"))
    for conn in check.missing_connections:
        missed.append(
            Missed(
                number=0,
                point=f"diagram connection: {conn.source} → {conn.target}",
                reason="no edge between the nodes matched to its ends",
            )
        )
    return credit, total


def _dimensions(plan: Plan) -> dict[str, str]:
    if plan.kind == "case-study":
        return dict(DIMENSIONS)
    return {p.dimension: f"Q{i}: {_short(p.prompt)}" for i, p in enumerate(plan.phases, 1)}


def _short(text: str, limit: int = 60) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _turns_in_order(transcript: Transcript) -> list[PhaseTurn]:
    order = {p.key: i for i, p in enumerate(transcript.plan.phases)}
    return sorted(transcript.turns, key=lambda t: order.get(t.phase, 0))
