"""Practice: spaced repetition (FSRS) over a set, the bank or the store, with answers graded by key points."""

from archqa.practice import builtin as _builtin  # noqa: F401  (registers the built-in graders)
from archqa.practice.grade import (
    RATINGS,
    Grade,
    Grader,
    LexicalGrader,
    PointGrade,
    get_grader,
    graders,
    register_grader,
    suggest_rating,
)
from archqa.practice.progress import Progress, practice_progress
from archqa.practice.schedule import (
    PointJudgement,
    PracticeLog,
    Review,
    ReviewPoint,
    StoredReview,
    parse_rating,
    practice_stats,
)
from archqa.practice.session import (
    DEFAULT_GRADER,
    Confirmation,
    Item,
    Plan,
    PracticeQuestion,
    Session,
    filter_questions,
    interleave,
    load_questions,
    parse_point_numbers,
    rubric,
)

__all__ = [
    "DEFAULT_GRADER",
    "RATINGS",
    "Confirmation",
    "Grade",
    "Grader",
    "Item",
    "LexicalGrader",
    "Plan",
    "PointGrade",
    "PointJudgement",
    "PracticeLog",
    "PracticeQuestion",
    "Progress",
    "Review",
    "ReviewPoint",
    "Session",
    "StoredReview",
    "filter_questions",
    "get_grader",
    "graders",
    "interleave",
    "load_questions",
    "parse_point_numbers",
    "parse_rating",
    "practice_progress",
    "practice_stats",
    "register_grader",
    "rubric",
    "suggest_rating",
]
