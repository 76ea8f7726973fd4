"""Bounds that keep hostile or broken input from stalling archqa or exhausting memory.

Every pattern archqa runs is written to match in linear time and every parser is
bounded in depth, size and time; these limits are the backstop. A file gets a
time budget that grows with its size (``file_seconds``); work on it runs inside
``time_budget``, which stops it with an ``InputError`` for that file when the
budget runs out, so one file never stalls an import or a validation of many.
"""

from __future__ import annotations

import os
import signal
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from archqa.errors import InputError

MAX_FILE_BYTES = 20_000_000
"""The largest document archqa reads (validate, import without ``--max-size``, generate --bank)."""

BASE_SECONDS = 3.0
SECONDS_PER_MB = 3.0
"""A file's time budget: 3 s plus 3 s per MB. archqa reads and checks about 0.5 MB a second at worst on
ordinary documents, so only input built to be slow comes near it."""

MAX_NESTING = 200
"""Brackets nested deeper than this in a code block are not parsed (the parsers recurse)."""

BLOCK_SECONDS = 2.0
"""The most one code block may take to parse before it is reported unchecked."""


def file_seconds(size: int) -> float:
    """The time budget of a file of ``size`` bytes."""
    return BASE_SECONDS + SECONDS_PER_MB * size / 1_000_000


@dataclass
class _Budget:
    deadline: float
    seconds: float
    path: str
    held: int = 0
    """Inside ``deferred``: an alarm that fires waits until the region ends."""
    due: bool = False


_local = threading.local()


def _stack() -> list[_Budget]:
    stack: list[_Budget] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _over(budget: _Budget) -> InputError:
    return InputError(
        budget.path,
        None,
        f"reading and checking this file took longer than {budget.seconds:.0f} s, its time limit, so it was stopped",
        "split the file into smaller ones; if it is an ordinary document, please report it with the file",
    )


def _can_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _arm(stack: list[_Budget]) -> None:
    """Set the real-time timer to the earliest deadline on the stack (or clear it)."""
    if not stack:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    left = min(b.deadline for b in stack) - time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    stack = _stack()
    now = time.monotonic()
    late = [b for b in stack if b.deadline <= now + 0.001]
    if late:
        if any(b.held for b in stack):
            for b in late:
                b.due = True  # raised when the deferred region ends, not inside it
            return
        raise _over(late[-1])
    _arm(stack)  # a deadline was moved: wait for the next one


@contextmanager
def time_budget(seconds: float, path: str) -> Iterator[None]:
    """Run the body with a deadline ``seconds`` from now; past it, raise InputError naming ``path``.

    On the main thread (Unix) a timer signal interrupts the work wherever it is, regular-expression
    matching included. Elsewhere the deadline is cooperative: ``check_deadline`` and the bounded
    parsers (``remaining``) stop at it.
    """
    budget = _Budget(time.monotonic() + seconds, seconds, path)
    stack = _stack()
    use_signal = _can_signal()
    previous = None
    if use_signal:
        previous = signal.signal(signal.SIGALRM, _on_alarm) if not stack else None
    stack.append(budget)
    if use_signal:
        _arm(stack)
    try:
        yield
    finally:
        stack.remove(budget)
        if use_signal:
            _arm(stack)
            if not stack and previous is not None:
                signal.signal(signal.SIGALRM, previous)


@contextmanager
def exempt() -> Iterator[None]:
    """Time spent in the body does not count against any running budget (one-off set-up such as starting
    Mermaid's JavaScript engine, which is not the file's cost). Every deadline moves by the time spent."""
    stack = _stack()
    start = time.monotonic()
    for b in stack:
        b.held += 1
    try:
        yield
    finally:
        spent = time.monotonic() - start
        for b in stack:
            b.held -= 1
            b.deadline += spent
            b.due = False
        if stack and _can_signal():
            _arm(stack)


@contextmanager
def deferred() -> Iterator[None]:
    """A region the timer signal must not interrupt (a call into a foreign engine, which an exception raised
    in the middle would leave half-done): a deadline that passes inside it is raised when it ends. The body
    must bound its own time."""
    stack = _stack()
    for b in stack:
        b.held += 1
    try:
        yield
    finally:
        for b in stack:
            b.held -= 1
        if stack and not any(b.held for b in stack):
            due = [b for b in stack if b.due or b.deadline <= time.monotonic()]
            for b in stack:
                b.due = False
            if due:
                raise _over(due[-1])


def remaining() -> float | None:
    """Seconds left before the nearest deadline of this thread, or None when no budget is running."""
    stack = _stack()
    if not stack:
        return None
    return min(b.deadline for b in stack) - time.monotonic()


def check_deadline() -> None:
    """Raise the file's InputError when its budget has run out (for work that a signal cannot stop)."""
    stack = _stack()
    now = time.monotonic()
    for b in reversed(stack):
        if b.deadline <= now:
            raise _over(b)


def read_document_bytes(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``max_bytes``; InputError for anything else.

    A FIFO, a device, a socket or a directory is refused before it is read (a FIFO would
    wait for a writer forever, /dev/zero never ends), and so is a file over the size limit.
    """
    shown = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise InputError(shown, None, "is a directory", "pass the Markdown files inside it") from None
    except OSError as exc:
        raise InputError(shown, None, f"cannot be read: {exc.strerror}", "check the path") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(shown, None, "is a directory", "pass the Markdown files inside it")
        if not stat.S_ISREG(st.st_mode):
            kind = (
                "a FIFO (named pipe)"
                if stat.S_ISFIFO(st.st_mode)
                else "a device"
                if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a socket"
                if stat.S_ISSOCK(st.st_mode)
                else "not a regular file"
            )
            raise InputError(shown, None, f"is {kind}, not a regular file", "save the document to a file and pass that")
        if st.st_size > max_bytes:
            raise InputError(
                shown,
                None,
                f"the file is {st.st_size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit",
                "split it into smaller files",
            )
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:  # the file grew while it was read
                raise InputError(
                    shown, None, f"the file is over the {max_bytes / 1e6:.0f} MB limit", "split it into smaller files"
                )
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(shown, None, f"cannot be read: {exc.strerror}", "check the file") from None
    finally:
        os.close(fd)
