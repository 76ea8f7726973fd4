"""Mermaid diagrams checked by Mermaid's own parser, offline.

The wheel ships ``js/mermaid-check.js.gz``: the npm ``mermaid`` package bundled
(``scripts/mermaid/build.sh``) so that ``mermaid.parse`` runs without a DOM. It
runs in V8 through mini-racer when that is installed, else in Node when ``node``
is on PATH. With neither, ``engine()`` is None and the validator falls back to
its own structural checks, saying so in an info finding.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import threading
from collections import OrderedDict
from functools import lru_cache
from importlib import resources
from typing import Protocol

from archqa.limits import deferred, exempt

BUNDLE = "mermaid-check.js.gz"
TIMEOUT = 10.0
"""Seconds one diagram may take to parse."""

_NODE_RUNNER = r"""
const zlib = require("zlib"), fs = require("fs"), vm = require("vm");
vm.runInThisContext(zlib.gunzipSync(fs.readFileSync(process.argv[1])).toString("utf8"));
const sources = JSON.parse(fs.readFileSync(0, "utf8"));
(async () => {
  const out = [];
  for (const s of sources) out.push(await globalThis.archqaCheck(s));
  process.stdout.write(JSON.stringify(out));
})();
"""


class Engine(Protocol):
    """Something that runs Mermaid's parser: ``check`` gives, per source, None (valid) or Mermaid's message."""

    name: str

    def check(self, sources: list[str]) -> list[str | None]: ...


def _bundle_bytes() -> bytes:
    return resources.files("archqa.validate").joinpath("js", BUNDLE).read_bytes()


def _verdict(raw: object) -> str | None:
    text = str(raw)
    return None if text == "ok" else text.removeprefix("error:")


VERDICTS_KEPT = 4096
"""Mermaid's verdicts on this many recent diagram sources are kept (an eval takes 10 to 50 ms)."""


class MiniRacerEngine:
    """Mermaid in V8, in this process (PyPI mini-racer)."""

    name = "mini-racer"

    def __init__(self) -> None:
        from py_mini_racer import MiniRacer

        self._ctx = MiniRacer()
        self._ctx.eval(gzip.decompress(_bundle_bytes()).decode("utf-8"))
        self._lock = threading.Lock()
        self._verdicts: OrderedDict[str, str | None] = OrderedDict()

    def check(self, sources: list[str]) -> list[str | None]:
        out = []
        # one V8 context, one caller at a time: V8 isolates are not thread-safe (concurrent evals crash the
        # process, as generate's validating worker threads showed)
        with self._lock:
            for s in sources:
                if s in self._verdicts:  # the parser's verdict on a source never changes (generate validates
                    self._verdicts.move_to_end(s)  # a set until its report settles: the same diagrams again)
                    out.append(self._verdicts[s])
                    continue
                # a file's time budget stops it between diagrams, never inside V8 (an exception raised in
                # the middle of an eval left the engine waiting forever); each eval is bounded by TIMEOUT
                with deferred():
                    result = self._ctx.eval(f"archqaCheck({json.dumps(s)})", timeout_sec=TIMEOUT)
                    get = getattr(result, "get", None)
                    verdict = _verdict(get(timeout=TIMEOUT) if get is not None else result)
                out.append(verdict)
                self._verdicts[s] = verdict
                while len(self._verdicts) > VERDICTS_KEPT:
                    self._verdicts.popitem(last=False)
        return out


    def graph(self, source: str) -> str:
        """Mermaid's reading of a flowchart as JSON: ``{"nodes": [...], "edges": [...]}`` or ``{"error": ...}``."""
        with self._lock, deferred():
            result = self._ctx.eval(f"archqaGraph({json.dumps(source)})", timeout_sec=TIMEOUT)
            get = getattr(result, "get", None)
            return str(get(timeout=TIMEOUT) if get is not None else result)


class NodeEngine:
    """Mermaid in a Node process started once per document."""

    name = "node"

    def __init__(self, node: str) -> None:
        self.node = node
        with resources.as_file(resources.files("archqa.validate").joinpath("js", BUNDLE)) as p:
            self.bundle = str(p)

    def check(self, sources: list[str]) -> list[str | None]:
        proc = subprocess.run(
            [self.node, "-e", _NODE_RUNNER, self.bundle],
            input=json.dumps(sources),
            capture_output=True,
            text=True,
            timeout=TIMEOUT * max(1, len(sources)),
            check=True,
        )
        return [_verdict(r) for r in json.loads(proc.stdout)]


_ENGINE_LOCK = threading.Lock()


def engine() -> Engine | None:
    """The first engine that can run the bundle here, loaded once per process; None when none can.

    Starting it (about 0.75 s) does not count against the time budget of the file being checked."""
    with _ENGINE_LOCK, exempt():  # threads validating at once must not start two V8 engines
        return _engine()


@lru_cache(maxsize=1)
def _engine() -> Engine | None:
    try:
        return MiniRacerEngine()
    except Exception:  # noqa: BLE001 - not installed, or no V8 for this platform: try Node
        pass
    node = shutil.which("node")
    if node is not None:
        try:
            eng = NodeEngine(node)
            if eng.check(["graph TD\n  A --> B"]) == [None]:
                return eng
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
    return None


def first_line(message: str) -> tuple[int, str]:
    """(line in the diagram, a one-line message) from a Mermaid error."""
    import re

    m = re.search(r"(?:Parse error on line|on line)\s+(\d+)", message)
    line = int(m.group(1)) if m else 1
    parts = [p.strip() for p in message.split("\n") if p.strip() and not set(p.strip()) <= set("-^")]
    expecting = next((p for p in parts if p.startswith("Expecting")), "")
    head = parts[0] if parts else "the diagram does not parse"
    text = head if not expecting or expecting == head else f"{head} {expecting[:120]}"
    return line, text[:240]


def graph(source: str) -> tuple[dict[str, str], list[tuple[str, str, str]]] | None:
    """A flowchart read by Mermaid's own parser: (node id -> label, [(from, to, label)]).

    None when Mermaid cannot run here in this process (no mini-racer); ValueError with Mermaid's message
    when the source is not a flowchart that parses.
    """
    eng = engine()
    if not isinstance(eng, MiniRacerEngine):
        return None
    try:
        data = json.loads(eng.graph(source))
    except Exception:  # noqa: BLE001 - a bundle without archqaGraph, or V8 timing out: Mermaid cannot run
        return None
    if "error" in data:
        raise ValueError(first_line(str(data["error"]))[1])
    nodes = {str(n["id"]): str(n["label"]) for n in data.get("nodes", [])}
    edges = [(str(e["from"]), str(e["to"]), str(e["label"])) for e in data.get("edges", [])]
    return nodes, edges
