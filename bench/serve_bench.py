"""Web app latency under load: 20 concurrent clients on loopback against `archqa serve`'s app.

    python bench/serve_bench.py [--clients 20] [--seconds 8]

The app runs in its own process under uvicorn, as `archqa serve` runs it, over a fresh store and the bundled
bank. Each client keeps one HTTP/1.1 connection open (as a browser does), asks for gzip, and sends its next
request as soon as the last one is answered. Measured, each for the same duration and in this one run:
- bare: a route of the same framework that returns "ok", behind the same middleware (the baseline);
- browse: the question list with a filter (topic or difficulty, rotating);
- search: a full-text search over the store and the bank (the query rotating over 12 subjects);
- practice submit: a rating submitted for a graded answer (POST /practice/rate: the review is recorded and the
  next card rendered), when the app has the practice pages; the grading itself is measured by
  bench/grade_bench.py.
Prints median, p95 and p99 latency, requests per second, errors, and each p99's ratio to the bare route's.
Target (issue 16): p99 under 50 ms for browse, search and a practice submit.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

SERVER = """
import sys
import uvicorn
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from archqa.serve import ServeConfig, create_app

app = create_app(ServeConfig(db=sys.argv[1], port=int(sys.argv[2])))

def bare(request):
    return PlainTextResponse("ok")

app.router.routes.insert(0, Route("/bench-bare", bare))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""

WORDS = [
    "cache",
    "outbox",
    "idempotency",
    "partition",
    "consensus",
    "replica",
    "saga",
    "rate limit",
    "schema migration",
    "tenant",
    "observability",
    "queue",
]
TOPICS = ["Data Architecture", "Structural Architecture", "Integration Architecture", "Quality Attributes"]
LEVELS = ["Foundational", "Intermediate", "Advanced"]

Request = Callable[[int], tuple[str, str, bytes | None, dict[str, str]]]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(path: str) -> tuple[str, str, bytes | None, dict[str, str]]:
    return "GET", path, None, {}


def run(port: int, make: Request, clients: int, seconds: float) -> tuple[list[float], int]:
    """Latencies (ms) of every request answered in ``seconds``, and the number of errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    start = threading.Barrier(clients)

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        i = n
        start.wait()
        while time.monotonic() < stop:
            method, path, body, headers = make(i)
            i += clients
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers={"accept-encoding": "gzip", **headers})
                r = conn.getresponse()
                r.read()
                ok = r.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - t0) * 1000)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def _practice(port: int, clients: int) -> Request | None:
    """A request maker for the practice submit, or None when the app has no practice pages."""
    try:
        from bench.serve_practice import practice_requests  # written with the practice pages
    except ImportError:
        return None
    return practice_requests(port, clients)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="archqa-serve-bench-"))
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp / "store.db"), str(port)])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/questions?q=cache")  # also builds the bank's index on first use
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    sys.exit("serve_bench: the app did not start")
                time.sleep(0.2)
        cases: list[tuple[str, Request]] = [
            ("bare", lambda i: _get("/bench-bare")),
            (
                "browse",
                lambda i: _get(
                    "/questions?"
                    + urllib.parse.urlencode(
                        {"topic": TOPICS[i % len(TOPICS)]} if i % 2 else {"difficulty": LEVELS[i % len(LEVELS)]}
                    )
                ),
            ),
            ("search", lambda i: _get("/questions?" + urllib.parse.urlencode({"q": WORDS[i % len(WORDS)]}))),
        ]
        practice = _practice(port, args.clients)
        if practice is not None:
            cases.append(("practice submit", practice))
        for _, make in cases:  # warm every route (templates compiled, caches filled) before timing
            run(port, make, 2, 0.5)
        print(f"serve_bench: {args.clients} concurrent clients, {args.seconds:.0f} s per route, loopback, gzip")
        print(
            f"{'route':<16} {'requests':>8} {'req/s':>7} {'median':>8} {'p95':>8} {'p99':>8}"
            f" {'errors':>6} {'p99/bare':>8}"
        )
        bare_p99 = None
        for name, make in cases:
            lat, errors = run(port, make, args.clients, args.seconds)
            p99 = _pct(lat, 0.99)
            bare_p99 = bare_p99 or p99
            print(
                f"{name:<16} {len(lat):>8} {len(lat) / args.seconds:>7.0f} {statistics.median(lat):>6.1f}ms"
                f" {_pct(lat, 0.95):>6.1f}ms {p99:>6.1f}ms {errors:>6} {p99 / bare_p99:>7.1f}x"
            )
        if practice is None:
            print("practice submit: not measured (no practice pages in this app)")
        print("target: p99 < 50 ms for browse, search and practice submit")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
