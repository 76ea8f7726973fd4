"""Follow-ups tied to key points, level signals, case-study sections, the tag vocabulary and lengths by difficulty."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from archqa import Blueprint, validate_text
from archqa.formats.house import read_text_document, write_set
from archqa.generate import generate
from archqa.model import CASE_STUDY_SECTIONS, Difficulty
from archqa.tags import load_vocabulary, vocabulary
from archqa.validate import ValidationConfig


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))


SENTENCE = "The counter is encoded in base62 and the cache in front of the store serves the hot codes. "


def case_study(sections: list[str] | None = None, follow: str = "(KP 2)", kind: str = "Case study") -> str:
    names = sections if sections is not None else list(CASE_STUDY_SECTIONS.values())
    body = "\n\n".join(f"**{n}**:\n\n- {SENTENCE * 8}" for n in names)
    return f"""# Set

## Topic 1: System Design Case Studies

### Q1: Design a URL shortener?

**ID**: `case-x` | **Difficulty**: Foundational | **Type**: {kind} | **Tags**: `caching`, `partitioning`

**Key Insight**: Reads dominate, so the redirect must be a cache hit.

**Answer**: A key-value lookup behind a cache; codes come from a counter.

{body}

**Key Points**:
- Reads outnumber writes about a hundred to one.
- The counter is encoded in base62.
- The cache in front of the store serves the hot codes.

**Follow-ups**:
- {follow} What if two writers get the same counter value?
- (KP 3) Now ten times the reads: what changes?

**Level Signals**:
- **Mid**: gets the table and the cache.
- **Senior**: sizes the cache from the estimate.
- **Staff**: plans abuse handling and the cost.

**Diagram**:
```mermaid
flowchart LR
  C[Client] --> LB[Load balancer] --> S[Service] --> K[(Store)]
```
"""


def test_case_study_fields_are_read_and_written_back() -> None:
    doc = read_text_document(case_study())
    q = doc.set.questions[0]
    assert q.is_case_study
    assert [s.name for s in q.sections] == list(CASE_STUDY_SECTIONS)
    assert q.answer == "A key-value lookup behind a cache; codes come from a counter."
    assert [(f.key_point, f.question[:9]) for f in q.follow_ups] == [(2, "What if t"), (3, "Now ten t")]
    assert q.level_signals is not None and q.level_signals.staff.startswith("plans abuse")
    again = read_text_document(write_set(doc.set)).set.questions[0]
    assert again.model_dump(exclude={"number"}) == q.model_dump(exclude={"number"})
    assert "Estimation" in q.full_answer() and SENTENCE.strip() in q.full_answer()


def test_section_labels_stay_in_the_answer_of_other_questions() -> None:
    q = read_text_document(case_study(["Requirements"], kind="Design")).set.questions[0]
    assert not q.sections and SENTENCE.strip() in q.answer


def rules_of(text: str, config: ValidationConfig | None = None) -> Counter[str]:
    return Counter(f.rule for f in validate_text(text, "doc.md", config).findings)


def test_a_follow_up_must_name_an_existing_key_point() -> None:
    assert rules_of(case_study())["structure.follow-up-key-point"] == 0
    assert rules_of(case_study(follow="(KP 7)"))["structure.follow-up-key-point"] == 1
    assert rules_of(case_study(follow=""))["structure.follow-up-key-point"] == 1


def test_a_case_study_needs_every_section_in_order() -> None:
    assert rules_of(case_study())["structure.case-study-sections"] == 0
    names = list(CASE_STUDY_SECTIONS.values())
    found = validate_text(case_study(names[:2] + names[3:]), "doc.md").findings
    missing = [f for f in found if f.rule == "structure.case-study-sections"]
    assert len(missing) == 1 and "API" in missing[0].message
    swapped = names[:1] + [names[2], names[1]] + names[3:]
    assert rules_of(case_study(swapped))["structure.case-study-order"] == 1


def test_bank_profile_requires_follow_ups_and_tags_from_the_vocabulary() -> None:
    bank = ValidationConfig.bank()
    text = case_study()
    assert rules_of(text, bank)["structure.tag-vocabulary"] == 0
    bad = text.replace("`partitioning`", "`made-up-tag`")
    assert rules_of(bad, bank)["structure.tag-vocabulary"] == 1
    assert rules_of(bad)["structure.tag-vocabulary"] == 0  # other documents may tag freely
    bare = text.split("**Follow-ups**:")[0] + "**Diagram**:" + text.split("**Diagram**:")[1]
    assert rules_of(bare, bank)["structure.follow-ups"] == 1
    assert rules_of(bare, bank)["structure.level-signals"] == 1
    assert rules_of(bare)["structure.follow-ups"] == 0


def test_answer_length_depends_on_difficulty() -> None:
    cfg = ValidationConfig()
    assert cfg.answer_range(Difficulty.FOUNDATIONAL) == (120, 250)
    assert cfg.answer_range(Difficulty.ADVANCED) == (250, 450)
    words = " ".join(["word"] * 200)
    text = case_study([], kind="Design").replace(
        "A key-value lookup behind a cache; codes come from a counter.", words + " counter base62 cache."
    )
    assert rules_of(text)["structure.answer-length"] == 0
    assert rules_of(text.replace("Foundational", "Advanced"))["structure.answer-length"] == 1


def test_the_vocabulary_defines_each_tag_once_with_a_meaning() -> None:
    groups = load_vocabulary()
    tags = [t for g in groups.values() for t in g]
    assert len(tags) == len(set(tags)) == len(vocabulary()) >= 60
    assert all(len(m.split()) >= 4 for g in groups.values() for m in g.values())


def test_default_set_leaves_case_studies_out_and_type_selects_them() -> None:
    default = generate(Blueprint(count=30, mix=(34, 33, 33))).set.questions
    assert default and not any(q.is_case_study for q in default)
    cases = generate(Blueprint(count=6, mix=(34, 33, 33), type="case-study")).set.questions
    assert len(cases) == 6 and all(q.is_case_study for q in cases)


def test_every_topic_gets_each_difficulty_when_the_count_allows() -> None:
    qs = generate(Blueprint(count=36, mix=(34, 33, 33))).set.questions
    cells = Counter((q.topic, q.difficulty) for q in qs)
    topics = {q.topic for q in qs}
    assert len(topics) >= 6
    assert all(cells[(t, d)] >= 1 for t in topics for d in Difficulty)


def test_a_rule_right_under_a_field_is_reported() -> None:
    good = case_study()
    bad = good.replace("**Level Signals**:", "**Level Signals**:\n---\n\n**Level Signals**:")
    assert rules_of(good)["structure.setext-label"] == 0
    found = [f for f in validate_text(bad, "doc.md").findings if f.rule == "structure.setext-label"]
    assert len(found) == 1 and bad.split("\n")[found[0].line].strip() == "---"
