"""What makes the default grader fast must not change what it says: threads, shared loading, the pair filter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_texts_batched_with_others_get_the_very_same_token_states_as_alone() -> None:
    """The packaged encoder runs float32 products over int8 weights, so padding and masking leaves a text's states
    untouched: batched by length, every vector is bit for bit what the text gets alone."""
    enc = shared_encoder()
    assert enc.batches
    texts = [
        "TTL.",
        "Reads go to the primary for a few seconds after the user writes, since replicas lag behind.",
        "Shard by tenant id so one tenant's rows live together.",
        "Use a queue.",
        "A consumer commits its offset only after the write it made has been stored, so a crash replays the "
        "message rather than losing it, and the handler is idempotent so that the replay does no harm.",
    ]
    together = enc._run(texts)
    enc.batches = False
    try:
        alone = np.vstack([enc._run([t]) for t in texts])
        one_by_one = enc._run(texts)
    finally:
        enc.batches = True
    assert np.array_equal(together, alone)
    assert np.array_equal(together, one_by_one)


def test_a_model_that_quantizes_activations_runs_each_text_alone(tmp_path: Path) -> None:
    """Such a model's result in a batch would depend on the other texts; the relation model is one."""
    from archqa.practice.relation import _model_file

    assert enc_mod.quantizes_activations(_model_file("relation.onnx"))
    assert not enc_mod.quantizes_activations(enc_mod.model_path())
    plain = tmp_path / "plain.onnx"
    plain.write_bytes(b"\x08\x07MatMul LayerNormalization")
    assert not enc_mod.quantizes_activations(plain)


@pytest.mark.parametrize(
    "lengths, threads",
    [
        ([], 2),
        ([9], 2),
        ([7, 9], 2),
        ([20, 25, 22, 30, 18, 40, 21, 24], 2),
        ([5] * 10 + [120], 1),
        ([5] * 10 + [120], 2),
        (list(range(3, 60, 2)), 3),
        ([12] * 32, 2),
    ],
)
def test_length_groups_cover_every_text_once_in_runs_of_similar_length(lengths: list[int], threads: int) -> None:
    groups = enc_mod.length_groups(lengths, threads)
    flat = [i for g in groups for i in g]
    assert sorted(flat) == list(range(len(lengths)))
    assert len(groups) >= min(threads, len(lengths))
    # neighbours in length order: no group's range of lengths overlaps another's
    spans = sorted((min(lengths[i] for i in g), max(lengths[i] for i in g)) for g in groups)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_one_long_text_does_not_pad_many_short_ones() -> None:
    groups = enc_mod.length_groups([5] * 10 + [120], 1)
    assert [10] in groups


def test_the_relation_graph_runs_one_unpadded_pair_at_a_time() -> None:
    """scripts/simplify_relation.py removed the mask and the NaN guards: the graph cannot read a padded batch."""
    rel = shared_relation()
    assert "attention_mask" not in rel._inputs
    assert b"IsNaN" not in rel.path.read_bytes()
    # and the pairs of one call still run one by one: each gets what it gets alone
    together = rel._run(PAIRS)
    alone = np.vstack([rel._run([p]) for p in PAIRS])
    assert np.array_equal(together, alone)
