"""`archqa generate --from-cv`: claims, offline grounding in the bank, and the model path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archqa import read_text_document
from archqa.errors import InputError
from archqa.generate import generate, load_bank
from archqa.llm.cv import MIN_SIMILARITY, extract_claims, frame_title, match_claims, match_summary
from tests.chat_server import ChatServer, valid
from tests.conftest import run_cli

CV = """# Jane Doe, Staff Engineer

Acme Payments, 2019-2024

- Increased checkout conversion by 12% by A/B testing the payment page
- Reduced duplicate payment incidents by 95% with idempotency keys and an outbox
- **Built** a feature store serving 3x more ML models at 10k predictions per second
- Worked on the 2021 platform redesign
- Responsible for code reviews

BSc Computer Science, 2012
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for var in ("ARCHQA_CONFIG", "ARCHQA_BASE_URL", "ARCHQA_MODEL", "ARCHQA_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def cv(tmp_path: Path) -> Path:
    p = tmp_path / "cv.md"
    p.write_text(CV)
    return p


def test_claims_need_a_verb_and_a_quantity_that_is_not_a_year() -> None:
    claims = extract_claims(CV)
    assert [c.line for c in claims] == [5, 6, 7]
    assert claims[0].quantities == ("12%",) and claims[2].text.startswith("Built a feature store")
    assert (
        frame_title(claims[0])
        == "You increased checkout conversion by 12% by A/B testing the payment page: how did you do it?"
    )
    with pytest.raises(InputError, match="no quantified claims"):
        extract_claims("Led the 2021 redesign\nWorked on payments\n", "cv.txt")


def test_claims_match_the_most_similar_bank_questions() -> None:
    matches = match_claims(load_bank(), extract_claims(CV))
    ids = [m.entry.id if m.entry else None for m in matches]
    # The A/B-testing claim's closest question is below the threshold: unmatched (the bank has none on it).
    assert ids == [None, "behavioral-payment-idempotency-keys", "structural-feature-store-online-offline"]
    assert matches[0].entries and matches[0].similarity < MIN_SIMILARITY
    assert "unmatched" in matches[0].describe() and f"{MIN_SIMILARITY:.2f}" in matches[0].describe()
    assert match_summary(matches) == (
        f"3 CV claims: 2 matched a bank question, 1 unmatched (similarity below {MIN_SIMILARITY:.2f})"
    )


# Claims written for this test, with the bank questions each is about (any of them is right), or None where the
# bank has none (or only a loose one: no question is better than one about something else).
LABELLED: dict[str, tuple[str, ...] | None] = {
    "Reduced duplicate payment incidents by 95% with idempotency keys and an outbox": (
        "behavioral-payment-idempotency-keys",
    ),
    "Built a feature store serving 3x more ML models at 10k predictions per second": (
        "structural-feature-store-online-offline",
    ),
    "Migrated 30 services from a shared PostgreSQL database to a database per service with an outbox for events": (
        "structural-database-per-service",
        "structural-shared-database-breakup",
    ),
    "Led a team of 8 engineers that rebuilt order fulfilment on Kafka consumer groups": (
        "integration-kafka-partitioning",
        "integration-kafka-consumer-rebalancing",
    ),
    "Scaled the RAG retrieval pipeline to 5M documents with hybrid search and reranking": (
        "structural-rag-components",
        "data-rag-chunking-metadata",
    ),
    "Cut LLM inference cost by 45% with batching and a semantic cache": ("behavioral-dynamic-batching-inference",),
    "Led the migration of 40 services from a monolith to microservices using the strangler fig pattern": (
        "evolution-strangler-fig",
    ),
    "Cut checkout p95 latency by 45% by moving tax and shipping quotes off the request path": (
        "structural-sync-async-boundaries",
    ),
    "Cut checkout latency by 40% in 3 regions": None,
    "Hired and mentored 6 engineers": None,
    "Increased conversion by 12% through A/B testing": None,
    "Sharded the orders database into 16 shards, handling 50k writes per second": None,
    "Migrated 12 services to Kubernetes, cutting deploy time by 80%": None,
}


def test_claims_match_their_questions_or_none() -> None:
    """Measured on the labelled claims: a wrong question is worse than none, so a wrong match is allowed once in
    thirteen and an abstention (the right question exists but is below the threshold) once."""
    bank = load_bank()
    wrong, missed = [], []
    for text, want in sorted(LABELLED.items()):
        (m,) = match_claims(bank, extract_claims(f"- {text}\n"))
        got = m.entry.id if m.entry else None
        if want is None and got is not None or want is not None and got is not None and got not in want:
            wrong.append(m.describe())
        elif want is not None and got is None:
            missed.append(m.describe())
    assert len(wrong) <= 1, wrong
    assert len(missed) <= 1, missed


def test_a_checkout_latency_claim_gets_no_rag_question(tmp_path: Path) -> None:
    """The issue's case: a checkout-latency claim met a RAG question at 0.06 and the set still scored 100."""
    cv = tmp_path / "cv.md"
    cv.write_text(
        "- Cut checkout latency by 40% for 2M shoppers\n"
        "- Scaled the RAG retrieval pipeline to 5M documents with hybrid search and reranking\n"
    )
    g = generate(cv=cv, allow_shortfall=True)
    assert g.authoring is not None
    checkout, rag = g.authoring.cv_matches
    assert checkout.entry is None and rag.entry is not None and "rag" in rag.entry.id
    assert [q.title for q in g.set.questions] == [
        "You scaled the RAG retrieval pipeline to 5M documents with hybrid search and reranking: how did you do it?"
    ]
    assert any("unmatched" in s.describe() and "checkout latency" in s.describe() for s in g.shortfalls)


def test_offline_cv_set_keeps_the_bank_answer_and_marks_provenance(cv: Path) -> None:
    g = generate(cv=cv)
    assert g.report.errors == 0  # a 3-question set may warn that it cites fewer than 8 works
    bank = load_bank()
    by_id = {e.id: e for e in bank.entries}
    assert g.authoring is not None and len(g.authoring.cv_matches) == 3
    questions = sorted(g.set.questions, key=lambda q: q.title)
    matched = sorted((m for m in g.authoring.cv_matches if m.entry is not None), key=lambda m: m.claim.text)
    assert len(questions) == len(matched) == 2
    for q, m in zip(questions, matched):
        assert q.title.startswith("You ") and q.type == "CV claim" and q.id.startswith("cv-")
        assert m.entry is not None
        grounding = bank.question(by_id[m.entry.id])
        assert q.key_points and len(q.key_points) == len(grounding.key_points)
        assert q.provenance is not None and q.provenance.file.startswith("archqa/bank/")
        assert q.provenance.line == grounding.provenance.line  # type: ignore[union-attr]
        assert q.citations  # citations kept, renumbered into the set's bibliography
    assert "<!-- archqa:source archqa/bank/" in g.text


def test_cli_offline_cv(cv: Path) -> None:
    r = run_cli("generate", "--from-cv", str(cv))
    assert r.returncode == 1, r.stderr  # an unmatched claim is a shortfall
    doc = read_text_document(r.stdout)
    assert len(doc.set.questions) == 2
    assert "CV line 6:" in r.stderr and "behavioral-payment-idempotency-keys" in r.stderr
    assert "CV line 5: 'Increased checkout conversion" in r.stderr and "-> unmatched (the closest" in r.stderr
    assert "3 CV claims: 2 matched a bank question, 1 unmatched" in r.stderr
    assert "shortfall: CV line 5" in r.stderr
    assert run_cli("generate", "--from-cv", str(cv), "--allow-shortfall").returncode == 0


BAD = {
    "missing": (None, "cannot be read"),
    "binary.pdf": (b"%PDF-1.4\x00\x01\x02", "binary"),
    "latin1.txt": ("Reduced costs by 30% at Caf\u00e9 Ltd\n".encode("latin-1"), "not valid UTF-8"),
    "empty.txt": (b"  \n", "empty"),
    "noclaims.txt": (b"Jane Doe\nSoftware engineer\nLikes hiking\n", "no quantified claims"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_cv_is_a_clear_error_with_exit_2(tmp_path: Path, name: str) -> None:
    data, expected = BAD[name]
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    r = run_cli("generate", "--from-cv", str(path))
    assert r.returncode == 2, r.stderr
    assert expected in r.stderr and str(path) in r.stderr and "Traceback" not in r.stderr


def test_cv_with_a_model_writes_one_validated_question_per_claim(cv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_API_KEY", "sk-cv-test")
    with ChatServer(valid) as srv:
        r = run_cli("generate", "--from-cv", str(cv), "--backend", "openai", "--model", "m", "--base-url", srv.url)
        assert srv.calls == 3
        prompts = [x.body["messages"][1]["content"] for x in srv.received]
    assert r.returncode == 0, r.stderr
    assert any("Increased checkout conversion by 12%" in p and "(line 5)" in p for p in prompts)
    assert all("[Ref: A" in json.dumps(p) or "Bibliography" in p for p in prompts)
    qs = read_text_document(r.stdout).set.questions
    assert len(qs) == 3 and all(q.id.startswith("cv-") for q in qs)
    assert "model:openai/m" in r.stdout
