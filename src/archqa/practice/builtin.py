"""Importing this module registers archqa's built-in graders (through register_grader)."""

from archqa.practice.grade import LexicalGrader, register_grader

register_grader(LexicalGrader.name, LexicalGrader)

__all__ = ["LexicalGrader"]
