"""Hostile input: how long import and validate take on each document of tests/hostile.py.

Each is reported per KB and as a ratio to a bank file's per-KB cost, measured in the same run
(a ratio near 1 or below: the hostile document costs no more than an ordinary one). Before
issue 11 several of these took from 10 s to hours.

    python -m bench.hostile_bench
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archqa.importer.pipeline import _parse_file  # noqa: E402
from archqa.validate import validate_text  # noqa: E402
from tests import hostile  # noqa: E402


def _cost(text: str) -> tuple[float, float]:
    """(import, validate) seconds for one document."""
    data = text.encode("utf-8")
    start = time.perf_counter()
    _parse_file("bench.md", "bench.md", data, "sha", None)
    imported = time.perf_counter() - start
    start = time.perf_counter()
    try:
        validate_text(text, "bench.md", time_limit=60)
    except Exception:  # noqa: BLE001  (a document the house reader rejects still costs its parse)
        pass
    return imported, time.perf_counter() - start


def main() -> None:
    bank = (ROOT / "src" / "archqa" / "bank" / "data.md").read_text(encoding="utf-8")
    _cost(bank)  # warm up parsers and caches
    bi, bv = _cost(bank)
    kb = len(bank.encode()) / 1000
    base_i, base_v = bi / kb, bv / kb
    print(f"{'baseline (bank data.md)':<26} {kb:8.0f} KB  import {bi:6.2f} s  validate {bv:6.2f} s")
    for name, build in sorted(hostile.CASES.items()):
        text = build()
        size = max(len(text.encode("utf-8")) / 1000, 0.001)
        i, v = _cost(text)
        print(
            f"{name:<26} {size:8.1f} KB  import {i:6.2f} s ({i / size / base_i:5.2f}x/KB)"
            f"  validate {v:6.2f} s ({v / size / base_v:5.2f}x/KB)"
        )


if __name__ == "__main__":
    main()
