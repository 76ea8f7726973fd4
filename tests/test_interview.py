"""`archqa.interview`: the plan and its budgets, key points by phase, follow-up choice, scorecard levels, the
diagram comparison, and a transcript saved and read back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archqa.interview import (
    PHASES,
    Interview,
    Scorecard,
    Transcript,
    assign_points,
    budgets,
    case_study_plan,
    choose_follow_ups,
    level_for,
    list_interviews,
    load_bank_questions,
    load_interview,
    save_interview,
    scorecard,
    time_level,
)
from archqa.interview.diagram import compare, parse_flowchart
from archqa.interview.model import FollowUpTurn, PhaseTurn, PointResult
from archqa.model import CASE_STUDY, Diagram, FollowUp, LevelSignals, Question, Section
from archqa.store import Store
from tests.conftest import run_cli


@pytest.fixture(autouse=True)
def _store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_DB", str(tmp_path / "store.db"))
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))


REFERENCE = """flowchart LR
  C[Client] --> LB[Load balancer]
  LB --> API[API service]
  API --> Q[(Kafka)]
  Q --> W[Delivery worker]
  W --> DB[(Postgres)]
"""


def toy_case() -> Question:
    """A small case study whose sections each use their own words, so the lexical assignment is certain."""
    return Question(
        id="case-toy",
        title="Design a toy notification service",
        type=CASE_STUDY,
        answer="Queue the notifications and deliver them with workers.",
        key_points=[
            "Functional requirements name the channels: email, push and SMS.",
            "Estimate thirty thousand notifications per second at peak.",
            "Workers retry failed deliveries with exponential backoff and jitter.",
            "Deduplicate deliveries with an idempotency key per notification.",
        ],
        sections=[
            Section(name="requirements", text="Functional: send email, push and SMS channels to users."),
            Section(name="estimation", text="Assume thirty thousand notifications per second at peak."),
            Section(name="api", text="POST /v1/notify {user, template} returns 202."),
            Section(name="data_model", text="A table of templates keyed by id."),
            Section(name="high_level_design", text="An API writes to Kafka; delivery workers consume."),
            Section(
                name="deep_dives",
                text="Retries: workers retry failed deliveries with exponential backoff and jitter. "
                "Duplicates: an idempotency key per notification deduplicates deliveries.",
            ),
            Section(name="scaling", text="At ten times the load add partitions."),
        ],
        follow_ups=[
            FollowUp(key_point=3, question="A provider is down for an hour: what do your workers do?"),
            FollowUp(key_point=4, question="How do you stop a user getting the same push twice?"),
            FollowUp(key_point=2, question="Now traffic grows ten times; what changes?"),
        ],
        level_signals=LevelSignals(mid="Queues work.", senior="Retries with backoff.", staff="Owns provider cost."),
        diagrams=[Diagram(source=REFERENCE)],
    )


def test_budgets_sum_to_the_minutes_and_follow_the_weights() -> None:
    for minutes in (5, 45, 61):
        got = budgets([p.weight for p in PHASES], minutes)
        assert sum(got) == minutes * 60
    assert budgets([p.weight for p in PHASES], 45) == [324, 270, 270, 270, 594, 702, 270]
    assert budgets([1.0, 1.0, 1.0], 5) == [100, 100, 100]
    assert abs(sum(p.weight for p in PHASES) - 1.0) < 1e-9


def test_plan_has_seven_phases_in_interview_order_with_each_point_in_its_section() -> None:
    plan = case_study_plan(toy_case(), "senior", 45, method="lexical")
    assert [p.title for p in plan.phases] == [
        "Requirements",
        "Estimation",
        "Entities and API",
        "Data model",
        "High-level design",
        "Deep dives",
        "Wrap-up",
    ]
    assert plan.assignment == "lexical"
    points = {p.key: [r.number for r in p.points] for p in plan.phases}
    assert points == {
        "requirements": [1],
        "estimation": [2],
        "api": [],
        "data_model": [],
        "high_level_design": [],
        "deep_dives": [3, 4],
        "wrap_up": [],
    }
    assert "idempotency key" in plan.phases[5].reference
    assert plan.phases[4].reference_diagram == REFERENCE


def test_embedding_assignment_is_deterministic_and_matches_sections() -> None:
    first, how = assign_points(toy_case(), "embedding")
    again, _ = assign_points(toy_case(), "embedding")
    assert how == "embedding" and first == again
    assert 3 in first["deep_dives"] and 4 in first["deep_dives"]
    assert first["requirements"] == [1]


def test_follow_ups_probe_missed_points_first_then_change_a_requirement() -> None:
    q = toy_case()
    plan = case_study_plan(q, "senior", 45, method="lexical")
    deep = plan.phases[5]
    # the answer missed KP 4 only: its follow-up comes first, then a change of requirement in this phase? none
    # probes a deep-dive point, so none; KP 3 was covered, so its follow-up is not asked
    got = choose_follow_ups(deep, q.follow_ups, missed={4}, asked=set())
    assert [(f.key_point, f.why) for f in got] == [(4, "missed")]
    got = choose_follow_ups(deep, q.follow_ups, missed={3, 4}, asked=set())
    assert [f.key_point for f in got] == [3, 4]
    # the wrap-up asks the change of requirement that is left, whatever point it probes
    wrap = plan.phases[6]
    got = choose_follow_ups(wrap, q.follow_ups, missed=set(), asked=set())
    assert [(f.key_point, f.why) for f in got] == [(2, "change of requirement")]
    # a follow-up is asked once per interview
    assert choose_follow_ups(wrap, q.follow_ups, missed=set(), asked={q.follow_ups[2].question}) == []
    # the requirements phase never moves the goalposts
    assert choose_follow_ups(plan.phases[0], q.follow_ups, missed=set(), asked=set()) == []


def test_a_scripted_answer_that_misses_kp_2_gets_the_follow_up_on_kp_2() -> None:
    """The bank's rate limiter, the default (semantic) grader: a deep-dive answer that makes the token-bucket
    point (KP 3) but says nothing of the atomic script (KP 2) or store failure (KP 5) is asked about both."""
    iv = Interview.start(load_bank_questions(), prompt_id="case-rate-limiter", minutes=45)
    deep = next(p for p in iv.plan.phases if p.key == "deep_dives")
    assert [r.number for r in deep.points] == [2, 3, 5]
    turn = iv.answer(
        "deep_dives",
        "A token bucket stores two numbers per key, the tokens and the last refill time, and allows bursts up to "
        "its capacity, while a fixed window lets a client send twice the limit around a window boundary.",
        300,
    )
    verdicts = {r.number: r.verdict for r in turn.points}
    assert verdicts[3] == "covered" and verdicts[2] != "covered" and verdicts[5] != "covered"
    assert [(f.key_point, f.why) for f in turn.follow_ups] == [(2, "missed"), (5, "missed")]
    assert turn.follow_ups[0].question.startswith("Two gateway nodes read the bucket")
    # the candidate makes KP 2 in the follow-up: half credit
    fu = iv.answer_follow_up(
        "deep_dives",
        0,
        "Without the script both nodes take the last token and the bucket is overspent. The refill-and-take step "
        "has to be atomic, so I run it as a server-side Lua script in Redis.",
        40,
    )
    assert fu.covered is True
    card = iv.scorecard()
    deep_row = next(d for d in card.dimensions if d.key == "deep_dives")
    assert deep_row.credit == 1.5 and deep_row.total == 4  # KP 3 whole, KP 2 half, KP 5 and wrap-up's KP 6 none


def _turn(phase: str, covered: list[int], missed: list[int], seconds: float = 60) -> PhaseTurn:
    points = [
        PointResult(number=n, text=f"p{n}", verdict="covered", evidence=f"said {n}", how="answer") for n in covered
    ]
    points += [PointResult(number=n, text=f"p{n}", verdict="missing", reason="no span close enough") for n in missed]
    return PhaseTurn(phase=phase, answer="...", seconds=seconds, points=points)


def test_scorecard_levels_follow_the_stated_cut_offs() -> None:
    assert [level_for(s) for s in (0.0, 0.29, 0.30, 0.59, 0.60, 0.84, 0.85, 1.0)] == [
        "below mid",
        "below mid",
        "mid",
        "mid",
        "senior",
        "senior",
        "staff",
        "staff",
    ]
    plan = case_study_plan(toy_case(), "senior", 45, method="lexical")
    t = Transcript(started_at="2026-12-01T10:00:00+00:00", grader="test", plan=plan)
    t.turns = [
        _turn("requirements", [1], []),
        _turn("estimation", [], [2]),
        _turn("api", [], []),
        _turn("data_model", [], []),
        _turn("high_level_design", [], []),
        _turn("deep_dives", [3], [4]),
        _turn("wrap_up", [], []),
    ]
    t.turns[5].points[0] = t.turns[5].points[0].model_copy(update={"how": "follow-up"})
    card = scorecard(t, toy_case().level_signals)
    levels = {d.key: d.level for d in card.dimensions}
    assert levels == {
        "requirements": "staff",
        "estimation": "below mid",
        "api_data": "not assessed",
        "design": "not assessed",
        "deep_dives": "below mid",  # KP 3 only after its follow-up: 0.5 of 2 = 25 %
        "time": "staff",
    }
    deep = next(d for d in card.dimensions if d.key == "deep_dives")
    assert deep.credit == 0.5 and [m.number for m in deep.missed] == [4]
    assert deep.evidence[0].quote == "said 3" and deep.evidence[0].how == "follow-up"
    assert card.signals == "Retries with backoff."
    assert card.assessed == 4 and card.met == 2 and card.overall == "below mid"


def test_time_management_levels() -> None:
    assert time_level([60, 60], [60, 60])[0] == "staff"
    assert time_level([100, 30], [60, 60])[0] == "senior"  # one phase over, total 108 %
    assert time_level([100, 100], [60, 120])[0] == "mid"  # two over... total 111 %
    assert time_level([200, 100], [60, 120])[0] == "below mid"
    assert "ran over" in time_level([200, 100], [60, 120])[1]


def test_a_diagram_missing_a_component_and_an_edge_is_reported() -> None:
    candidate = """flowchart LR
  U[Users] --> B[ALB]
  B --> S[API]
  S --> K[(Kafka)]
  K --> D[(Database)]
