"""Which follow-ups the interviewer asks after a phase, chosen from the question's own follow-ups.

After each phase at most :data:`PER_PHASE` follow-ups are asked, each at most once in the interview:

1. first those whose ``(KP n)`` is a key point of this phase that the answer missed, in key-point order;
2. then, in the high-level design, deep dives and wrap-up phases, a change of requirement (a follow-up
   that matches :data:`CHANGE`: "ten times", "a region goes down", "now ...") probing a point of this
   phase; the wrap-up asks the first change of requirement not yet asked whatever point it probes.

An interviewer probes what was missed and then moves the goalposts; a phase whose points were all made
and has no change of requirement gets no follow-up.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from archqa.interview.model import FollowUpTurn, Phase
from archqa.model import FollowUp

PER_PHASE = 2

CHANGE = re.compile(
    r"\b(?:ten|\d+|hundred|thousand)\s*(?:times|x)\b|\b\d+\s*[x×]|\b(?:doubles?|triples?|tenfold)\b|"
    r"\bregions?\b|\bnow\b|\bsuddenly\b|\bgoes down\b|\bgrows?\b|\bspikes?\b|\boutage\b|\bfails?\b|"
    r"\binstead\b|\bwhat changes\b",
    re.IGNORECASE,
)
"""A follow-up that changes a requirement or the load."""

CHANGE_PHASES = frozenset({"high_level_design", "deep_dives", "wrap_up"})
LAST_PHASE = "wrap_up"


def is_change_of_requirement(follow_up: FollowUp) -> bool:
    return CHANGE.search(follow_up.question) is not None


def choose_follow_ups(
    phase: Phase, follow_ups: Sequence[FollowUp], missed: Collection[int], asked: Collection[str]
) -> list[FollowUpTurn]:
    """The follow-ups to ask after ``phase`` (see the module docstring).

    ``missed``: the numbers of the phase's key points the answer missed; ``asked``: the questions already
    asked in this interview.
    """
    mine = {p.number for p in phase.points}
    out: list[FollowUpTurn] = []
    taken = set(asked)
    for f in sorted(follow_ups, key=lambda f: f.key_point):
        if len(out) < PER_PHASE and f.key_point in mine and f.key_point in missed and f.question not in taken:
            out.append(FollowUpTurn(key_point=f.key_point, question=f.question, why="missed"))
            taken.add(f.question)
    if len(out) < PER_PHASE and phase.key in CHANGE_PHASES:
        changes = [f for f in follow_ups if is_change_of_requirement(f) and f.question not in taken]
        here = [f for f in changes if f.key_point in mine]
        pick = here[:1] or (changes[:1] if phase.key == LAST_PHASE else [])
        for f in pick:
            out.append(
                FollowUpTurn(
                    key_point=f.key_point,
                    question=f.question,
                    why="missed" if f.key_point in missed else "change of requirement",
                )
            )
    return out


def concept_follow_ups(
    phase: Phase, follow_ups: Sequence[FollowUp], missed: Collection[int], asked: Collection[str]
) -> list[FollowUpTurn]:
    """For a conceptual question: the follow-ups on points it missed, else one change of requirement."""
    out: list[FollowUpTurn] = []
    for f in sorted(follow_ups, key=lambda f: f.key_point):
        if len(out) < PER_PHASE and f.key_point in missed and f.question not in asked:
            out.append(FollowUpTurn(key_point=f.key_point, question=f.question, why="missed"))
    if not out:
        change = next((f for f in follow_ups if is_change_of_requirement(f) and f.question not in asked), None)
        if change is not None:
            out.append(FollowUpTurn(key_point=change.key_point, question=change.question, why="change of requirement"))
    return out
