"""What makes the default grader fast must not change what it says: threads, shared loading, the pair filter."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from archqa.errors import GraderError
from archqa.practice import encoder as enc_mod
from archqa.practice.encoder import shared_encoder, worker_threads
from archqa.practice.relation import shared_relation

PAIRS = [
    ("Reads go to the primary after a write.", "After saving, reads are pinned to the leader for a while."),
    ("Keys expire.", "TTL."),
    ("Retries carry an idempotency key.", "Each request carries a unique key that the server stores with the result."),
    ("Shard by tenant.", "We never shard by tenant; every tenant shares one database."),
]


def test_pairs_and_texts_get_the_same_result_on_two_threads_as_on_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run side by side on two threads (longest first), each result is still its own input's, in order."""
    rel, enc = shared_relation(), shared_encoder()
    texts = [b for _, b in PAIRS]
    monkeypatch.setenv("ARCHQA_THREADS", "2")
    two = rel._run(PAIRS), enc._run(texts)
    monkeypatch.setenv("ARCHQA_THREADS", "1")
    one = rel._run(PAIRS), enc._run(texts)
    assert np.array_equal(two[0], one[0])
    assert np.array_equal(two[1], one[1])
    # and in another order, each row follows its input
    assert np.array_equal(rel._run(PAIRS[::-1]), one[0][::-1])


def test_the_thread_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHQA_THREADS", "3")
    assert worker_threads() == 3
    monkeypatch.delenv("ARCHQA_THREADS")
    assert 1 <= worker_threads() <= 2
    monkeypatch.setenv("ARCHQA_THREADS", "two")
    with pytest.raises(GraderError, match="whole number"):
        worker_threads()


def test_both_models_share_one_tokenizer() -> None:
    assert shared_encoder().tokenizer is shared_relation().tokenizer is enc_mod.tokenizer()


def test_a_fresh_process_loads_both_models_side_by_side_and_grades() -> None:
    """The two models load in two threads, from a process that has imported neither numpy nor onnxruntime
    (two threads importing numpy for the first time at once can fail; the race is not reliably reproduced
    here, this checks the path works)."""
    code = (
        "from archqa.practice.semantic import SemanticGrader\n"
        "g = SemanticGrader()\n"
        "grade = g.grade('After a write, the user reads from the primary for a few seconds, because replicas lag.',"
        " ['Reads go to the primary after a write.', 'Use a message queue.'])\n"
        "print(' '.join(p.verdict for p in grade.points))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["covered", "missing"]
