"""Drafts: an answer still being written, graded ahead in the background so that its grade is ready sooner.

A practice session and a mock interview hand each version of the answer so far
to :class:`Drafts` (the terminal after each line, the browser when typing
pauses). One draft runs at a time, in a background thread, through
:meth:`Grader.draft`, which only fills the grader's caches: the grade of the
finished answer is the same with or without drafts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from archqa.practice.grade import Grader

DRAFT_SETTLE = 0.05
"""Seconds a draft waits for a newer one before it starts (the lines of a paste arrive within a millisecond of
each other; a typist's, a second or more apart)."""


class Drafts:
    """The drafts of one answer at a time, run one by one in a background thread.

    ``grader`` returns the grader once it is loaded (None until then: a draft is then skipped); ``before``
    returns the threads a draft must wait for first (the grader's loading, a question's preparation).
    """

    def __init__(
        self,
        grader: Callable[[], Grader | None],
        before: Callable[[], Sequence[threading.Thread | None]] = tuple,
    ) -> None:
        self._grader = grader
        self._before = before
        self._lock = threading.Lock()
        self._next: tuple[list[str], str] | None = None
        self._generation = 0
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """True while a draft runs or waits."""
        with self._lock:
            return self._worker is not None

    def submit(self, key_points: Sequence[str], answer: str) -> None:
        """Draft ``answer`` against ``key_points``; it replaces a draft still waiting. Returns at once."""
        with self._lock:
            self._next = (list(key_points), answer)
            self._generation += 1
            self._wake.set()
            if self._worker is not None:
                return  # the running worker takes the newest draft when it is done
            self._worker = threading.Thread(target=self._run, name="archqa-grader-draft", daemon=True)
            self._worker.start()

    def finish(self) -> None:
        """The answer is finished: drop a waiting draft and wait for the running one (its work is kept)."""
        with self._lock:
            self._next = None
            self._generation += 1
            self._wake.set()
            running = self._worker
        if running is not None:
            running.join()

    def _run(self) -> None:
        for waiting in self._before():
            if waiting is not None:
                waiting.join()
        while True:
            with self._lock:
                job, self._next, generation = self._next, None, self._generation
                self._wake.clear()
                if job is None:
                    self._worker = None
                    return
            self._wake.wait(DRAFT_SETTLE)  # woken early by a newer draft or a finished answer
            with self._lock:
                if self._generation != generation:
                    continue  # another line arrived (a paste), or the answer is finished: this one is stale
            grader = self._grader()
            if grader is None:
                continue  # not loaded (or it failed to load): grading reports that
            try:
                grader.draft(job[1], job[0])
            except Exception:  # noqa: BLE001  (a failed draft only loses the head start; grading reports errors)
                pass
