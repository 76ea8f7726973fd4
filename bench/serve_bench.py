"""Web app latency under load: 20 concurrent clients on loopback against `archqa serve`'s app.

    python bench/serve_bench.py [--clients 20] [--seconds 8]

The app runs in its own process under uvicorn, as `archqa serve` runs it, over a fresh store and the bundled
bank. Each client keeps one HTTP/1.1 connection open (as a browser does), asks for gzip, and sends its next
request as soon as the last one is answered. Measured, each for the same duration and in this one run:
- bare: a route of the same framework that returns "ok", behind the same middleware (the baseline);
- browse: the question list with a filter (topic or difficulty, rotating);
- search: a full-text search over the store and the bank (the query rotating over 12 subjects);
- practice submit: a rating for a graded answer (POST /practice/rate: the review, with the grader's verdicts,
  stored in SQLite and FSRS updated; answered with a redirect), and the next card the redirect leads to;
  the answers were graded before the run (the grading itself is measured by bench/grade_bench.py).
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
import sys, time
import uvicorn
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from archqa.practice import get_grader, load_questions
from archqa.serve import ServeConfig, create_app
from archqa.serve.practice import Desk, Pending

app = create_app(ServeConfig(db=sys.argv[1], port=int(sys.argv[2])))

def bare(request):
    return PlainTextResponse("ok")

# Graded answers waiting for their rating, as /practice/grade leaves them (graded once, by the lexical grader:
# the grading is bench/grade_bench.py's subject); each token is rated once.
desk = app.state.practice = Desk(grader="lexical", limit=1_000_000)
questions = [pq.question for pq in load_questions("bank")[:40]]
answer = "Route the user's reads to the primary for a few seconds after a write, since replicas lag behind."
graded = [(q, get_grader("lexical").grade(answer, q.key_points)) for q in questions]
tokens = [desk.hold(Pending(q, answer, g, time.time(), "")) for _ in range(int(sys.argv[3])) for q, g in graded]

def bench_tokens(request):
    return PlainTextResponse("\\n".join(tokens))

app.router.routes.insert(0, Route("/bench-bare", bare))
app.router.routes.insert(0, Route("/bench-tokens", bench_tokens))
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


def _practice(port: int) -> tuple[Request, Request]:
    """Request makers for the practice submit (a rating for a graded answer, each token once) and for the next
    card, where the submit's redirect takes the browser."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/bench-tokens")
    tokens = conn.getresponse().read().decode().split("\n")
    conn.request("GET", "/practice")
    r = conn.getresponse()
    r.read()
    cookie = (r.getheader("set-cookie") or "").split(";")[0]
    csrf = cookie.split("=", 1)[1]
    headers = {"content-type": "application/x-www-form-urlencoded", "cookie": cookie}
    given = iter(tokens)
    lock = threading.Lock()

    def submit(i: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        with lock:
            token = next(given)
        body = urllib.parse.urlencode({"token": token, "rating": "3", "csrf": csrf}).encode()
        return "POST", "/practice/rate", body, headers

    def next_card(i: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        return (
            "GET",
            "/practice?" + urllib.parse.urlencode({"after": tokens[i % len(tokens)]}),
            None,
            {"cookie": cookie},
        )

    return submit, next_card


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="archqa-serve-bench-"))
    port = _free_port()
    # enough waiting grades for every practice submit of the run (40 questions per round)
    rounds = str(max(10, int(args.seconds * 2500 / 40)))
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp / "store.db"), str(port), rounds])
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
        submit, next_card = _practice(port)
        cases += [("practice submit", submit), ("next card", next_card)]
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
        print("target: p99 < 50 ms for browse, search and practice submit")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
