"""Generate a set from a bank: select, assemble, validate, and write the computed report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archqa.formats.house import read_text_document, write_set
from archqa.generate.assemble import assemble
from archqa.generate.bank import Bank, bundled_bank, load_bank
from archqa.generate.select import DIVERSITY_THRESHOLD, Selection, Shortfall, select
from archqa.model import Blueprint, QuestionSet

if TYPE_CHECKING:
    from archqa.llm.compose import Authoring, ModelOptions
    from archqa.validate.engine import Report


@dataclass
class GeneratedSet:
    """A generated set, its house-format text and the validator's report on that text."""

    set: QuestionSet
    text: str
    report: Report
    shortfalls: list[Shortfall] = field(default_factory=list)
    authoring: Authoring | None = None
    """With a model or a CV: what was written, what failed, tokens and cost (None for bank-only sets)."""


def generate(
    blueprint: Blueprint | None = None,
    *,
    bank: Bank | str | Path | None = None,
    allow_shortfall: bool = False,
    title: str | None = None,
    model: ModelOptions | None = None,
    cv: str | Path | None = None,
) -> GeneratedSet:
    """Fill ``blueprint`` from ``bank`` (default: the bundled bank) and validate the result.

    The Validation Report written into the set is computed by the validator over
    the set itself; it is never a claimed figure.

    With ``model`` (see :class:`archqa.llm.compose.ModelOptions`) a model writes
    every slot, or with ``model.fill`` only the slots the bank cannot fill; with
    ``cv`` (a CV file) the set asks about the CV's quantified claims. Every
    question a model writes passes the validator before it is kept; the slots
    that never do are listed in ``shortfalls`` and in the set's report.
    """
    from archqa.validate.engine import run  # here, not at import: practice reads the bank without a validator
    from archqa.validate.report import render_markdown

    bp = blueprint or Blueprint()
    b = bank if isinstance(bank, Bank) else load_bank(bank)
    authoring = None
    if model is not None or cv is not None:
        from archqa.llm.compose import compose

        authoring = compose(b, bp, model=model, cv=cv, title=title)
        qset, shortfalls = authoring.set, authoring.shortfalls
    else:
        sel = select(b, bp, allow_shortfall=allow_shortfall)
        qset, shortfalls = assemble(b, sel, title), sel.shortfalls
    # the report is part of the set it reports on: validate, write the report in, again until it settles
    doc = read_text_document(write_set(qset), "<generated>")
    report = run(doc)
    body = ""
    for _ in range(4):
        new_body = render_markdown(report, doc)  # the document the report was computed on
        if shortfalls:
            new_body += "\n\n### Shortfall\n" + "\n".join(f"- {s.describe()}" for s in shortfalls)
        if new_body == body:
            break
        body = new_body
        qset.report = body
        doc = read_text_document(write_set(qset), "<generated>")
        report = run(doc)
    text = write_set(qset)
    return GeneratedSet(set=qset, text=text, report=report, shortfalls=shortfalls, authoring=authoring)


__all__ = [
    "DIVERSITY_THRESHOLD",
    "Bank",
    "GeneratedSet",
    "Selection",
    "Shortfall",
    "bundled_bank",
    "generate",
    "load_bank",
    "select",
]
