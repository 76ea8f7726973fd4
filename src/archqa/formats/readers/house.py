"""archqa's house format (### Q1: ... with **Difficulty**, **Answer**): detected here, read by archqa.formats.house."""

from __future__ import annotations

import re

from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import heading_text

HOUSE_Q = re.compile(r"^Q(\d++)\s*+:\s*+(.+)$")
HOUSE_LABEL = re.compile(r"\*\*(Difficulty|Key Insight|ID)\*\*")


def detect(src: SourceText) -> float:
    qs = sum(1 for b in src.blocks if b.kind == "heading" and HOUSE_Q.match(heading_text(b)))
    if not qs:
        return 0.0
    labels = sum(1 for b in src.blocks if b.kind == "paragraph" and HOUSE_LABEL.match(b.raw))
    return 1.0 if labels >= qs else 0.0


# The house reader is archqa.formats.house; the importer calls it directly for this dialect.
def read(src: SourceText) -> list[RawQuestion]:
    return []
