"""The SQLite store's connection set-up: WAL mode on a new file opened by several connections at once."""

from __future__ import annotations

import sqlite3

import pytest

from archqa.store.db import use_wal


def test_wal_mode_is_tried_again_while_another_connection_switches_a_new_file() -> None:
    """SQLite answers "database is locked" at once (no busy wait) to a second connection that sets WAL on a new
    file while the first does; six web workers opening a new store together hit it under load."""
    class Racing:
        def __init__(self, failures: int, message: str = "database is locked") -> None:
            self.failures, self.message, self.calls = failures, message, 0

        def execute(self, sql: str) -> None:
            self.calls += 1
            if self.calls <= self.failures:
                raise sqlite3.OperationalError(self.message)

    late = Racing(3)
    use_wal(late)  # type: ignore[arg-type]
    assert late.calls == 4
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        use_wal(Racing(10**9), wait=0.05)  # type: ignore[arg-type]
    other = Racing(1, "disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk"):
        use_wal(other)  # type: ignore[arg-type]
    assert other.calls == 1  # anything but a lock is not retried
