"""`archqa generate`: a complete, honest set from the bundled bank, offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archqa import Blueprint, BlueprintError, Difficulty, read_text_document, validate_text
from archqa.generate import generate, load_bank
from archqa.generate.select import DIVERSITY_THRESHOLD, allocate, largest_remainder
from archqa.text import jaccard
from tests.conftest import make_set, run_cli


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))


def test_default_set_is_26_questions_over_six_clusters_and_validates() -> None:
    g = generate()
    qs = g.set.questions
    assert len(qs) == 26
    assert len({q.topic for q in qs}) == 6
    counts = [sum(1 for q in qs if q.difficulty == d) for d in Difficulty]
    assert counts == largest_remainder(26, [20, 40, 40])
    again = validate_text(g.text, "set.md")
    assert again.errors == 0 and again.warnings == 0
    assert again.score == g.report.score


def test_report_in_the_set_is_the_computed_one() -> None:
    g = generate(Blueprint(count=12, seed=5))
    doc = read_text_document(g.text)
    assert f"### Score: {g.report.score:.0f}/100" in doc.set.report
    assert not [f for f in validate_text(g.text).findings if f.category == "honesty"]
    # Tamper with one figure of the report: the validator catches it.
    forged = g.text.replace(f"- {len(g.set.questions)} Q&As", f"- {len(g.set.questions) + 3} Q&As")
    assert any(f.rule == "honesty.total" for f in validate_text(forged).findings)


def test_same_seed_same_set_other_seed_other_set() -> None:
    a = generate(Blueprint(seed=1)).set
    b = generate(Blueprint(seed=1)).set
    c = generate(Blueprint(seed=2)).set
    assert [q.id for q in a.questions] == [q.id for q in b.questions]
    assert [q.id for q in a.questions] != [q.id for q in c.questions]


def test_topic_quotas_are_met_exactly() -> None:
    bp = Blueprint(count=12, topics={"data": 5, "integration": 4, "structural": 3}, mix=(30, 40, 30))
    qs = generate(bp).set.questions
    by_topic = {t: sum(1 for q in qs if q.topic == t) for t in {q.topic for q in qs}}
    assert by_topic == {"Data Architecture": 5, "Integration Architecture": 4, "Structural Architecture": 3}


def test_questions_ordered_foundational_to_advanced_within_topic() -> None:
    qs = generate(Blueprint(seed=3)).set.questions
    for topic in {q.topic for q in qs}:
        ranks = [q.difficulty.rank for q in qs if q.topic == topic and q.difficulty]
        assert ranks == sorted(ranks)
    assert [q.number for q in qs] == list(range(1, len(qs) + 1))


def test_selection_is_diverse() -> None:
    bank = load_bank()
    by_id = {e.id: e for e in bank.entries}
    qs = generate(Blueprint(count=30, seed=9), bank=bank).set.questions
    sims = [jaccard(by_id[a.id].terms, by_id[b.id].terms) for i, a in enumerate(qs) for b in qs[i + 1 :]]
    assert max(sims) < DIVERSITY_THRESHOLD


def test_focus_is_preferred() -> None:
    qs = generate(Blueprint(count=12, focus=["payments"])).set.questions
    plain = generate(Blueprint(count=12)).set.questions
    assert sum("payments" in q.tags for q in qs) > sum("payments" in q.tags for q in plain)
    ai = generate(Blueprint(count=12, focus=["ai-ml"])).set.questions
    assert sum("ai-ml" in q.tags for q in ai) >= 10


def test_languages_are_preferred() -> None:
    qs = generate(Blueprint(count=12, languages=["go"])).set.questions
    plain = generate(Blueprint(count=12)).set.questions

    def n_go(xs):  # type: ignore[no-untyped-def]
        return sum(any(c.language == "go" for c in q.code) for q in xs)

    assert n_go(qs) > n_go(plain)


def test_references_are_pruned_and_renumbered() -> None:
    s = generate(Blueprint(count=8, seed=4)).set
    ids = [b.id for b in s.bibliography]
    assert ids == [f"A{i}" for i in range(1, len(ids) + 1)]
    cited = {c for q in s.questions for c in q.citations}
    assert cited == set(ids)
    assert [g.id for g in s.glossary] == [f"G{i}" for i in range(1, len(s.glossary) + 1)]
    assert len(s.bibliography) < 42


def test_related_questions_point_inside_the_set() -> None:
    s = generate().set
    ids = {q.id for q in s.questions}
    assert any(q.related for q in s.questions)
    assert all(r in ids for q in s.questions for r in q.related)


def _data_advanced() -> int:
    return sum(1 for e in load_bank().entries if e.topic == "Data Architecture" and e.difficulty == 2)


def test_infeasible_blueprint_names_the_short_slots() -> None:
    have = _data_advanced()
    with pytest.raises(BlueprintError) as exc:
        generate(Blueprint(count=have + 4, topics={"data": have + 4}, mix=(0, 0, 100)))
    msg = str(exc.value)
    assert "Data Architecture" in msg and f"needs {have + 4}, got {have}" in msg and "Advanced" in msg


def test_allow_shortfall_says_so_in_the_report() -> None:
    have = _data_advanced()
    g = generate(Blueprint(count=have + 4, topics={"data": have + 4}, mix=(0, 0, 100)), allow_shortfall=True)
    assert len(g.set.questions) == have >= 6
    assert "### Shortfall" in g.set.report and f"needs {have + 4}, got {have}" in g.set.report


def test_allocation_meets_row_and_column_totals() -> None:
    x = allocate([4, 4, 4], [2, 5, 5], [[1, 5, 0], [1, 0, 5], [3, 3, 3]])
    assert [sum(r) for r in x] == [4, 4, 4]
    assert [sum(r[d] for r in x) for d in range(3)] == [2, 5, 5]


def test_custom_bank_directory(tmp_path: Path) -> None:
    from archqa import write_set

    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "mine.md").write_text(write_set(make_set()))
    g = generate(Blueprint(count=5, mix=(20, 40, 40)), bank=bank)
    assert {q.id for q in g.set.questions} == {q.id for q in make_set().questions}
    assert g.report.errors == 0


def test_bank_cache_follows_file_changes(tmp_path: Path) -> None:
    from archqa import write_set

    bank = tmp_path / "bank"
    bank.mkdir()
    s = make_set()
    f = bank / "mine.md"
    f.write_text(write_set(s))
    assert len(load_bank(bank).entries) == 5
    s.questions = s.questions[:3]
    f.write_text(write_set(s) + "\n")
    assert len(load_bank(bank).entries) == 3


def test_cli_generate_md_json_and_out(tmp_path: Path) -> None:
    r = run_cli("generate", "--count", "6", "--seed", "2")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# ") and "wrote 6 questions" in r.stderr
    out = tmp_path / "set.json"
    r = run_cli("generate", "--count", "6", "--format", "json", "--out", str(out))
    data = json.loads(out.read_text())
    assert data["schema"] == "archqa.set/1" and len(data["set"]["questions"]) == 6
    assert data["validation"]["score"] > 0


def test_cli_generate_bad_options() -> None:
    r = run_cli("generate", "--mix", "50/50")
    assert r.returncode == 2 and "--mix" in r.stderr
    r = run_cli("generate", "--topics", "astrology")
    assert r.returncode == 2 and "astrology" in r.stderr and "structural" in r.stderr
    r = run_cli("generate", "--count", "500")
    assert r.returncode == 2 and "--allow-shortfall" in r.stderr and "Traceback" not in r.stderr
