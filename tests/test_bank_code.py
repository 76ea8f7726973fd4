"""The bank's code runs: Python blocks are executed, SQL blocks run in SQLite or in a PostgreSQL started here.

A block that cannot run without a network or a service says so on its first line (``# not run: why``);
docs/authoring.md has the rules.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archqa.formats.house import read_set
from archqa.generate import bundled_bank
from tests.pg_support import PostgresServer, pg_bin, postgres_server  # noqa: F401  (the server fixture)

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


@pytest.fixture(scope="module")
def postgres(postgres_server: PostgresServer) -> dict[str, str]:  # noqa: F811
    """The test PostgreSQL server (tests/pg_support.py): its socket folder and psql."""
    return {"host": str(postgres_server.sock), "psql": pg_bin("psql") or "psql"}


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
