"""Grading speed: the first grade after a cold start, and each later grade, for the default grader.

    python bench/grade_bench.py [--answers N]

Prints, measured in this run:
- cold start: a fresh Python process that imports archqa, loads the semantic grader and grades one answer
  (the wall time a user waits after `archqa practice` starts), against a fresh process that only imports
  archqa and grades the same answer with the lexical grader (the baseline: start-up without a model);
- a practice session: the grader loads (and warms up) in a background thread while the first question is
  read, so what the user waits for after answering is the first grade alone;
- warm grades: median and p95 per answer over the calibration answers (new answers: each text is graded
  once, so no cache helps), against the lexical grader on the same answers; and the same in a fresh process
  with the key points prepared before each answer arrives, as a practice session does while the question
  is shown.
Targets (issue 10): first grade under 1 s after start, each later grade under 150 ms.
"""

from __future__ import annotations

import argparse
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


PREPARED = """
import json, sys, time
from archqa.practice.audit import load_calibration
from archqa.practice.grade import get_grader
answers = load_calibration()[: int(sys.argv[2])]
g = get_grader(sys.argv[1])
g.grade("warm-up answer about replicas and the primary.", answers[0].points)
times = []
for a in answers:
    g.prepare(a.points)  # what a practice session does while the question is shown and the answer typed
    t = time.perf_counter()
    g.grade(a.answer, a.points)
    times.append(time.perf_counter() - t)
print(json.dumps(times))
"""


def prepared(grader: str, n: int) -> list[float]:
    """Warm grades in a fresh process, each after ``prepare`` (the key points encoded ahead, as in practice)."""
    import json

    out = subprocess.run([sys.executable, "-c", PREPARED, grader, str(n)], check=True, capture_output=True, text=True)
    return sorted(json.loads(out.stdout))


def preloaded(grader: str) -> tuple[float, float]:
    """(seconds from start until the preloaded grader is ready, seconds for the first grade after that)."""
    out = subprocess.run([sys.executable, "-c", PRELOADED, grader], check=True, capture_output=True, text=True)
    loaded, first = out.stdout.split()
    return float(loaded), float(first)


def cold(grader: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", COLD, grader], check=True, capture_output=True)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", type=int, default=120, help="calibration answers to time (default 120)")
    ap.add_argument("--runs", type=int, default=3, help="cold starts per grader (default 3)")
    args = ap.parse_args()

    sem_cold, lex_cold = [], []
    for _ in range(args.runs):  # alternate, so drift in the machine's speed hits both alike
        sem_cold += cold("semantic", 1)
        lex_cold += cold("lexical", 1)
    print(f"cold start to first grade: semantic min {min(sem_cold):.2f} s, median {statistics.median(sem_cold):.2f} s; "
          f"lexical (baseline) median {statistics.median(lex_cold):.2f} s; "
          f"ratio {statistics.median(sem_cold) / statistics.median(lex_cold):.2f}  (target < 1 s)")

    pre = [preloaded("semantic") for _ in range(args.runs)]
    load_s = statistics.median(p[0] for p in pre)
    first_s = statistics.median(p[1] for p in pre)
    print(f"practice session (the grader loads in the background while the first question is read): ready after "
          f"{load_s:.2f} s; the first grade then takes {first_s * 1000:.0f} ms (median of {args.runs}); a user who "
          f"answers after {load_s:.1f} s or more waits only for the grade")

    times = prepared("semantic", args.answers)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"warm grade, semantic, key points prepared while the question is shown (as in practice): median "
          f"{statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms over "
          f"{len(times)} answers")

    from archqa.practice.audit import load_calibration
    from archqa.practice.grade import get_grader

    answers = load_calibration()[: args.answers]
    for name in ("semantic", "lexical"):
        g = get_grader(name)
        g.grade("warm-up answer about replicas and the primary.", answers[0].points)
        times = []
        for a in answers:
            t = time.perf_counter()
            g.grade(a.answer, a.points)
            times.append(time.perf_counter() - t)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"warm grade, {name}: median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
              f"max {times[-1] * 1000:.0f} ms over {len(times)} answers")
        if name == "semantic":
            sem_median = statistics.median(times)
        else:
            print(f"ratio semantic/lexical (median): {sem_median / statistics.median(times):.1f}  "
                  "(target: semantic p95 < 150 ms)")


if __name__ == "__main__":
    main()
