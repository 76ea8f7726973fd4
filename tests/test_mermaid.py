"""Mermaid blocks are checked by Mermaid's own parser (bundled, run in mini-racer or Node), valid and invalid."""

from __future__ import annotations

import shutil

import pytest

from archqa import validate_text
from archqa.validate import mermaid

CASES = [
    ("graph TD\n  A[Client] --> B{Cache hit?}\n  B -->|yes| C>Reply]\n  B -->|no| D[(Store)]", True),
    ("graph TD\n  A -=> B", False),  # not an arrow
    ("graph TD\n  A[Client --> B", False),  # unclosed bracket
    ("flowchart LR\n  subgraph Edge\n    A --> B\n  end\n  B --> C", True),
    ("flowchart LR\n  subgraph Edge\n    A --> B\n  B --> C", False),  # subgraph never closed
    ("flowchart LR\n  A --> end", False),  # a node named end
    ("flowchart LR\n  A --> finish", True),
    (
        "sequenceDiagram\n  participant C as Client\n  C->>S: PUT /orders\n"
        "  alt accepted\n    S-->>C: 201\n  else busy\n    S-->>C: 503\n  end",
        True,
    ),  # fmt: skip
    ("sequenceDiagram\n  C->>S PUT /orders", False),  # message without ':'
    ("stateDiagram-v2\n  [*] --> Closed\n  Closed --> Open: failures\n  Open --> [*]", True),
    ("stateDiagram-v2\n  [*] --> Closed\n  Closed --> : failures", False),
    ("erDiagram\n  CUSTOMER ||--o{ ORDER : places\n  ORDER ||--|{ LINE : contains", True),
    ("erDiagram\n  CUSTOMER ||--x{ ORDER : places", False),  # no such cardinality
    ('pie title Traffic\n  "Reads" : 80\n  "Writes" : 20', True),
    ('pie title Traffic\n  "Reads" : many', False),  # a pie value must be a number
    ("classDiagram\n  class Order {\n    +id: str\n  }\n  Order <|-- Refund", True),
    ("grph LR\n  A --> B", False),  # unknown diagram type
]


def _doc(good_text: str, source: str) -> str:
    return good_text.replace("```mermaid\ngraph LR\n    A[Client] --> B[Service]\n```", f"```mermaid\n{source}\n```", 1)


needs_engine = pytest.mark.skipif(mermaid.engine() is None, reason="neither mini-racer nor node can run here")


@needs_engine
@pytest.mark.parametrize("source,valid", CASES, ids=[f"{c[0].split()[0]}-{'ok' if c[1] else 'bad'}-{i}" for i, c in
                                                     enumerate(CASES)])  # fmt: skip
def test_mermaid_parser_verdicts(good_text: str, source: str, valid: bool) -> None:
    r = validate_text(_doc(good_text, source), "d.md")
    found = [f for f in r.findings if f.rule == "diagrams.mermaid"]
    assert (not found) == valid, [f.message for f in found]
    if found:
        assert "Mermaid cannot parse" in found[0].message and found[0].line > 1


@needs_engine
def test_every_bank_diagram_parses() -> None:
    import archqa
    from archqa.formats.house import read_document

    bank = archqa.__file__.rsplit("/", 1)[0] + "/bank"
    from pathlib import Path

    eng = mermaid.engine()
    assert eng is not None
    for path in sorted(Path(bank).glob("*.md")):
        blocks = [f.content for f in read_document(path).fences if f.info.lower() == "mermaid"]
        assert eng.check(blocks) == [None] * len(blocks), path


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_engine_gives_the_same_verdicts() -> None:
    node = mermaid.NodeEngine(shutil.which("node") or "node")
    verdicts = node.check([c[0] for c in CASES])
    assert [v is None for v in verdicts] == [c[1] for c in CASES]


def test_without_an_engine_an_info_finding_says_so_and_the_fallback_checks_run(
    good_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mermaid, "engine", lambda: None)
    r = validate_text(good_text, "d.md")
    assert [f.rule for f in r.findings] == ["diagrams.engine"]
    assert r.findings[0].severity.value == "info" and r.score == 100.0
    bad = validate_text(_doc(good_text, "graph TD\n  subgraph X\n  A --> B"), "d.md")
    assert "diagrams.mermaid" in [f.rule for f in bad.findings]


def test_first_line_of_a_mermaid_error() -> None:
    line, text = mermaid.first_line("Parse error on line 3:\n...A -=> B\n-----^\nExpecting 'SEMI', 'NEWLINE', got 'X'")
    assert line == 3 and text.startswith("Parse error on line 3:") and "Expecting" in text


@needs_engine
def test_a_diagram_checked_again_gets_its_kept_verdict_without_running_the_parser() -> None:
    """generate validates a set until its report settles, so the same diagrams come back: each source is
    parsed once, and a kept verdict is the parser's own (a bad diagram's message too)."""
    eng = mermaid.engine()
    if not isinstance(eng, mermaid.MiniRacerEngine):
        pytest.skip("the verdicts are kept by the mini-racer engine")
    good, bad = "graph TD\n  kept1 --> kept2", "graph TD\n  kept1 -->"
    first = eng.check([good, bad])
    evals = 0
    real = eng._ctx.eval

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal evals
        evals += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    eng._ctx.eval = counting  # type: ignore[method-assign]
    try:
        assert eng.check([bad, good, bad]) == [first[1], first[0], first[1]]
        assert evals == 0
        assert first[0] is None and first[1]
        eng.check(["graph TD\n  kept3 --> kept4"])  # a new source is parsed
        assert evals == 1
    finally:
        eng._ctx.eval = real  # type: ignore[method-assign]
