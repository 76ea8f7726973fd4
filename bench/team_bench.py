"""Team server under load: 200 simulated learners practising at once on loopback, PostgreSQL and SQLite.

    python bench/team_bench.py [--learners 200] [--rounds 4] [--think 10] [--seconds 120]

The app runs in its own process under uvicorn, in team mode (``ServeConfig(team=True)``), as `archqa serve --db
postgresql://...` runs it: first over a PostgreSQL server this bench starts in a temporary folder (Debian's
binaries, the way tests/pg_support.py starts one; fsync on, synchronous_commit off, the durability SQLite's WAL
with synchronous=NORMAL gives the app), then over a SQLite file with the same load, for the ratio.

Each learner is an account (archqa.team.accounts.create_account) signed in with a session of its own
(start_session; the bench sets the session and CSRF cookies as the sign-in page would) and one keep-alive
HTTP/1.1 connection, as a browser has. A learner opens the practice page, then for each round: thinks, submits an
answer (POST /practice/grade, as htmx sends it), reads the verdicts, rates it (POST /practice/rate, answered 303)
and follows the redirect to the next card. Think times are drawn uniformly between 0.5x and 1.5x --think seconds
(a real learner types for half a minute or more: the default 10 s is a heavier load than a class gives); the
first page is spread over one think time so that 200 people do not press Enter in the same millisecond. Before
timing, one learner practises a round (templates, the bank and the grader warm) and 40 pages are opened at once
(a database connection in each of the app's worker threads, as on a server that has been up a while). A
learner stops after --rounds rounds or --seconds, whichever comes first; then the server is stopped and the
database is read: every rating acknowledged (the 303) must be stored exactly once (reviews counted per learner
and question: 0 lost, 0 duplicated). The server closes a keep-alive connection idle for 5 s; a learner then
sends the request again on a new connection, as a browser does, and the time of both attempts is counted.

Grading uses the lexical grader (app.state.practice = Desk(grader="lexical")): the semantic grader would measure
the grader's model (bench/grade_bench.py does that), not the server and its database.

Prints, per database, p50/p95/p99 per step and over all requests, requests per second, errors, lost and
duplicated reviews, and PostgreSQL's p99 as a ratio to SQLite's. Target (issue 17): p99 < 100 ms on PostgreSQL,
0 errors, 0 lost or duplicated reviews.
"""

from __future__ import annotations

