"""Practice: spaced repetition (FSRS) over a set, the bank or the store, with answers graded by key points."""

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
from archqa.practice.schedule import PracticeLog, Review, parse_rating, practice_stats
from archqa.practice.session import Item, Plan, PracticeQuestion, Session, filter_questions, load_questions, rubric

__all__ = [
    "RATINGS",
    "Grade",
    "Grader",
    "Item",
    "LexicalGrader",
    "Plan",
    "PointGrade",
    "PracticeLog",
    "PracticeQuestion",
    "Review",
    "Session",
    "filter_questions",
    "get_grader",
    "graders",
    "load_questions",
    "parse_rating",
    "practice_stats",
    "register_grader",
    "rubric",
    "suggest_rating",
]
