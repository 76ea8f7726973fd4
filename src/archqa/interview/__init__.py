"""Mock system-design interviews, offline: phases with time budgets, follow-ups chosen from what the answer
missed, and a scorecard of levels with the candidate's own words as evidence.

See :class:`Interview` for the loop, :mod:`archqa.interview.plan` for the phases and budgets,
:mod:`archqa.interview.followups` for how follow-ups are chosen and :mod:`archqa.interview.scorecard` for
the levels and their cut-offs.
"""

from archqa.interview.followups import choose_follow_ups, is_change_of_requirement
from archqa.interview.log import list_interviews, load_interview, save_interview
from archqa.interview.model import (
    DiagramCheck,
    DimensionScore,
    FollowUpTurn,
    InterviewSummary,
    Phase,
    PhaseTurn,
    Plan,
    PointResult,
    Scorecard,
    Transcript,
)
from archqa.interview.plan import PHASES, assign_points, budgets, case_study_plan, concepts_plan, pick_questions
from archqa.interview.scorecard import CUTOFFS, DIMENSIONS, level_for, scorecard, time_level
from archqa.interview.session import Interview, load_bank_questions

__all__ = [
    "CUTOFFS",
    "DIMENSIONS",
    "PHASES",
    "DiagramCheck",
    "DimensionScore",
    "FollowUpTurn",
    "Interview",
    "InterviewSummary",
    "Phase",
    "PhaseTurn",
    "Plan",
    "PointResult",
    "Scorecard",
    "Transcript",
    "assign_points",
    "budgets",
    "case_study_plan",
    "choose_follow_ups",
    "concepts_plan",
    "is_change_of_requirement",
    "level_for",
    "list_interviews",
    "load_bank_questions",
    "load_interview",
    "pick_questions",
    "save_interview",
    "scorecard",
    "time_level",
]