import argparse
import gzip
import html
import http.client
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/team_bench.py`: bench.serve_bench and tests.pg_support
    sys.path.insert(0, str(ROOT))

from bench.serve_bench import _free_port, _pct  # noqa: E402

SERVER = """
import sys
import uvicorn
from archqa.serve import ServeConfig, create_app
from archqa.serve.practice import Desk

app = create_app(ServeConfig(db=sys.argv[1], port=int(sys.argv[2]), team=True))
app.state.practice = Desk(grader="lexical")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""

STEPS = ("open", "submit", "rate", "next")
"""What a learner does: open the practice page, submit an answer, rate it, follow the redirect to the next card."""

ANSWERS = [
    "Route reads to the primary for a few seconds after a write, since replicas lag behind the primary.",
    "Put a queue between them so the producer is not blocked; retry with exponential backoff and jitter, and make"
    " the consumer idempotent with a key per message so a redelivery does no harm.",
    "Cache the hot keys with a TTL and a lock per key so that only one request recomputes an expired entry.",
    "Split the monolith along business capabilities, one team per service, with its own database.",
    "I am not sure; I would measure first.",
]
PASSWORD = "bench-password-1"
WARM_THREADS = 40
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def form_fields(page: str, action: str) -> dict[str, str] | None:
    """The hidden fields of the page's form posting to ``action`` (None when the page has no such form)."""
    at = page.find(f'action="{action}"')
    if at < 0:
        return None
    end = page.find("</form>", at)
    return {k: html.unescape(v) for k, v in _HIDDEN.findall(page[at:end])}


@dataclass
class Learner:
    """One simulated learner: the session cookies and what happened to their requests."""

    user_id: int
    cookie: str
    csrf: str
    timings: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    acknowledged: list[str] = field(default_factory=list)
    """The question of every rating the server answered 303 (stored), in order."""
    errors: list[str] = field(default_factory=list)
    reconnects: int = 0
    """Requests sent again on a new connection because the server had closed the idle one."""


def practise(learner: Learner, port: int, rounds: int, think: float, stop_at: float, seed: int) -> None:
    """One learner's session: the practice page, then ``rounds`` times submit, rate and the next card."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    base = {"cookie": learner.cookie, "accept-encoding": "gzip"}

    def request(
        step: str, method: str, path: str, body: dict[str, str] | None = None, **extra: str
    ) -> tuple[int, str, str]:
        nonlocal conn
        headers = dict(base, **extra)
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            headers["content-type"] = "application/x-www-form-urlencoded"
        t0 = time.perf_counter()
        for attempt in (1, 2):
            try:
                conn.request(method, path, body=data, headers=headers)
                r = conn.getresponse()
                raw = r.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                # The server closes a keep-alive connection idle for 5 s (uvicorn's default) before reading the
                # next request; a browser then sends the request again on a new connection, and so does this.
                closed = isinstance(exc, BrokenPipeError | ConnectionResetError | http.client.RemoteDisconnected)
                if attempt == 1 and closed:
                    learner.reconnects += 1
                    continue
                learner.timings[step].append((time.perf_counter() - t0) * 1000)
                learner.errors.append(f"{step}: {type(exc).__name__}: {exc}")
                return 0, "", ""
        learner.timings[step].append((time.perf_counter() - t0) * 1000)
        if r.getheader("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
        return r.status, r.getheader("location") or "", raw.decode("utf-8", "replace")

    def pause(scale: float = 1.0) -> None:
        time.sleep(think * scale * rng.uniform(0.5, 1.5))

    time.sleep(think * rng.random())  # the first pages are spread over one think time
    status, _, page = request("open", "GET", "/practice")
    if status != 200:
        if status:
            learner.errors.append(f"open: HTTP {status}")
        return
    for _ in range(rounds):
        if time.monotonic() >= stop_at:
            break
        fields = form_fields(page, "/practice/grade")
        if fields is None:
            learner.errors.append("the practice page had no answer form (nothing to practise?)")
            break
        pause()  # typing the answer
        fields["answer"] = rng.choice(ANSWERS)
        status, _, graded = request("submit", "POST", "/practice/grade", fields, **{"hx-request": "true"})
        rate = form_fields(graded, "/practice/rate") if status == 200 else None
        if rate is None:
            if status:
                learner.errors.append(f"submit: HTTP {status}" + ("" if status != 200 else " without a rating form"))
            break
        pause(0.5)  # reading the verdicts
        rate["rating"] = str(rng.randint(1, 4))
        status, location, _ = request("rate", "POST", "/practice/rate", rate)
        if status != 303 or not location.startswith("/practice"):
            if status:
                learner.errors.append(f"rate: HTTP {status} {location!r}")
            break
        learner.acknowledged.append(fields["qid"])
        status, _, page = request("next", "GET", location)
        if status != 200:
            if status:
                learner.errors.append(f"next: HTTP {status}")
            break
    conn.close()


@dataclass
class Outcome:
    """One database's run: the learners, how long it took, and the reviews the database holds afterwards."""

    name: str
    learners: list[Learner]
    seconds: float
    stored: Counter[tuple[int, str]]
    app_cpu: float
    """CPU seconds the app's process used during the timed run."""
    db_cpu: float | None
    """CPU seconds PostgreSQL's backends used (None for SQLite, which runs inside the app)."""
    load: tuple[float, float]
    """The machine's 1-minute load average when the run started and when it ended (others' work included)."""

    def latencies(self, step: str | None = None) -> list[float]:
        return [ms for x in self.learners for s, values in x.timings.items() if step in (None, s) for ms in values]

    def errors(self) -> list[str]:
        return [e for x in self.learners for e in x.errors]

    def lost_and_duplicated(self) -> tuple[int, int]:
        acked = Counter((x.user_id, q) for x in self.learners for q in x.acknowledged)
        lost = sum(max(0, n - self.stored.get(k, 0)) for k, n in acked.items())
        dup = sum(max(0, n - acked.get(k, 0)) for k, n in self.stored.items())
        return lost, dup


def make_learners(location: str, n: int) -> list[Learner]:
    """``n`` learner accounts on the store, each signed in (a session and its CSRF token)."""
    from argon2 import PasswordHasher

    import archqa.team.accounts as accounts
    from archqa.store import Store

    # The bench never signs in with a password (each learner gets a session directly), so the accounts' hashes
    # are made with argon2id's cheapest parameters: 200 hashes with the real ones take minutes on two cores.
    accounts._HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    out = []
    with Store.open(location) as store:
        for i in range(n):
            account = accounts.create_account(store, f"learner{i:03d}", PASSWORD, "learner")
            token, csrf = accounts.start_session(store, account.id)
            out.append(Learner(account.id, f"archqa_session={token}; archqa_csrf={csrf}", csrf))
    return out


def _open_page(port: int, cookie: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/practice", headers={"cookie": cookie})
    conn.getresponse().read()
    conn.close()


def stored_reviews(location: str) -> Counter[tuple[int, str]]:
    from archqa.store import Store

    with Store.open(location) as store:
        rows = store.db.execute("SELECT user_id, question_id, count(*) FROM reviews GROUP BY user_id, question_id")
        return Counter({(int(u), str(q)): int(n) for u, q, n in rows})


def _cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process has used so far (Linux /proc; empty elsewhere)."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _children(parent: int | None) -> list[int]:
    """The processes whose parent is ``parent`` (PostgreSQL's backends under its postmaster)."""
    if parent is None:
        return []
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def bench(name: str, location: str, args: argparse.Namespace, postmaster: int | None = None) -> Outcome:
    """Start the app over ``location``, let the learners practise, stop it and read back the reviews;
    ``postmaster`` is PostgreSQL's pid, for the CPU time its backends use."""
    learners = make_learners(location, args.learners)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, location, str(port)])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/health")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    sys.exit(f"team_bench: the app did not start over {name}")
                time.sleep(0.2)
        warm = Learner(learners[0].user_id, learners[0].cookie, learners[0].csrf)  # templates, the bank, the grader
        practise(warm, port, 1, 0.0, time.monotonic() + 30, seed=-1)
        if warm.errors:
            sys.exit(f"team_bench: a learner cannot practise over {name}: {warm.errors[0]}")
        warmed = Counter((warm.user_id, q) for q in warm.acknowledged)
        # A server that has been up a while has a database connection in each worker thread (40, anyio's
        # default): open them before timing, with one page per thread at once.
        with ThreadPoolExecutor(max_workers=WARM_THREADS) as pool:
            list(pool.map(lambda x: _open_page(port, x.cookie), learners[:WARM_THREADS]))
        cpu0 = _cpu([proc.pid]), _cpu(_children(postmaster))
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        stop_at = t0 + args.seconds
        with ThreadPoolExecutor(max_workers=len(learners)) as pool:
            runs = [
                pool.submit(practise, learner, port, args.rounds, args.think, stop_at, n)
                for n, learner in enumerate(learners)
            ]
            for run in runs:
                run.result()  # a learner's own bug surfaces here instead of passing as a quiet learner
        took = time.monotonic() - t0
        app_cpu = _used(cpu0[0], _cpu([proc.pid]))
        db_cpu = _used(cpu0[1], _cpu(_children(postmaster))) if postmaster else None
        load = (load0, os.getloadavg()[0])
    finally:
        proc.terminate()
        proc.wait(30)
    stored = stored_reviews(location)
    stored.subtract(warmed)
    return Outcome(name, learners, took, +stored, app_cpu, db_cpu, load)


def start_postgres(fast: bool) -> tuple[str, list[str], Path]:
    """A PostgreSQL server in a temp folder (tests/pg_support.py's start) and a new database on it: (url, the
    command that stops it, its folder; its data is in FOLDER/data). Unless ``fast``, fsync is switched back on
    (the tests run without it)."""
    import psycopg

    from tests.pg_support import start_postgres as start

    try:
        server, stop = start()
    except BaseException as exc:  # pytest.skip's exception when PostgreSQL is not installed
        sys.exit(f"team_bench: cannot start PostgreSQL: {exc}")
    with psycopg.connect(server.url(), autocommit=True) as conn:
        if not fast:
            conn.execute("ALTER SYSTEM SET fsync = on")
            conn.execute("ALTER SYSTEM SET synchronous_commit = off")
            conn.execute("SELECT pg_reload_conf()")
        conn.execute("CREATE DATABASE bench TEMPLATE template0")
    return server.url("bench"), stop, server.base


def report(outcome: Outcome) -> float:
    """Print one database's figures; return its p99 over all requests."""
    every = outcome.latencies()
    lost, dup = outcome.lost_and_duplicated()
    acked = sum(len(x.acknowledged) for x in outcome.learners)
    print(
        f"{outcome.name}: {len(every)} requests in {outcome.seconds:.1f} s ({len(every) / outcome.seconds:.0f} req/s),"
        f" {len(outcome.errors())} errors, {acked} ratings acknowledged, {sum(outcome.stored.values())} reviews"
        f" stored: {lost} lost, {dup} duplicated; {sum(x.reconnects for x in outcome.learners)} requests sent again"
        " on a new connection (the server closes one idle for 5 s)"
    )
    print(f"  {'step':<8} {'requests':>8} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for step in (*STEPS, None):
        lat = outcome.latencies(step)
        if lat:
            print(
                f"  {step or 'all':<8} {len(lat):>8} {_pct(lat, 0.5):>6.1f}ms {_pct(lat, 0.95):>6.1f}ms"
                f" {_pct(lat, 0.99):>6.1f}ms {max(lat):>6.1f}ms"
            )
    n = max(1, len(every))
    db = f", PostgreSQL {outcome.db_cpu * 1000 / n:.1f} ms" if outcome.db_cpu is not None else ""
    print(
        f"  CPU per request: app {outcome.app_cpu * 1000 / n:.1f} ms{db}; machine load average"
        f" {outcome.load[0]:.1f} -> {outcome.load[1]:.1f} on {os.cpu_count()} cores"
    )
    for e, n in Counter(outcome.errors()).most_common(5):
        print(f"  error x{n}: {e}")
    return _pct(every, 0.99) if every else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--learners", type=int, default=200, help="Simulated learners practising at once.")
    ap.add_argument("--rounds", type=int, default=4, help="Answers each learner submits and rates.")
    ap.add_argument("--think", type=float, default=10.0, help="Mean seconds a learner thinks before answering.")
    ap.add_argument("--seconds", type=float, default=120.0, help="Stop every learner after this long anyway.")
    ap.add_argument("--only", choices=["postgresql", "sqlite"], default=None, help="Bench one database only.")
    ap.add_argument("--pg-fsync-off", action="store_true", help="Run PostgreSQL without fsync, as the tests do.")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="archqa-team-bench-"))
    print(
        f"team_bench: {args.learners} learners, up to {args.rounds} rounds each, think {args.think:g} s"
        f" (0.5-1.5x), at most {args.seconds:g} s, loopback, lexical grader"
    )
    p99: dict[str, float] = {}
    failed = False
    try:
        if args.only in (None, "postgresql"):
            url, stop, base = start_postgres(args.pg_fsync_off)
            postmaster = int((base / "data" / "postmaster.pid").read_text().split()[0])
            try:
                outcome = bench("postgresql", url, args, postmaster)
            finally:
                subprocess.run(stop, capture_output=True, timeout=60)
                shutil.rmtree(base, ignore_errors=True)
            p99["postgresql"] = report(outcome)
            failed |= bool(outcome.errors()) or outcome.lost_and_duplicated() != (0, 0) or p99["postgresql"] >= 100
        if args.only in (None, "sqlite"):
            outcome = bench("sqlite", str(tmp / "team.db"), args)
            p99["sqlite"] = report(outcome)
            failed |= bool(outcome.errors()) or outcome.lost_and_duplicated() != (0, 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if len(p99) == 2:
        print(f"p99 PostgreSQL / SQLite: {p99['postgresql'] / p99['sqlite']:.2f}x")
    print("target: p99 < 100 ms on PostgreSQL, 0 errors, 0 lost or duplicated reviews")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
