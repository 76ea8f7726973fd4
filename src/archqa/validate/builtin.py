"""Importing this module registers archqa's built-in rules (through register_rule).

Imported once, by ``archqa/validate/__init__.py``; the engine never imports it.
"""

from archqa.validate import (
    rules_answers,
    rules_content,
    rules_honesty,
    rules_references,
    rules_rubric,
    rules_structure,
)

__all__ = ["rules_answers", "rules_content", "rules_honesty", "rules_references", "rules_rubric", "rules_structure"]
