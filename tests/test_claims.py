"""Self-claims in many phrasings and places: each true one passes and each false one is an honesty error.

The fixture set (tests/conftest.py) has 5 questions (1 Foundational, 2 Intermediate, 2 Advanced) in 2 topics
(3 + 2), 3 diagrams, 5 Python code blocks, 4 trade-off tables, 1 metrics table, 8 glossary entries,
8 bibliography entries and 4 tools; Q1 lists Q2 as related, Q2 lists Q3, ..., Q5 lists Q1.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archqa import validate_text
from archqa.validate.claims import extract, words_to_digits
from tests.conftest import make_set

FACTS = {
    "questions": 5,
    "foundational": 1,
    "intermediate": 2,
    "advanced": 2,
    "diagrams": 3,
    "code": 5,
    "tradeoff_tables": 4,
    "topics": 2,
    "glossary": 8,
    "bibliography": 8,
    "tools": 4,
}
NOUN_WORDS = {
    "questions": ["questions", "Q&As", "interview questions", "questions and answers", "Q&A pairs"],
    "foundational": ["Foundational questions", "foundational", "Foundational-level questions"],
    "intermediate": ["Intermediate questions", "intermediate"],
    "advanced": ["Advanced questions", "advanced"],
    "diagrams": ["diagrams", "Mermaid diagrams", "flowcharts"],
    "code": ["code examples", "code samples", "snippets", "Python examples"],
    "tradeoff_tables": ["trade-off tables", "comparison tables"],
    "topics": ["topics", "topic areas"],
    "glossary": ["glossary terms", "glossary entries"],
    "bibliography": ["books", "bibliography entries", "references"],
    "tools": ["tools"],
}
LABELS = {
    "questions": ["Total Q&As", "Questions", "Number of questions"],
    "foundational": ["Foundational"],
    "intermediate": ["Intermediate"],
    "advanced": ["Advanced"],
    "diagrams": ["Diagrams", "Mermaid diagrams"],
    "code": ["Code examples"],
    "tradeoff_tables": ["Comparison tables"],
    "topics": ["Topics"],
    "glossary": ["Glossary terms"],
    "bibliography": ["Books"],
    "tools": ["Tools"],
}
WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()
ADJECTIVES = ["", "high-quality ", "carefully written ", "new "]


def _spell(n: int, words: bool) -> str:
    return WORDS[n] if words and 2 <= n < len(WORDS) else str(n)


BASE = None


def _base() -> str:
    global BASE
    if BASE is None:
        from archqa import write_set

        BASE = write_set(make_set())
    return BASE


def place(where: str, claim: str) -> str:
    """Put one claim into the fixture document at one of the places documents make claims."""
    t = _base()
    if where == "report-h2":
        return t.rstrip("\n") + "\n\n---\n\n## Validation Report\n\n- " + claim + "\n"
    if where == "summary-h3-after-last-question":
        return t.rstrip("\n") + "\n\n### Summary\n\n" + claim + "\n"
    if where == "self-assessment-h4":
        return t.rstrip("\n") + "\n\n## Quality\n\n#### Self-assessment\n\n✅ " + claim + "\n"
    if where == "intro":
        return t.replace("# Fixture set\n", "# Fixture set\n\n" + claim + "\n", 1)
    if where == "blockquote":
        return t.replace("# Fixture set\n", "# Fixture set\n\n> " + claim + "\n", 1)
    if where == "checklist":
        return t.rstrip("\n") + "\n\n## Summary\n\n- ✅ **" + claim + "**\n"
    raise AssertionError(where)


PLACES = ["report-h2", "summary-h3-after-last-question", "self-assessment-h4", "intro", "blockquote", "checklist"]


@st.composite
def count_claims(draw: st.DrawFn) -> tuple[str, bool]:
    measure = draw(st.sampled_from(sorted(FACTS)))
    truth = FACTS[measure]
    true = draw(st.booleans())
    n = truth if true else draw(st.integers(0, 12).filter(lambda k: k != truth))
    words = draw(st.booleans())
    style = draw(st.sampled_from(["number-first", "label-first", "sentence"]))
    if style == "label-first" or (measure == "code" and n != truth and False):
        label = draw(st.sampled_from(LABELS[measure]))
        sep = draw(st.sampled_from([": ", " — ", " = "]))
        claim = f"{label}{sep}{n}"
    else:
        noun = draw(st.sampled_from(NOUN_WORDS[measure]))
        adj = draw(st.sampled_from(ADJECTIVES)) if measure in ("questions", "diagrams") else ""
        phrase = f"{_spell(n, words)} {adj}{noun}"
        if style == "sentence":
            claim = draw(st.sampled_from(["This set has {}.", "It contains {} in total.", "We wrote {} for you."]))
            claim = claim.format(phrase)
        else:
            claim = phrase
    return claim, true


@st.composite
def other_claims(draw: st.DrawFn) -> tuple[str, bool]:
    kind = draw(st.sampled_from(["percent", "share", "link", "quality", "score"]))
    true = draw(st.booleans())
    if kind == "percent":
        d, pct = draw(st.sampled_from([("Foundational", 20), ("Intermediate", 40), ("Advanced", 40)]))
        v = pct if true else draw(st.sampled_from([5, 10, 25, 33, 50, 60]))
        form = draw(st.sampled_from(["{v}% {d}", "{d} ({v}%)", "{d}: {v}%", "{v}% of the questions are {d}"]))
        return form.format(v=v, d=d), true
    if kind == "share":
        feature, yes = draw(st.sampled_from([("a code example", True), ("a diagram", False), ("key points", True),
                                             ("a trade-offs table", False), ("a citation", True)]))  # fmt: skip
        form = draw(st.sampled_from(["Each Q&A includes {f}", "Every answer comes with {f}", "All questions have {f}"]))
        return form.format(f=feature), yes
    if kind == "link":
        pairs = [(1, 2), (2, 3), (3, 4), (4, 5), (2, 1), (5, 1)] if true else [(1, 3), (2, 4), (3, 5), (1, 4)]
        a, b = draw(st.sampled_from(pairs))
        forms = [
            "Q{a} links to Q{b}",
            "Q{a} builds on Q{b}",
            "Q{a} → Q{b}",
            "Q{a} -> Q{b}",
            "Question {a} refers to Question {b}",
        ]
        form = draw(st.sampled_from(forms))
        return form.format(a=a, b=b), true
    if kind == "quality":
        claim = draw(st.sampled_from(["All code is production-ready", "Every example compiles",
                                      "Code is ready for production", "The code builds cleanly",
                                      "All code tested", "Every citation verified"]))  # fmt: skip
        return claim, True  # the fixture's code parses and its citations resolve
    score = draw(st.sampled_from(["Score: {}/100", "Quality score {}/100", "Rated {} out of 100"]))
    v = 100 if true else draw(st.sampled_from([90, 95, 98, 99]))
    return score.format(v), true


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(count_claims(), other_claims()), st.sampled_from(PLACES))
def test_claims_in_any_phrasing_get_the_right_verdict(claim: tuple[str, bool], where: str) -> None:
    text, true = claim
    doc = place(where, text)
    r = validate_text(doc, "d.md")
    honesty = [f.format() for f in r.findings if f.category == "honesty"]
    other = [f.format() for f in r.findings if f.category != "honesty"]
    assert not other, other
    if true:
        assert not honesty, (text, where, honesty)
    else:
        assert honesty, (text, where, "false claim not reported")


def test_false_quality_claims_fail_where_code_or_citations_are_broken(good_text: str) -> None:
    broken = good_text.replace("    if key in seen:\n", "    if key in seen\n", 1)
    for claim in ["All code is production-ready", "Every example compiles", "Code is ready for production",
                  "The code builds cleanly", "All code tested"]:  # fmt: skip
        rules = [f.rule for f in validate_text(place("report-h2", claim).replace(good_text, broken)).findings]
        assert "honesty.code-claim" in rules, claim
    bad_ref = place("report-h2", "Every citation verified").replace("[Ref: A1]", "[Ref: A42]", 1)
    assert "honesty.citation-claim" in [f.rule for f in validate_text(bad_ref).findings]
    denied = place("report-h2", "The code is illustrative, not production-ready").replace(good_text, broken)
    assert "honesty.code-claim" not in [f.rule for f in validate_text(denied).findings]


SECTION: list[tuple[str, bool]] = [
    ("The 2 questions in this section look at storage.", True),
    ("The 3 questions in this section look at storage.", False),
    ("This topic has two questions.", True),
    ("Each Q&A here includes a trade-offs table.", True),
    ("Each Q&A includes a diagram.", False),  # Q4 has none; Q5 has one
]


@pytest.mark.parametrize("claim,true", SECTION)
def test_a_figure_about_a_part_is_checked_against_that_part(good_text: str, claim: str, true: bool) -> None:
    doc = good_text.replace("**Overview**: Where the data lives.", "**Overview**: Where the data lives.\n\n" + claim)
    honesty = [f for f in validate_text(doc).findings if f.category == "honesty"]
    assert (not honesty) == true, [f.message for f in honesty]
    if not true:
        assert "Data Architecture" in honesty[0].message


TABLES: list[tuple[str, bool]] = [
    ("| Total Q&As | 5 | ✅ |\n|---|---|---|\n| Diagrams | 3 | ✅ |", True),
    ("| Total Q&As | 7 | ✅ |\n|---|---|---|\n| Diagrams | 3 | ✅ |", False),
    ("| Metric | Value |\n|---|---|\n| Questions | 5 |\n| Tools | 9 |", False),
    (
        "| Topic | Questions | Diagrams |\n|---|---|---|\n"
        "| Structural Architecture | 3 | 2 |\n| Data Architecture | 2 | 1 |",
        True,
    ),
    ("| Topic | Questions | Diagrams |\n|---|---|---|\n| Structural Architecture | 3 | 1 |", False),
]  # fmt: skip


@pytest.mark.parametrize("table,true", TABLES)
def test_claim_tables(table: str, true: bool) -> None:
    doc = _base().rstrip("\n") + "\n\n## Self-assessment\n\n" + table + "\n"
    honesty = [f for f in validate_text(doc).findings if f.category == "honesty"]
    assert (not honesty) == true, [f.message for f in honesty]


def test_an_operator_word_inside_another_word_is_not_an_operator(good_text: str) -> None:
    doc = good_text.replace(
        "# Fixture set\n", "# Fixture set\n\nThe questions cover 2 topics and 8 glossary terms.\n", 1
    )
    assert [f for f in validate_text(doc).findings] == []
    assert "honesty.artifacts" in [
        f.rule for f in validate_text(doc.replace("cover 2 topics", "cover 3 topics")).findings
    ]


def test_number_words_become_digits() -> None:
    assert (
        words_to_digits("twenty-six questions, twelve diagrams, a dozen tools") == "26 questions, 12 diagrams, 12 tools"
    )
    assert words_to_digits("one question a day") == "one question a day"


NOT_CLAIMS = [
    "Pick one question a day and answer it aloud.",
    "A service handling 500 requests per second needs 3 replicas.",
    "Q4 holiday peak traffic is the hardest test of the design.",
    "Questions 1-3 are about structure.",
    "The code is illustrative, not production-ready.",
    "The set grew from 3 questions in its first week.",
    "In Q4 2025 we added two questions.",
    "Each question takes 10 minutes to answer aloud.",
    "Version 2 of this set adds examples from retail.",
]


@pytest.mark.parametrize("text", NOT_CLAIMS)
def test_prose_that_claims_nothing_is_not_read_as_a_claim(good_text: str, text: str) -> None:
    doc = good_text.replace("# Fixture set\n", "# Fixture set\n\n" + text + "\n", 1)
    from archqa.formats.house import read_text_document

    claims = [c for c in extract(read_text_document(doc)) if c.line == 3]
    assert not claims, claims
    assert not [f for f in validate_text(doc).findings if f.severity.value != "info"]
