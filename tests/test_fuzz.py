"""Fuzzing import and validate with hostile Markdown (issue 11): bounded to well under a minute.

Documents are built from fragments that have stalled or crashed archqa (runs of spaces and NBSPs,
markers, brackets, unclosed emphasis and tags, deep code, front matter, control characters), repeated
and mutated. For each one: the import of the file and its validation end within a time per KB, the
command line exits 0, 1 or 2 without a traceback, and memory stays bounded.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archqa.cli.app import cli
from archqa.errors import InputError
from archqa.importer.pipeline import _parse_file
from archqa.validate import validate_text

FRAGMENTS = [
    " ",
    "\u00a0",
    "\t",
    "\n",
    "\n\n",
    "\u00a0\n",
    "**",
    "__",
    "*a",
    "_",
    "`",
    "```",
    "~~~",
    "[",
    "]",
    "(",
    ")",
    "](#top)",
    "[Back](#top) ",
    "<",
    ">",
    "<details>",
    "<summary>",
    "</summary>",
    "</details>",
    "<br>",
    "<!-- archqa:source x.md:1 -->",
    "#",
    "## ",
    "### Q1: ",
    "## Q2-3: ",
    "## Topic 1: ",
    "Q1:",
    "Q",
    "A:",
    "**A",
    "**Answer**: ",
    "**ID**: `q1` | **Difficulty**: Foundational",
    "**Key Insight**: ",
    "**G1. a  b** – ",
    "**T1. x** – http://",
    "Related: ",
    "[Ref: A1, A2",
    "1. ",
    "- ",
    "| Question | Answer |\n|---|---|\n| ",
    "|",
    "What is a cache?",
    "Design a feed",
    "http://",
    "DOI 10.1234/",
    "ISBN ",
    "score 98/100",
    "all answers include code",
    "12 questions",
    "(",
    "\\u",
    "\\ud800",
    "\x1b]0;t\x07",
    "---\n",
    "title: x\n",
    "a: &a [1]\nb: [*a, *a]\n",
    "```json\n[[[[",
    "```python\n----",
    "```go\nfunc (",
    "```sql\nSELECT ((",
    "```yaml\na: [[",
    "```mermaid\ngraph TD\n",
]

piece = st.tuples(st.sampled_from(FRAGMENTS), st.integers(min_value=1, max_value=400)).map(lambda t: t[0] * t[1])
documents = st.lists(piece, min_size=1, max_size=30).map("".join).filter(lambda s: len(s) <= 40_000)

SECONDS_PER_KB = 0.05
"""Beyond a fixed second, what a KB may cost; a backtracking pattern costs seconds for a few KB."""


def _allowed(text: str) -> float:
    return 1.0 + SECONDS_PER_KB * len(text.encode("utf-8")) / 1000


@settings(
    max_examples=int(os.environ.get("ARCHQA_FUZZ_EXAMPLES", "400")),
    deadline=None,
    derandomize=not os.environ.get("ARCHQA_FUZZ_EXAMPLES"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
@given(documents)
def test_import_and_validate_end_in_time_per_kb(text: str) -> None:
    allowed = _allowed(text)
    start = time.monotonic()
    parsed = _parse_file("fuzz.md", "fuzz.md", text.encode("utf-8"), "sha", None)
    assert "took longer than" not in parsed.error, parsed.error
    assert "could not read this file" not in parsed.error, parsed.error
    try:
        validate_text(text, "fuzz.md", time_limit=allowed)
    except InputError as exc:
        assert "took longer than" not in str(exc), str(exc)
    assert time.monotonic() - start < 2 * allowed + 1


@settings(max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(documents, min_size=1, max_size=3))
def test_validate_command_exits_0_1_or_2_without_a_traceback(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        names = []
        for i, text in enumerate(texts):
            name = os.path.join(folder, f"doc{i}.md")
            with open(name, "w", encoding="utf-8") as f:
                f.write(text)
            names.append(name)
        result = CliRunner().invoke(cli, ["validate", "-q", *names])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def test_memory_stays_bounded() -> None:
    """Runs after the fuzz tests in this module: the process never grew past 2 GB."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert peak_kb < 2_000_000, f"peak RSS {peak_kb / 1e6:.1f} GB"
