"""Every rule has a passing case (the fixture set) and a failing case (one defect added)."""

from __future__ import annotations

import pytest

from archqa import QuestionSet, Severity, validate_text, write_set


def rule_ids(text: str, severity: Severity | None = None) -> list[str]:
    r = validate_text(text, "doc.md")
    return [f.rule for f in r.findings if severity is None or f.severity is severity]


def test_the_fixture_set_passes_every_rule(good_text: str) -> None:
    r = validate_text(good_text, "doc.md")
    assert [f.format() for f in r.findings] == []
    assert r.score == 100.0


def _mutate(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text, f"fixture no longer contains {old!r}"
    return text.replace(old, new, count)


CASES = [
    ("structure.numbering", lambda t: _mutate(t, "### Q2:", "### Q7:")),
    ("structure.fields", lambda t: _mutate(t, "**Key Insight**: Safety under retries for payment", "Safety for")),
    ("structure.difficulty", lambda t: _mutate(t, "**Difficulty**: Foundational", "**Difficulty**: Trivial")),
    ("structure.id", lambda t: _mutate(t, "`q-order-history`", "`q-payment-retries`")),
    ("structure.answer-length", lambda t: _short_answer(t)),
    (
        "structure.key-insight",
        lambda t: _mutate(
            t, "comes from making every step idempotent.", "comes from " + "very " * 50 + "idempotent steps."
        ),
    ),
    (
        "structure.key-points",
        lambda t: _mutate(t, "- Bounds waiting with timeouts\n- Names the cost of the extra state\n", ""),
    ),
    ("blueprint.mix", lambda t: t.replace("**Difficulty**: Advanced", "**Difficulty**: Foundational")),
    ("blueprint.topic-table", lambda t: _mutate(t, "| Q1-Q3 | 3 | 1F/2I/0A |", "| Q1-Q3 | 4 | 1F/2I/0A |")),
    ("honesty.total", lambda t: _mutate(t, "**Total**: 5 Q&As", "**Total**: 9 Q&As")),
    ("honesty.percentage", lambda t: _mutate(t, "(20% Foundational", "(25% Foundational")),
    ("honesty.difficulty", lambda t: _append_claim(t, "- 3 Foundational questions")),
    ("honesty.artifacts", lambda t: _append_claim(t, "- Visual aids: 8 diagrams (Mermaid), 12 comparison tables")),
    ("honesty.languages", lambda t: _append_claim(t, "- Code samples in Python, Go and Rust")),
    ("honesty.universal", lambda t: _append_claim(t, "- All answers include a diagram.")),
    ("honesty.code-claim", lambda t: _append_claim(_break_python(t), "- Production-ready code examples")),
    ("honesty.cross-links", lambda t: _append_claim(t, "- Questions link to each other (e.g., Q1→Q4)")),
    ("honesty.score", lambda t: _append_claim(t, "### Validation Score: 98/100")),
    ("honesty.topic", lambda t: _append_claim(t, "1. Structural Architecture: 4 Q&As (Q1-Q4)")),
    ("honesty.minimums", lambda t: _mutate(t, "### Glossary", "### Glossary (≥20)")),
    ("references.citation", lambda t: _mutate(t, "[Ref: A1]", "[Ref: A42]")),
    ("references.uncited", lambda t: t.replace("[Ref: A7]", "")),
    ("references.isbn", lambda t: _mutate(t, "978-1449373320", "978-1449373321")),
    ("references.glossary", lambda t: _mutate(t, "**G1. Bounded Context**", "**G1. Quantum Sharding**")),
    ("references.tool-url", lambda t: _mutate(t, "<https://redis.io>", "[redis.io]")),
    ("references.minimum", lambda t: _drop_tools(t)),
    ("references.duplicate", lambda t: _mutate(t, "**A2.**", "**A1.**")),
    ("code.parse", _break_python := lambda t: _mutate(t, "    if key in seen:\n", "    if key in seen\n")),
    ("code.unlabelled", lambda t: _mutate(t, "```python\ndef handle_0", "```\ndef handle_0")),
    ("diagrams.mermaid", lambda t: _mutate(t, "```mermaid\ngraph LR", "```mermaid\ngrph LR")),
    (
        "tables.columns",
        lambda t: _mutate(
            t,
            "| Dedup table | Exact | Storage | Money moves |",
            "| Dedup table | Exact | Storage | Money moves | extra |",
        ),
    ),
    ("hygiene.escape", lambda t: _mutate(t, "How the parts fit.", "Client \\u2192 server.")),
    ("hygiene.replacement-char", lambda t: _mutate(t, "How the parts fit.", "Caf\ufffd menu.")),
    ("hygiene.mojibake", lambda t: _mutate(t, "How the parts fit.", "It\u00e2\u20ac\u2122s broken.")),
    ("links.anchor", lambda t: _mutate(t, "(#topic-areas)", "(#topic-area)")),
    ("links.question-ref", lambda t: _mutate(t, "Finally I would", "As in Q42, finally I would")),
    ("links.related", lambda t: _mutate(t, "**Related**: [Q2]", "**Related**: [Q77]")),
    (
        "links.duplicate",
        lambda t: _mutate(
            t, "### Q2: How would you make order history safe", "### Q2: How would you make payment retries safe"
        ),
    ),
    (
        "links.near-duplicate",
        lambda t: _mutate(
            t, "### Q2: How would you make order history safe", "### Q2: How would you make payment retry safe"
        ),
    ),
]


def _short_answer(t: str) -> str:
    start = t.index("**Answer**: For payment retries")
    end = t.index("\n", start)
    return t[:start] + "**Answer**: Too short to explain anything [Ref: A1] [Ref: A6]." + t[end:]


def _append_claim(t: str, line: str) -> str:
    return t.rstrip("\n") + "\n\n---\n\n## Validation Report\n\n" + line + "\n"


def _drop_tools(t: str) -> str:
    start = t.index("### Tools")
    return t[:start] + "### Tools\n"


@pytest.mark.parametrize("rule,mutate", CASES, ids=[c[0] for c in CASES])
def test_each_rule_catches_its_defect(good_text: str, rule: str, mutate) -> None:  # type: ignore[no-untyped-def]
    assert rule not in rule_ids(good_text)
    found = rule_ids(mutate(good_text))
    assert rule in found, f"{rule} not reported; got {sorted(set(found))}"


def test_false_claims_report_both_numbers(good_text: str) -> None:
    r = validate_text(_append_claim(good_text, "- 8 diagrams and 11 questions"), "doc.md")
    msgs = [f.message for f in r.findings if f.rule.startswith("honesty")]
    assert any("8 diagrams" in m and "has 3" in m for m in msgs)
    assert any("11 questions" in m and "has 5" in m for m in msgs)


def test_true_claims_pass(good_text: str) -> None:
    claims = "- 5 Q&As\n- 1 Foundational (20.0%)\n- 3 diagrams\n- Code samples in Python only\n- All 2 topics covered"
    assert not [f for f in validate_text(_append_claim(good_text, claims), "d.md").findings]


def test_score_claim_matches_only_the_computed_score(good_text: str) -> None:
    assert "honesty.score" not in rule_ids(_append_claim(good_text, "### Score: 100/100"))
    assert "honesty.score" in rule_ids(_append_claim(good_text, "### Score: 99/100"))


def test_a_false_score_claim_never_reads_as_agreeing_with_itself(good_text: str) -> None:
    # Claim exactly the score the document gets once the false claim's own finding is counted.
    final = validate_text(_append_claim(good_text, "### Score: 99/100"), "d.md").score
    report = validate_text(_append_claim(good_text, f"### Score: {final:.0f}/100"), "d.md")
    (msg,) = [f.message for f in report.findings if f.rule == "honesty.score"]
    assert f"claims a validation score of {final:.0f}" in msg
    assert "archqa computes 100/100 from the other findings" in msg


def test_every_finding_has_a_line_and_a_fix(good_text: str) -> None:
    bad = good_text
    for _, mutate in CASES:
        try:
            bad = mutate(bad)
        except (AssertionError, ValueError):
            continue
    r = validate_text(bad, "doc.md")
    assert len(r.findings) > 20
    for f in r.findings:
        assert f.line >= 1 and f.fix and f.message and f.path == "doc.md"


def test_score_drops_with_errors(good_set: QuestionSet) -> None:
    text = write_set(good_set)
    worse = text.replace("    if key in seen:\n", "    if key in seen\n")
    assert validate_text(worse).score < validate_text(text).score


def test_mix_tolerance_uses_document_blueprint(good_set: QuestionSet) -> None:
    from archqa import Blueprint

    good_set.blueprint = Blueprint(count=5, mix=(80, 10, 10))
    assert "blueprint.mix" in rule_ids(write_set(good_set))


# -- no false findings on good documents -------------------------------------------------------


@pytest.mark.parametrize("heading", ["## Summary", "## How to use this set", "## Notes", "## Quality checklist"])
def test_headings_that_are_not_topics_are_not_empty_topics(good_text: str, heading: str) -> None:
    text = good_text.replace("## Topic Areas", heading + "\n\nRead one question a day.\n\n## Topic Areas", 1)
    assert rule_ids(text) == []
    failing = good_text.replace("## Topic Areas", "## Messaging\n\nNothing here yet.\n\n## Topic Areas", 1)
    assert "blueprint.topics" in rule_ids(failing)


def test_a_summary_after_the_last_question_is_not_part_of_it(good_text: str) -> None:
    from archqa.formats.house import read_text_document

    text = good_text.rstrip("\n") + "\n\n### Summary\n\nThis set has 7 questions.\n"
    doc = read_text_document(text)
    assert "7 questions" not in doc.set.questions[-1].answer
    assert "honesty.total" in rule_ids(text)
    assert "honesty.total" not in rule_ids(text.replace("7 questions", "5 questions"))


@pytest.mark.parametrize(
    "phrase,is_ref",
    [
        ("Q4 holiday peak traffic", False),
        ("the Q3 2024 earnings call", False),
        ("FY24 Q2 planning", False),
        ("as in Q42, the same", True),
        ("see Q9 for the details", True),
    ],
)
def test_a_quarter_is_not_a_question_reference(good_text: str, phrase: str, is_ref: bool) -> None:
    text = _mutate(good_text, "Finally I would", f"Think of {phrase}. Finally I would")
    assert ("links.question-ref" in rule_ids(text)) == is_ref


def test_escapes_and_mojibake_inside_inline_code_are_examples(good_text: str) -> None:
    inline = _mutate(good_text, "How the parts fit.", "Write `\\u2192` or `It\u00e2\u20ac\u2122s` to see the defect.")
    assert rule_ids(inline) == []
    bare = _mutate(good_text, "How the parts fit.", "Write \\u2192 or It\u00e2\u20ac\u2122s to see the defect.")
    assert {"hygiene.escape", "hygiene.mojibake"} <= set(rule_ids(bare))


def test_a_glossary_term_defined_twice_is_reported_at_the_second(good_text: str) -> None:
    twice = _mutate(good_text, "**G2. Idempotency Key**", "**G2. Bounded-Context (BC)**")
    r = validate_text(twice, "doc.md")
    dup = [f for f in r.findings if f.rule == "references.glossary-duplicate"]
    assert len(dup) == 1 and "G1" in dup[0].message
    assert twice.split("\n")[dup[0].line - 1].lstrip("- ").startswith("**G2.")
    assert "references.glossary-duplicate" not in rule_ids(good_text)


def test_the_duplicate_reference_finding_points_at_the_second_entry(good_text: str) -> None:
    text = _mutate(good_text, "**A2.**", "**A1.**")
    f = next(f for f in validate_text(text, "doc.md").findings if f.rule == "references.duplicate")
    assert text.split("\n")[f.line - 1].lstrip("- ").startswith("**A1.** Evans")
    first = next(i for i, ln in enumerate(text.split("\n"), 1) if ln.lstrip("- ").startswith("**A1.**"))
    assert f"first at line {first}" in f.message


# -- content rules checkable offline ------------------------------------------------------------

FIGURES = [
    ("Adding the cache cuts latency by 73 % for reads.", True),
    ("The rewrite made writes 3.2x faster.", True),
    ("Batching reduced the error rate by 40%.", True),
    ("Adding the cache cuts latency by 73 % for reads [Ref: A1].", False),
    ("Assume the cache cuts latency by about 73 % for reads.", False),
    ("Caching can make reads 2x faster.", False),
    ("Halving the batch size cut memory by 50%.", False),
]


@pytest.mark.parametrize("sentence,flagged", FIGURES)
def test_an_unsupported_precise_figure_is_a_warning(good_text: str, sentence: str, flagged: bool) -> None:
    text = _mutate(good_text, "Finally I would", sentence + " Finally I would")
    assert ("references.unsupported-figure" in rule_ids(text, Severity.WARNING)) == flagged


def test_a_key_point_the_answer_never_mentions_is_a_warning(good_text: str) -> None:
    assert "structure.key-point-coverage" not in rule_ids(good_text)
    text = _mutate(good_text, "- Bounds waiting with timeouts\n", "- Explains quorum reads on leaderless stores\n")
    assert "structure.key-point-coverage" in rule_ids(text, Severity.WARNING)
    # Said in other words of the same stem, the point is mentioned.
    text = _mutate(good_text, "- Bounds waiting with timeouts\n", "- Names the timeout it bounds\n")
    assert "structure.key-point-coverage" not in rule_ids(text)
