"""A real PostgreSQL server for tests: Debian's package, started in a temp dir, on a Unix socket only.

``postgres_server`` (session scope) starts one server per test process (each pytest-xdist worker has its
own); ``pg_url`` gives each test a fresh, empty database on it and drops it afterwards. Tests that use them
skip when PostgreSQL's binaries are not installed (``.ci/run`` installs them).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def pg_bin(name: str) -> str | None:
    """A PostgreSQL program: on PATH, else in Debian's /usr/lib/postgresql/N/bin (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / name).exists():
            return str(d / name)
    return None


class PostgresServer:
    """A running throwaway server: ``url(dbname)`` connects to a database on it as the superuser."""

    def __init__(self, base: Path, sock: Path, run_as: list[str]) -> None:
        self.base = base
        self.sock = sock
        self.run_as = run_as
        self._names = itertools.count(1)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.sock}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1].split("?", 1)[0]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def start_postgres() -> tuple[PostgresServer, list[str]]:
    """Start a server (initdb + pg_ctl); returns it and the command that stops it. Skips without PostgreSQL."""
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[test]')")
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
        [*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    opts = f"-k {sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c max_connections=300"
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-o", opts, "-w", "-l", str(base / "log"), "start"],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    stop = [*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"]
    return PostgresServer(base, sock, run_as), stop


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server, stop = start_postgres()
    try:
        yield server
    finally:
        subprocess.run(stop, capture_output=True, timeout=60)
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh empty database on the test server, as a ``postgresql://`` URL."""
    url = postgres_server.create_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)
