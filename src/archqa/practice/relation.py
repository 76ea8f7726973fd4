"""Does a span of the answer make a key point, deny it, or neither? A cross-encoder trained for archqa.

The model reads the point and the span together (``[CLS] point [SEP] span
[SEP]``) and gives three probabilities: entail, contradict, neutral. It is
all-MiniLM-L6-v2 fine-tuned by ``scripts/train_grader.py`` on sentence pairs
written for the bank's key points (``scripts/grader_data/``) and on the tune
half of the calibration set, exported to ONNX and quantised to int8
(``practice/model/relation.onnx``, shipped in the wheel; nothing is
downloaded). Its thresholds are in ``practice/model/relation.json``.

Each pair runs alone and unpadded (see :meth:`Relation._run`), so the shipped
graph has none of what torch's export adds for padded batches: no attention
mask input, no NaN guard after each softmax, constant reshape targets
(``scripts/simplify_relation.py``, which checks every output bit for bit
against the graph as exported; 12 % less time a pair).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archqa.errors import GraderError
from archqa.practice.encoder import RowCache, import_runtime, run_each, session_options, tokenizer

if TYPE_CHECKING:
    import numpy as np

LABELS = ("entail", "contradict", "neutral")
"""The three relations, in the order of the model's outputs."""
MAX_TOKENS = 128
CACHE_SIZE = 8192

RETRAIN = "reinstall archqa (pip install .), or train the model with scripts/train_grader.py"


def _model_file(name: str) -> Path:
    return Path(str(resources.files("archqa.practice").joinpath(f"model/{name}")))


def load_thresholds() -> dict[str, Any]:
    """The grader's thresholds (covered, unsure, contradict) and its point-level model (``aggregate``) from
    ``practice/model/relation.json``."""
    path = _model_file("relation.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if list(data["labels"]) != list(LABELS):
            raise ValueError("labels differ")
        out: dict[str, Any] = {k: float(v) for k, v in data["thresholds"].items()}
        if "aggregate" in data:
            out["aggregate"] = dict(data["aggregate"])
        return out
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GraderError(f"{path}: cannot read the grader's thresholds ({exc}); {RETRAIN}") from None


class Relation:
    """(point, span) pairs -> (entail, contradict, neutral) probabilities, with a cache."""

    def __init__(self, path: Path | None = None) -> None:
        import_runtime()
        import onnxruntime as ort

        self.path = path or _model_file("relation.onnx")
        if not self.path.is_file():
            raise GraderError(f"{self.path}: the grader's relation model is missing; {RETRAIN}")
        self.tokenizer = tokenizer(MAX_TOKENS)
        try:
            self.session = ort.InferenceSession(str(self.path), session_options(), providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001  (any loader failure is reported the same way)
            raise GraderError(
                f"{self.path}: cannot load the relation model ({type(exc).__name__}); {RETRAIN}"
            ) from None
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._cache = RowCache(CACHE_SIZE, len(LABELS))

    def _run(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """Probabilities for ``pairs``, one pair per run of the model. The int8 model quantizes its
        activations with one scale per tensor, so in a batch each pair's result depends on the others (up to
        0.4 in probability, measured): run alone, a pair always gets the same probabilities, whatever else
        the answer holds or the cache has seen. Alone is also no slower here, and two pairs run side by side
        on two cores (:func:`archqa.practice.encoder.run_each`; bench/grade_bench.py)."""
        import numpy as np

        feeds = []
        for e in self.tokenizer.encode_batch(pairs):
            ids = np.asarray([e.ids], dtype=np.int64)
            feed = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "token_type_ids": np.asarray([e.type_ids], dtype=np.int64),
            }
            feeds.append({k: v for k, v in feed.items() if k in self._inputs})
        if not feeds:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        logits = np.vstack(run_each(self.session, feeds, lambda f: int(f["input_ids"].shape[1])))
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        return np.asarray(p / p.sum(axis=1, keepdims=True), dtype=np.float32)

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One row (entail, contradict, neutral) per (point, span) pair."""
        return self._cache.rows(pairs, lambda ps: f"{ps[0]}\x00{ps[1]}", lambda ps: len(ps[0]) + len(ps[1]), self._run)


_SHARED: Relation | None = None
_SHARED_LOCK = threading.Lock()


def shared_relation() -> Relation:
    """One relation model per process, loaded on first use."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = Relation()
        return _SHARED