"""
    check = compare(candidate, REFERENCE)
    assert check.parser == "mermaid" and check.nodes == 5 and check.edges == 4
    matched = {c.reference: (c.candidate, c.how) for c in check.components}
    assert matched["Client"] == ("Users", "synonym")
    assert matched["Load balancer"] == ("ALB", "synonym")
    assert matched["Kafka"] == ("Kafka", "name")
    assert check.missing_components == ["Delivery worker"]
    missing = [(c.source, c.target) for c in check.missing_connections]
    assert missing == [("Kafka", "Delivery worker"), ("Delivery worker", "Postgres")]
    found = [c.evidence for c in check.connections if c.found]
    assert found == ["Users --> ALB", "ALB --> API", "API --> Kafka"]


def test_the_fallback_reader_is_used_and_named_when_mermaid_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import archqa.validate.mermaid as mermaid

    monkeypatch.setattr(mermaid, "graph", lambda source: None)
    check = compare("flowchart LR\n  C[Client] --> LB[Load balancer]\n  LB -.->|route| API[API service]", REFERENCE)
    assert check.parser == "fallback" and "simple flowchart reader" in check.note
    assert check.nodes == 3 and check.edges == 2
    assert "Kafka" in check.missing_components
    g = parse_flowchart('flowchart TD\n  A["Gateway"] -- yes --> B[(Store)]\n  A -. rules .-> C{Cache}')
    assert g.nodes == {"A": "Gateway", "B": "Store", "C": "Cache"}
    assert g.edges == [("A", "B", "yes"), ("A", "C", "rules")]


def test_a_diagram_that_does_not_parse_says_mermaids_message() -> None:
    check = compare("flowchart LR\n  A -->", REFERENCE)
    assert check.parser == "mermaid" and "Parse error" in check.error


def test_transcript_and_scorecard_are_saved_and_read_back(tmp_path: Path) -> None:
    plan = case_study_plan(toy_case(), "staff", 30, method="lexical")
    t = Transcript(started_at="2026-12-01T10:00:00+00:00", grader="lexical", plan=plan)
    t.turns = [_turn("requirements", [1], [], seconds=95.5)]
    t.turns[0].follow_ups = [FollowUpTurn(key_point=1, question="Which channels?", why="probe", answer="SMS.")]
    card = scorecard(t)
    with Store.open(tmp_path / "s.db") as store:
        iid = save_interview(store, t, card)
        got_t, got_card = load_interview(store, iid)
        rows = list_interviews(store)
        raw = store.db.execute("SELECT question_id, level, minutes FROM interviews WHERE id=?", (iid,)).fetchone()
    assert got_t == t and got_card == card and isinstance(got_card, Scorecard)
    assert raw == ("case-toy", "staff", 30)
    assert [(r.id, r.question_id, r.level, r.overall) for r in rows] == [(iid, "case-toy", "staff", card.overall)]


def test_concepts_run_asks_several_conceptual_questions() -> None:
    iv = Interview.start(load_bank_questions(), kind="concepts", level="mid", minutes=27, seed=3, grader="lexical")
    plan = iv.plan
    assert plan.kind == "concepts" and len(plan.phases) == 3
    assert sum(p.seconds for p in plan.phases) == 27 * 60
    qs = {q.id: q for q in load_bank_questions()}
    assert all(not qs[i].is_case_study for i in plan.question_ids)
    assert len({qs[i].topic for i in plan.question_ids}) == 3  # one topic at a time
    again = Interview.start(load_bank_questions(), kind="concepts", level="mid", minutes=27, seed=3, grader="lexical")
    assert again.plan.question_ids == plan.question_ids


def test_cli_list_report_and_errors(tmp_path: Path) -> None:
    r = run_cli("interview", "--list")
    assert r.returncode == 0 and "No saved interview yet" in r.stdout
    r = run_cli("interview", "--report", "7", "--out", str(tmp_path / "r.html"))
    assert r.returncode == 2 and "no saved interview has this id" in r.stderr and "--list" in r.stderr
    r = run_cli("interview", "--report", "7")
    assert r.returncode == 2 and "--report needs --out" in r.stderr
    r = run_cli("interview", "data-relational-vs-document")
    assert r.returncode == 2 and "not a case study" in r.stderr
    assert os.environ["ARCHQA_DB"].startswith(str(tmp_path))


def test_interviewer_pack_is_a_sanitised_checklist_per_question(tmp_path: Path) -> None:
    from archqa.export import export_set, number_questions
    from tests.test_export import hostile_set

    s = number_questions(hostile_set())
    s.questions[0].follow_ups = [FollowUp(key_point=2, question="Why <img src=x onerror=alert(1)>?")]
    s.questions[0].level_signals = LevelSignals(mid="<script>alert(2)</script>ok", senior="s", staff="t")
    export_set(s, tmp_path / "pack.html", "interviewer")
    page = (tmp_path / "pack.html").read_text()
    assert "<script" not in page and "onerror" not in page and "<img" not in page and 'href="javascript' not in page
    assert page.count('type="checkbox"') == sum(len(q.key_points) for q in s.questions)
    assert page.count('<article class="q"') == len(s.questions) and page.count('class="notes"') == len(s.questions)
    assert f"probes KP 2: {s.questions[0].key_points[1]}" in page
    assert "default-src 'none'" in page and "break-before: page" in page and "@page" in page
    r = run_cli(
        "export", "bank", "--format", "interviewer", "--topic", "case-studies", "--out", str(tmp_path / "b.html")
    )
    assert r.returncode == 0 and "wrote 30 questions" in r.stderr
    assert (tmp_path / "b.html").read_text().count('<article class="q"') == 30


def test_cli_concepts_run_through_a_pipe_is_scored_and_saved(tmp_path: Path) -> None:
    from archqa.interview import Interview

    plan = Interview.start(load_bank_questions(), kind="concepts", level="mid", minutes=18, seed=1).plan
    first = load_bank_questions()
    q1 = next(q for q in first if q.id == plan.question_ids[0])
    answers = [q1.key_points[0], "I don't know."]  # the first question's first point, verbatim; then nothing
    script = "".join(f"{a}\n.\n" + ".\n" * 2 for a in answers)  # each answer, then two empty follow-up answers
    r = run_cli("interview", "--kind", "concepts", "--minutes", "18", "--seed", "1", "--level", "mid", stdin=script)
    assert r.returncode == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert "[1/2] Question 1 of 2 · budget 9:00" in out and "[2/2] Question 2 of 2 · budget 9:00" in out
    assert f"Q1: {q1.title[:30]}" in out
    assert f"✓ KP 1 {q1.key_points[0]}" in out
    assert "Saved as interview 1" in out
    with Store.open() as store:
        t, card = load_interview(store, 1)
    assert t.plan.kind == "concepts" and [turn.answer for turn in t.turns] == answers
    assert card.dimensions[0].credit == 1.0 and card.dimensions[1].level == "below mid"


def test_cli_interview_with_an_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "text = open(path).read()\n"
        "asked = next(line[2:] for line in text.splitlines() if line.startswith('# '))\n"
        "open(path, 'w').write('I answered ' + asked.split(':')[0] + '.\\n' + text)\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    r = run_cli("interview", "case-rate-limiter", "--minutes", "5", "--editor", "--grader", "lexical")
    assert r.returncode == 0, r.stderr
    assert "Each answer opens in your editor" in r.stdout and "> I answered Requirements." in r.stdout
    with Store.open() as store:
        t, _ = load_interview(store, 1)
    assert [turn.answer for turn in t.turns] == [f"I answered {p.title}." for p in t.plan.phases]
    asked = [f for turn in t.turns for f in turn.follow_ups]
    assert asked and all(f.answer == "I answered Follow-up." for f in asked)


def test_a_component_named_otherwise_is_matched_by_embedding() -> None:
    reference = "flowchart LR\n  A[Client] --> RL[Rate limiter]\n  RL --> S[(Search index)]"
    candidate = "flowchart LR\n  U[Users] --> T[Throttling service]\n  T --> I[(Inverted index)]\n  T --> X[Audit log]"
    check = compare(candidate, reference)
    matched = {c.reference: (c.candidate, c.how.split()[0]) for c in check.components}
    assert matched == {
        "Client": ("Users", "synonym"),
        "Rate limiter": ("Throttling service", "embedding"),
        "Search index": ("Inverted index", "embedding"),
    }
    assert check.missing_connections == []


def test_every_reference_diagram_matches_itself_and_the_fallback_reads_it_as_mermaid_does() -> None:
    from archqa.interview.diagram import read_graph

    cases = [q for q in load_bank_questions() if q.is_case_study]
    assert len(cases) == 30
    for q in cases:
        source = q.diagrams[0].source
        check = compare(source, source)
        assert check.parser == "mermaid" and check.components and check.connections, q.id
        assert not check.missing_components and not check.missing_connections, q.id
        graph, parser, _ = read_graph(source)
        assert graph is not None and parser == "mermaid"
        fallback = parse_flowchart(source)
        assert fallback.nodes == graph.nodes and sorted(fallback.edges) == sorted(graph.edges), q.id
