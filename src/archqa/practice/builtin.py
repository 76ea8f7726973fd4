"""Importing this module registers archqa's built-in graders (through register_grader)."""

from archqa.practice.embed import EmbeddingGrader
from archqa.practice.grade import LexicalGrader, register_grader

register_grader(LexicalGrader.name, LexicalGrader)
register_grader(EmbeddingGrader.name, EmbeddingGrader)

__all__ = ["EmbeddingGrader", "LexicalGrader"]
