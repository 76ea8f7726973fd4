"""The bank's code runs: Python blocks are executed, SQL blocks run in SQLite or in a PostgreSQL started here.

A block that cannot run without a network or a service says so on its first line (``# not run: why``);
docs/authoring.md has the rules.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from archqa.formats.house import read_set
from archqa.generate import bundled_bank

BANK_FILES = sorted(bundled_bank().glob("*.md"))
POSTGRES = {"postgresql", "postgres", "psql", "plpgsql", "pgsql"}
NOT_RUN = re.compile(r"^\s*(?:#|--|//)\s*not run:\s*\S", re.I)
PY_SECONDS = 20


def blocks(path: Path, languages: set[str]) -> list[tuple[int, str, str]]:
    """(question number, language, code) of each block in ``languages`` that is meant to run."""
    out = []
    for q in read_set(path).questions:
        for c in q.code:
            lang = c.language.lower()
            if lang in languages and not NOT_RUN.match(c.code):
                out.append((q.number, lang, c.code))
    return out


def pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / name).exists():
            return str(d / name)
    return None


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    """A throwaway PostgreSQL server on a Unix socket in a temp dir (Debian's package; .ci/run installs it)."""
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql)")
    # not under pytest's temp dir: that is private to its owner, and the server may run as another user
    base = Path(tempfile.mkdtemp(prefix="archqa-pg-"))
    data, sock = base / "data", base / "s"
    sock.mkdir()
    env = {**os.environ, "LC_ALL": "C"}
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root; Debian's package creates the postgres user
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    opts = f"-k {sock} -c listen_addresses='' -c fsync=off"
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-o", opts, "-w", "-l", str(base / "log"), "start"],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    try:
        yield {"host": str(sock), "psql": pg_bin("psql") or "psql"}
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.name)
def test_python_blocks_run(path: Path, tmp_path: Path) -> None:
    failures = []
    for number, _, code in blocks(path, {"python", "py", "python3"}):
        script = tmp_path / f"q{number}.py"
        script.write_text(code, encoding="utf-8")
        try:
            r = subprocess.run(
                [sys.executable, "-I", str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=PY_SECONDS
            )
        except subprocess.TimeoutExpired:
            failures.append(f"Q{number}: ran longer than {PY_SECONDS} s")
            continue
        if r.returncode != 0:
            failures.append(f"Q{number}: exit {r.returncode}: {r.stderr.strip().splitlines()[-1:]}")
    assert not failures, f"{path.name}: Python blocks that do not run (or say '# not run: why'):\n" + "\n".join(
        failures
    )


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.name)
def test_sqlite_blocks_run(path: Path) -> None:
    failures = []
    for number, _, code in blocks(path, {"sql", "sqlite"}):
        db = sqlite3.connect(":memory:")
        try:
            db.executescript(code)
        except sqlite3.Error as exc:
            failures.append(f"Q{number}: {exc} (a PostgreSQL block is fenced 'sql postgresql')")
        finally:
            db.close()
    assert not failures, f"{path.name}: SQL blocks that do not run in SQLite:\n" + "\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.name)
def test_postgresql_blocks_run(path: Path, postgres: dict[str, str], tmp_path: Path) -> None:
    failures = []
    for i, (number, _, code) in enumerate(blocks(path, POSTGRES)):
        name = f"b_{re.sub(r'[^a-z0-9]', '_', path.stem.lower())}_{i}"
        psql = [postgres["psql"], "-h", postgres["host"], "-U", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        subprocess.run(
            [*psql, "-d", "postgres", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True, timeout=60
        )
        script = tmp_path / f"{name}.sql"
        script.write_text(code, encoding="utf-8")
        r = subprocess.run([*psql, "-d", name, "-f", str(script)], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            failures.append(f"Q{number}: {r.stderr.strip().splitlines()[:1]}")
    assert not failures, f"{path.name}: PostgreSQL blocks that do not run:\n" + "\n".join(failures)


def test_the_runner_catches_a_broken_block(tmp_path: Path) -> None:
    """The runners above can fail: a block that raises, and a marked block that is skipped."""
    doc = tmp_path / "bank.md"
    doc.write_text(
        "# T\n\n## Topic 1: Data Architecture\n\n### Q1: Why?\n\n**ID**: `x` | **Difficulty**: Foundational\n\n"
        "**Answer**: Because.\n\n**Implementation**:\n```python\nassert 1 + 1 == 3\n```\n\n"
        "```python\n# not run: needs a broker\nimport kafka\n```\n\n```sql\nSELEC 1;\n```\n",
        encoding="utf-8",
    )
    py = blocks(doc, {"python"})
    assert len(py) == 1
    script = tmp_path / "b.py"
    script.write_text(py[0][2], encoding="utf-8")
    assert subprocess.run([sys.executable, "-I", str(script)], capture_output=True).returncode != 0
    with pytest.raises(sqlite3.Error):
        sqlite3.connect(":memory:").executescript(blocks(doc, {"sql"})[0][2])
