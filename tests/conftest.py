"""Shared fixtures: a complete, valid set built in code, and helpers to run the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from archqa import (
    BibEntry,
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
    write_set,
)
from tests.serve_support import browser_page, chromium, live_app  # noqa: E402, F401  (the web app's fixtures)

SHARED_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

TERMS = [
    "Bounded Context",
    "Idempotency Key",
    "Circuit Breaker",
    "Outbox",
    "Backpressure",
    "Consumer Group",
    "Read Replica",
    "Feature Flag",
]
BOOKS = [
    "Kleppmann, M. (2017). *Designing Data-Intensive Applications*. O'Reilly Media. ISBN: 978-1449373320",
    "Evans, E. (2003). *Domain-Driven Design*. Addison-Wesley. ISBN: 978-0321125217",
    "Newman, S. (2021). *Building Microservices* (2nd ed.). O'Reilly Media. ISBN: 978-1492034025",
    "Richardson, C. (2018). *Microservices Patterns*. Manning Publications. ISBN: 978-1617294549",
    "Nygard, M. T. (2018). *Release It!* (2nd ed.). Pragmatic Bookshelf. ISBN: 978-1680502398",
    "Hohpe, G., & Woolf, B. (2003). *Enterprise Integration Patterns*. Addison-Wesley. ISBN: 978-0321200686",
    "Beyer, B., et al. (2016). *Site Reliability Engineering*. O'Reilly Media. ISBN: 978-1491929124",
    "Dean, J., & Barroso, L. A. (2013). The Tail at Scale. *Communications of the ACM*, 56(2). "
    "DOI: 10.1145/2408776.2408794",
]
TOOLS = [
    ("Apache Kafka", "https://kafka.apache.org"),
    ("PostgreSQL", "https://www.postgresql.org"),
    ("Redis", "https://redis.io"),
    ("Envoy", "https://www.envoyproxy.io"),
]
SUBJECTS = ["payment retries", "order history", "inventory counts", "search indexing", "notification fan-out"]
DIFFS = [
    Difficulty.FOUNDATIONAL,
    Difficulty.INTERMEDIATE,
    Difficulty.INTERMEDIATE,
    Difficulty.ADVANCED,
    Difficulty.ADVANCED,
]


def _answer(i: int) -> str:
    s = SUBJECTS[i]
    term = TERMS[i].lower()
    book = f"A{i + 1}"
    extra = f"A{i + 6}" if i + 6 <= 8 else "A1"
    sentences = [
        f"For {s} I start from the failure modes, because they decide the design more than the happy path.",
        f"The core mechanism is a {term}, which keeps each step safe to repeat when a client retries.",
        "I would assume a load of about 500 requests per second and design for twice that at peak.",
        f"The trade-off is extra state to store and expire, which costs memory and a runbook [Ref: {book}].",
        "A simpler alternative is to accept duplicates and reconcile later, which wins when volumes are low.",
        "I would measure the duplicate rate and the added latency before and after the change.",
        "Ownership matters too: one team owns the contract, and consumers depend only on what it publishes.",
        f"When the dependency is slow, I bound the wait with a timeout and shed load early [Ref: {extra}].",
        "Finally I would write the decision down with its context so a later team can revisit it.",
        f"Tools such as {TOOLS[i % 4][0]} help, but the guarantees come from the design, not the product.",
    ]
    if DIFFS[i] != Difficulty.FOUNDATIONAL:
        sentences += [
            "Before building anything I would ask which callers retry, how often, and what a duplicate costs them.",
            "That answer decides how long the state must live and who is allowed to clear it.",
        ]
    if DIFFS[i] == Difficulty.ADVANCED:
        sentences += [
            "At larger scale the state itself becomes a dependency, so it needs its own replication and backups.",
            "A partition between the service and that store forces a choice: refuse the request or risk a repeat.",
            "I would rather refuse with a clear error the caller can retry than accept work I cannot deduplicate.",
            "Rolling this out, I would shadow the new path first and compare its decisions with the old one.",
            "Only when the two agree for a full business cycle would I switch the traffic over for good.",
        ]
    return " ".join(sentences)


def make_set(n: int = 5) -> QuestionSet:
    """A small set that passes every rule: 20/40/40 mix, references all used."""
    questions = []
    for i in range(n):
        questions.append(
            Question(
                id=f"q-{SUBJECTS[i].replace(' ', '-')}",
                number=i + 1,
                title=f"How would you make {SUBJECTS[i]} safe under retries and partial failure?",
                topic="Structural Architecture" if i < 3 else "Data Architecture",
                difficulty=DIFFS[i],
                type="Design",
                key_insight=f"Safety under retries for {SUBJECTS[i]} comes from making every step idempotent.",
                answer=_answer(i),
                key_points=[
                    f"Uses a {TERMS[i].lower()} for {SUBJECTS[i]}",
                    "Bounds waiting with timeouts",
                    "Names the cost of the extra state",
                ],
                code=[
                    CodeExample(
                        language="python",
                        code=f"def handle_{i}(key: str, seen: set[str]) -> bool:\n"
                        "    if key in seen:\n        return False\n    seen.add(key)\n    return True",
                    )
                ],
                diagrams=[Diagram(kind="mermaid", source="graph LR\n    A[Client] --> B[Service]")]
                if i % 2 == 0
                else [],
                metrics=[MetricRow(metric="Duplicate rate", formula="duplicates / requests", target="< 0.1% (assumed)")]
                if i == 1
                else [],
                tradeoffs=[
                    TradeOffRow(approach="Dedup table", pros="Exact", cons="Storage", use_when="Money moves"),
                    TradeOffRow(approach="Reconcile later", pros="Simple", cons="Delayed", use_when="Low stakes"),
                ]
                if DIFFS[i] != Difficulty.FOUNDATIONAL
                else [],
                related=[f"q-{SUBJECTS[(i + 1) % n].replace(' ', '-')}"],
                tags=["ai-ml"] if i % 2 else ["payments"],
                provenance=Provenance(file="fixture.md", line=10 + i),
            )
        )
    used_terms = TERMS[:n] + TERMS[5:]
    for j, extra_term in enumerate(TERMS[5:]):
        questions[j % n].answer += f" A {extra_term.lower()} also plays a part here."
    return QuestionSet(
        title="Fixture set",
        topics=[
            Topic(name="Structural Architecture", overview="How the parts fit."),
            Topic(name="Data Architecture", overview="Where the data lives."),
        ],
        questions=questions,
        glossary=[
            GlossaryEntry(id=f"G{k + 1}", term=t, definition=f"Definition of {t.lower()}.")
            for k, t in enumerate(used_terms)
        ],
        bibliography=[BibEntry(id=f"A{k + 1}", text=b) for k, b in enumerate(BOOKS)],
        tools=[
            Tool(id=f"T{k + 1}", name=name, description="Used in the answers.", url=url)
            for k, (name, url) in enumerate(TOOLS)
        ],
    )


@pytest.fixture
def good_set() -> QuestionSet:
    return make_set()


@pytest.fixture
def good_text(good_set: QuestionSet) -> str:
    return write_set(good_set)


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `archqa` entry point in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "archqa", *args], capture_output=True, text=True, input=stdin, cwd=cwd, timeout=120
    )


seeds_required = pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not present")


# The files that take minutes run first: `pytest` runs in two processes, a file at a time each (pytest-xdist,
# --dist loadfile, see pyproject.toml), and a long file started last would leave one process idle while it ends.
LONG_FILES = ("test_readme.py", "test_grader_semantic.py", "test_hostile.py", "test_house.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONG_FILES.index(name) if name in LONG_FILES else len(LONG_FILES)

    items.sort(key=rank)  # stable: the order inside each file is kept
