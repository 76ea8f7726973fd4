"""Grading speed: the first grade after a cold start, and each later grade, for the default grader.

    python bench/grade_bench.py [--answers N] [--runs N] [--typed N] [--baseline SRC]

Prints, measured in this run:
- the load average before and after (other work on the machine slows every figure);
- cold start: a fresh Python process that imports archqa, loads the semantic grader and grades one answer
  (the wall time a user waits after `archqa practice` starts), against a fresh process that only imports
  archqa and grades the same answer with the lexical grader (the baseline: start-up without a model);
- a practice session: the grader loads (and warms up) in a background thread while the first question is
  read, so what the user waits for after answering is the first grade alone;
- warm grades, each in a fresh process: median and p95 per answer over the calibration answers (new answers:
  each text is graded once, so no cache helps), with the key points prepared before each answer arrives (as a
  practice session does while the question is shown) and without, and the lexical grader on the same answers.

- the practice loop: what the user waits for after typing the final "." of a pasted answer, when each
  line has been drafted in the background as it arrived (``Session.draft``): with the "." typed 0.3 s
  after the paste, and pasted with it (then nothing could be drafted ahead, and it costs a warm grade).

``--baseline SRC`` times another source tree the same way in the same run, each measurement alternating with
this one, so drift in the machine's speed hits both alike: for example the previous commit, unpacked with
``git archive HEAD~1 src | tar -x -C /tmp/base`` and passed as ``--baseline /tmp/base/src``.
``ARCHQA_THREADS`` (default 2) is the number of inputs the models run at once.
Targets (issue 10): first grade under 1 s after start, each later grade under 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

COLD = """
import time, sys
t0 = time.perf_counter()
from archqa.practice.grade import get_grader
from archqa.practice.audit import bank_points
points = bank_points()["data-read-your-writes"]
g = get_grader(sys.argv[1])
g.grade("Send the user's reads to the primary for a few seconds after they save, since replicas lag.", points)
print(time.perf_counter() - t0)
"""


PRELOADED = """
import pathlib, sys, tempfile, time
t0 = time.perf_counter()
from archqa.practice.session import Session
from archqa.practice.audit import bank_points
from archqa.store import Store
points = bank_points()["data-read-your-writes"]
s = Session(Store.open(pathlib.Path(tempfile.mkdtemp()) / "bench.db"), [], sys.argv[1])
s.preload()
s.grader  # wait for the load (in practice the user is reading the question and typing meanwhile)
loaded = time.perf_counter() - t0
t1 = time.perf_counter()
s.grader.grade("Send the user's reads to the primary for a few seconds after they save, since replicas lag.", points)
print(loaded, time.perf_counter() - t1)
"""


WARM = """
import json, sys, time
from archqa.practice.audit import load_calibration
from archqa.practice.grade import get_grader
grader, n, prepare = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "prepared"
answers = load_calibration()[:n]
g = get_grader(grader)
g.grade("warm-up answer about replicas and the primary.", answers[0].points)
times, cpu = [], []
for a in answers:
    if prepare:
        g.prepare(a.points)  # what a practice session does while the question is shown and the answer typed
    t, c = time.perf_counter(), time.process_time()
    g.grade(a.answer, a.points)
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
print(json.dumps([times, cpu]))
"""


TYPED = """
import json, pathlib, statistics, sys, tempfile, textwrap, time
from archqa.generate.bank import load_bank
from archqa.practice.audit import load_calibration
from archqa.practice.session import Session
from archqa.store import Store
gap, n = float(sys.argv[1]), int(sys.argv[2])
bank = load_bank(None)
questions = {q.id: q for q in bank.questions(bank.entries)}
answers = [a for a in load_calibration() if a.question in questions][:n]
s = Session(Store.open(pathlib.Path(tempfile.mkdtemp()) / "bench.db"), [], "semantic")
s.preload()
s.grader
times = []
for a in answers:
    q = questions[a.question]
    s.prepare(q)
    time.sleep(0.3)  # the question is read
    lines = textwrap.wrap(a.answer, 72)
    for k in range(1, len(lines) + 1):  # pasted: the lines arrive together, each drafted as read_answer does
        s.draft(q, chr(10).join(lines[:k]))
    time.sleep(gap)  # then the final "." is typed
    t = time.perf_counter()
    s.grade(q, chr(10).join(lines))
    times.append(time.perf_counter() - t)
