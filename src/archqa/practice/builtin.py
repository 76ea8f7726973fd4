"""Importing this module registers archqa's built-in graders (through register_grader).

Imported once, by ``archqa/practice/__init__.py``; the registry in ``grade.py`` never imports it.
"""

from archqa.practice.grade import LexicalGrader, register_grader
from archqa.practice.llm_grader import LLMGrader
from archqa.practice.semantic import SemanticGrader

register_grader(SemanticGrader.name, SemanticGrader)
register_grader(LexicalGrader.name, LexicalGrader)
register_grader(LLMGrader.name, LLMGrader)

__all__ = ["LLMGrader", "LexicalGrader", "SemanticGrader"]
