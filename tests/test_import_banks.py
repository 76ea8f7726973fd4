"""Import audit: recall and precision of question titles over a labelled corpus of bank layouts.

Each fixture in tests/fixtures/banks/ imitates a layout found in public interview-question banks (written in
our own words); expected.yaml lists the questions a person would count in it. The figures are printed and
gated: recall and precision >= 97 % over the corpus, and no file below 90 % recall.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from archqa.formats.source import read_text
from archqa.importer import read_file_questions

BANKS = Path(__file__).parent / "fixtures" / "banks"
EXPECTED: dict[str, list[str]] = yaml.safe_load((BANKS / "expected.yaml").read_text(encoding="utf-8"))


def _norm(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def score(expected: dict[str, list[str]], got: dict[str, list[str]]) -> tuple[float, float, dict[str, float]]:
    """Recall, precision and per-file recall of ``got`` titles against ``expected`` titles (normalised)."""
    tp = fp = fn = 0
    per_file = {}
    for name, titles in expected.items():
        want = {_norm(t) for t in titles}
        have = [_norm(t) for t in got.get(name, [])]
        hit = len(want & set(have))
        tp += hit
        fp += len(have) - hit
        fn += len(want) - hit
        per_file[name] = hit / len(want) if want else 1.0
    return tp / max(tp + fn, 1), tp / max(tp + fp, 1), per_file


def read_corpus() -> dict[str, list[str]]:
    out = {}
    for name in EXPECTED:
        _, qs, _ = read_file_questions(read_text(BANKS / name), name)
        out[name] = [sq.question.title for sq in qs]
    return out


def test_every_fixture_is_labelled() -> None:
    assert sorted(p.name for p in BANKS.glob("*.md")) == sorted(EXPECTED)
    assert sum(len(v) for v in EXPECTED.values()) >= 60


def test_the_score_can_fail() -> None:
    expected = {"a.md": ["What is X?", "Why Y?"]}
    assert score(expected, {"a.md": ["What is X?", "Why Y?"]})[:2] == (1.0, 1.0)
    recall, precision, _ = score(expected, {"a.md": ["What is X?", "Introduction", "Summary"]})
    assert (recall, round(precision, 2)) == (0.5, 0.33)


def test_recall_and_precision_over_the_bank_layouts(capsys: pytest.CaptureFixture[str]) -> None:
    recall, precision, per_file = score(EXPECTED, read_corpus())
    n = sum(len(v) for v in EXPECTED.values())
    with capsys.disabled():
        print(f"\nimport audit: {len(EXPECTED)} files, {n} questions: recall {recall:.1%}, precision {precision:.1%}")
    assert recall >= 0.97 and precision >= 0.97, per_file
    assert min(per_file.values()) >= 0.9, {k: v for k, v in per_file.items() if v < 0.9}
