"""The house format: reading on a CommonMark parse, and the round-trip law."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archqa import (
    BibEntry,
    Blueprint,
    CodeExample,
    Diagram,
    Difficulty,
    GlossaryEntry,
    MetricRow,
    Provenance,
    Question,
    QuestionSet,
    Tool,
    Topic,
    TradeOffRow,
    read_text_document,
    write_set,
)

WORD = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=10)
LINE = st.lists(WORD, min_size=1, max_size=12).map(" ".join)
PARA = st.lists(LINE, min_size=1, max_size=3).map(lambda xs: ". ".join(xs) + ".")
CODE_LINE = st.text(alphabet=string.ascii_letters + string.digits + " #-=:()[]{}_.,'\"`", max_size=40)
CODE = st.lists(CODE_LINE, min_size=1, max_size=6).map("\n".join).filter(lambda c: c.strip() != "")
SLUG = st.lists(
    st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=6), min_size=1, max_size=3
).map("-".join)


@st.composite
def question_sets(draw: st.DrawFn) -> QuestionSet:
    topic_names = draw(st.lists(LINE, min_size=1, max_size=3, unique_by=lambda s: s.lower()))
    n = draw(st.integers(1, 6))
    ids = draw(st.lists(SLUG, min_size=n, max_size=n, unique=True))
    questions = []
    number = 1
    for t_index, t in enumerate(topic_names):
        k = n - len(questions) if t_index == len(topic_names) - 1 else draw(st.integers(0, n - len(questions)))
        for _ in range(k):
            qid = ids[number - 1]
            questions.append(
                Question(
                    id=qid,
                    number=number,
                    title=draw(LINE) + "?",
                    topic=t,
                    difficulty=draw(st.sampled_from(list(Difficulty))),
                    type=draw(st.sampled_from(["", "Design", "Trade-off"])),
                    key_insight=draw(st.one_of(st.just(""), PARA)),
                    answer="\n\n".join(draw(st.lists(PARA, min_size=1, max_size=3))),
                    key_points=draw(st.lists(LINE, max_size=4)),
                    code=[
                        CodeExample(language=lang, code=c)
                        for lang, c in draw(
                            st.lists(st.tuples(st.sampled_from(["python", "go", "sql"]), CODE), max_size=2)
                        )
                    ],
                    diagrams=[Diagram(kind="mermaid", source=c) for c in draw(st.lists(CODE, max_size=1))],
                    metrics=[
                        MetricRow(metric=a, formula=b, target=c)
                        for a, b, c in draw(st.lists(st.tuples(LINE, LINE, LINE), max_size=2))
                    ],
                    tradeoffs=[
                        TradeOffRow(approach=a, pros=b, cons=c, use_when=d)
                        for a, b, c, d in draw(st.lists(st.tuples(LINE, LINE, LINE, LINE), max_size=2))
                    ],
                    related=draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)),
                    tags=draw(st.lists(SLUG, max_size=3, unique=True)),
                    provenance=Provenance(file=draw(SLUG) + ".md", line=draw(st.integers(1, 5000))),
                )
            )
            number += 1
    bp = draw(
        st.one_of(
            st.none(),
            st.builds(
                Blueprint,
                count=st.integers(1, 99),
                mix=st.just((20, 40, 40)),
                topics=st.dictionaries(SLUG, st.one_of(st.none(), st.integers(1, 9)), max_size=2),
                focus=st.lists(SLUG, max_size=2),
                languages=st.lists(st.sampled_from(["python", "go"]), max_size=2),
                seed=st.integers(0, 10**6),
            ),
        )
    )
    return QuestionSet(
        title=draw(LINE),
        blueprint=bp,
        topics=[Topic(name=t, overview=draw(st.one_of(st.just(""), PARA))) for t in topic_names],
        questions=questions,
        glossary=[
            GlossaryEntry(
                id=f"G{i + 1}", term=draw(LINE), definition=draw(PARA), related=draw(st.lists(WORD, max_size=2))
            )
            for i in range(draw(st.integers(0, 3)))
        ],
        bibliography=[BibEntry(id=f"A{i + 1}", text=draw(PARA)) for i in range(draw(st.integers(0, 3)))],
        tools=[
            Tool(id=f"T{i + 1}", name=draw(LINE), description=draw(PARA), url="https://" + draw(SLUG) + ".org")
            for i in range(draw(st.integers(0, 2)))
        ],
        report=draw(
            st.one_of(
                st.just(""), st.lists(LINE, min_size=1, max_size=3).map(lambda xs: "\n".join("- " + x for x in xs))
            )
        ),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question_sets())
def test_round_trip_law(s: QuestionSet) -> None:
    assert read_text_document(write_set(s)).set == s


def test_round_trip_of_the_fixture(good_set: QuestionSet) -> None:
    assert read_text_document(write_set(good_set)).set == good_set


def test_hash_lines_and_rules_inside_fences_are_code() -> None:
    text = """# Doc

## Topic 1: Data Architecture

### Q1: First?

**Difficulty**: Foundational

**Key Insight**: Insight.

**Answer**: Answer one.

**Implementation**:
```python
# ### Q9: not a question
---
x = 1
```

### Q2: Second?

**Difficulty**: Advanced

**Answer**: Answer two.
"""
    s = read_text_document(text).set
    assert [q.title for q in s.questions] == ["First?", "Second?"]
    assert "# ### Q9: not a question\n---\nx = 1" == s.questions[0].code[0].code
    assert s.questions[1].difficulty is Difficulty.ADVANCED


def test_missing_id_gets_a_stable_id_from_the_title() -> None:
    text = "# D\n\n## Topic 1: X\n\n### Q1: Same title?\n\n**Answer**: a\n"
    a = read_text_document(text).set.questions[0].id
    b = read_text_document(text.replace("**Answer**: a", "**Answer**: b")).set.questions[0].id
    assert a == b and a.startswith("same-title")


def test_an_answer_that_opens_with_a_block_round_trips() -> None:
    from archqa.formats.house import write_question

    prose = "```\nI would keep one queue per host and hand out one host\nat a time, with a delay between requests.\n```"
    for answer in (prose, "- first point\n- second point", "| a | b |\n|---|---|\n| 1 | 2 |"):
        q = Question(id="q-1", number=1, title="How?", topic="X", difficulty=Difficulty.FOUNDATIONAL, answer=answer)
        doc = read_text_document("# D\n\n## Topic 1: X\n\n" + write_question(q, {}) + "\n")  # no open fence
        got = doc.set.questions[0]
        assert (got.answer, got.code) == (answer, []), answer


def test_anchors_before_headings_are_not_answer_text() -> None:
    text = (
        '# D\n\n## Topic 1: X\n\n<a name="q1"></a>\n### Q1: A?\n\n**Answer**: one.\n\n'
        '<a name="q2"></a>\n### Q2: B?\n\n**Answer**: two.\n'
    )
    assert [q.answer for q in read_text_document(text).set.questions] == ["one.", "two."]
