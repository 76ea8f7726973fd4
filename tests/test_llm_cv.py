"""`archqa generate --from-cv`: claims, offline grounding in the bank, and the model path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archqa import read_text_document
from archqa.errors import InputError
from archqa.generate import generate, load_bank
from archqa.llm.cv import extract_claims, frame_title, match_claims
from tests.chat_server import ChatServer, valid
from tests.conftest import run_cli

CV = """# Jane Doe, Staff Engineer

Acme Payments, 2019-2024

- Cut p95 checkout latency by 60% by adding a read-through cache and removing synchronous calls
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
    assert claims[0].quantities == ("60%",) and claims[2].text.startswith("Built a feature store")
    assert frame_title(claims[0]) == (
        "You cut p95 checkout latency by 60% by adding a read-through cache and removing synchronous calls: "
        "how did you do it?"
    )
    with pytest.raises(InputError, match="no quantified claims"):
        extract_claims("Led the 2021 redesign\nWorked on payments\n", "cv.txt")


def test_claims_match_the_most_similar_bank_questions() -> None:
    matches = match_claims(load_bank(), extract_claims(CV))
    ids = [m.entry.id if m.entry else None for m in matches]
    assert ids[1] == "behavioral-payment-idempotency-keys"
    assert ids[2] == "structural-feature-store-online-offline"
    assert len(set(ids)) == 3


def test_offline_cv_set_keeps_the_bank_answer_and_marks_provenance(cv: Path) -> None:
    g = generate(cv=cv)
    assert g.report.errors == 0  # a 3-question set may warn that it cites fewer than 8 works
    bank = load_bank()
    by_id = {e.id: e for e in bank.entries}
    assert g.authoring is not None and len(g.authoring.cv_matches) == 3
    questions = sorted(g.set.questions, key=lambda q: q.title)
    for q, m in zip(questions, sorted(g.authoring.cv_matches, key=lambda m: m.claim.text)):
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
    assert r.returncode == 0, r.stderr
    doc = read_text_document(r.stdout)
    assert len(doc.set.questions) == 3
    assert "CV line 6:" in r.stderr and "behavioral-payment-idempotency-keys" in r.stderr


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
    assert any("Cut p95 checkout latency by 60%" in p and "(line 5)" in p for p in prompts)
    assert all("[Ref: A" in json.dumps(p) or "Bibliography" in p for p in prompts)
    qs = read_text_document(r.stdout).set.questions
    assert len(qs) == 3 and all(q.id.startswith("cv-") for q in qs)
    assert "model:openai/m" in r.stdout