print(json.dumps(sorted(times)))
"""


def typed(gap: float, n: int, src: str | None = None) -> list[float]:
    """Seconds from the final "." to the grade, in a practice session: the answer pasted as lines of 72
    characters (each drafted in the background as it arrives), then the "." ``gap`` seconds later."""
    return [float(x) for x in json.loads(_run(TYPED, [str(gap), str(n)], src))]


def _run(script: str, args: list[str], src: str | None) -> str:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, env["PYTHONPATH"]]) if env.get("PYTHONPATH") else src
    out = subprocess.run([sys.executable, "-c", script, *args], check=True, capture_output=True, text=True, env=env)
    return out.stdout


def warm(grader: str, n: int, prepared: bool, src: str | None = None) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds of all the process's threads) per grade over the first ``n`` calibration
    answers, each sorted, in a fresh process; with ``prepared``, each answer's key points are encoded
    (``Grader.prepare``) before its clock starts. CPU time moves less than wall time with the machine's load."""
    times, cpu = json.loads(_run(WARM, [grader, str(n), "prepared" if prepared else "new"], src))
    return sorted(times), sorted(cpu)


def preloaded(grader: str, src: str | None = None) -> tuple[float, float]:
    """(seconds from start until the preloaded grader is ready, seconds for the first grade after that)."""
    loaded, first = _run(PRELOADED, [grader], src).split()
    return float(loaded), float(first)


def cold(grader: str, src: str | None = None) -> float:
    """Wall seconds of a fresh process that imports archqa, loads ``grader`` and grades one answer."""
    t = time.perf_counter()
    _run(COLD, [grader], src)
    return time.perf_counter() - t


def _ms(times: list[float]) -> str:
    p95 = times[int(0.95 * (len(times) - 1))]
    return (
        f"median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms "
        f"over {len(times)} answers"
    )


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--answers", type=int, default=120, help="calibration answers to time (default 120)")
    ap.add_argument("--runs", type=int, default=3, help="cold starts per grader (default 3)")
    ap.add_argument("--typed", type=int, default=40, help="answers pasted into a practice session (default 40)")
    ap.add_argument("--baseline", metavar="SRC", help="another source tree (its src/ folder) to time alongside")
    args = ap.parse_args()
    trees: list[tuple[str, str | None]] = [("this tree", None)]
    if args.baseline:
        trees.append((f"baseline {args.baseline}", args.baseline))
    print(_load(), f"(before); ARCHQA_THREADS={os.environ.get('ARCHQA_THREADS', 'unset')}")

    sem_cold: dict[str, list[float]] = {name: [] for name, _ in trees}
    lex_cold = []
    for _ in range(args.runs):  # alternate, so drift in the machine's speed hits all alike
        for name, src in trees:
            sem_cold[name].append(cold("semantic", src))
        lex_cold.append(cold("lexical"))
    for name, _ in trees:
        t = sem_cold[name]
        print(
            f"[{name}] cold start to first grade: semantic min {min(t):.2f} s, median {statistics.median(t):.2f} s; "
            f"lexical (this tree) median {statistics.median(lex_cold):.2f} s  (target < 1 s)"
        )

    pre: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
    for _ in range(args.runs):
        for name, src in trees:
            pre[name].append(preloaded("semantic", src))
    for name, _ in trees:
        load_s = statistics.median(p[0] for p in pre[name])
        first_s = statistics.median(p[1] for p in pre[name])
        print(
            f"[{name}] practice session (the grader loads in the background while the first question is read): "
            f"ready after {load_s:.2f} s; the first grade then takes {first_s * 1000:.0f} ms (median of {args.runs})"
        )

    for prepared in (True, False):
        what = "key points prepared while the question is shown (as in practice)" if prepared else "unprepared"
        for name, src in trees:
            wall, cpu = warm("semantic", args.answers, prepared, src)
            print(
                f"[{name}] warm grade, semantic, {what}: {_ms(wall)}; CPU per grade (all threads) median "
                f"{statistics.median(cpu) * 1000:.0f} ms"
            )
    print(f"[this tree] warm grade, lexical: {_ms(warm('lexical', args.answers, False)[0])}")
    for gap in (0.3, 0.0):
        when = f'the "." typed {gap:.1f} s after the pasted answer' if gap else 'the "." pasted with the answer'
        for name, src in trees:
            try:
                t = typed(gap, args.typed, src)
            except subprocess.CalledProcessError:  # a tree without drafts (Session.draft)
                print(f"[{name}] practice loop, {when}: not measured (this tree has no drafts)")
                continue
            print(f"[{name}] practice loop, {when}: from the '.' to the grade {_ms(t)}")
    print(_load(), "(after)")


if __name__ == "__main__":
    main()
