"""Write questions for slots with a model: bounded concurrency, validation, a bounded repair loop.

Each job runs on a worker thread: ask, parse, validate; on findings, send them
back as a repair prompt, at most ``max_repairs`` times. A question that still
fails is returned as a failure with its last findings, never as a question.
A reply cut off at the token limit (``finish_reason == "length"``) ends its
slot with its own reason: it is neither repaired nor cached. Only a reply whose
question passed is cached. Results come back in job order whatever order the
workers finish in.

The workers are daemon threads: Ctrl-C (or any exception in the calling thread)
stops the run at once, closes the backend's connections and returns control
without waiting for the requests in flight (the process exiting closes them
too, and a server then cancels the task).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from archqa.errors import BackendError
from archqa.llm.backend import Backend, CompletionRequest, CompletionResponse, Message, Usage
from archqa.llm.check import check_prose, check_question, parse_reply, to_question
from archqa.llm.prompt import Job, Slot, question_schema, repair_message
from archqa.model import Provenance, Question
from archqa.validate.engine import Finding


@dataclass
class Outcome:
    """What became of one slot: the kept question, or why there is none."""

    slot: Slot
    question: Question | None = None
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    rounds: int = 0
    completions: int = 0
    """Replies obtained (from the server or the cache)."""
    cached: int = 0
    attempts: int = 0
    """HTTP requests made, those that failed included."""
    errors: int = 0
    """Requests that ended in an error after their retries (no reply)."""
    cut: int = 0
    """Replies cut off at the token limit."""
    repairs: int = 0
    usage: Usage = field(default_factory=Usage)

    @property
    def ok(self) -> bool:
        return self.question is not None

    def why(self) -> str:
        """Why there is no question: the reason and the first findings with their rule ids."""
        shown = "; ".join(f"[{f.rule}] {f.message}" for f in self.findings[:3])
        more = f" (+{len(self.findings) - 3} more)" if len(self.findings) > 3 else ""
        return self.reason + (f": {shown}{more}" if shown else "")

    def describe(self) -> str:
        """One line: the slot, and how it was written or why it failed."""
        if self.ok:
            return f"{self.slot.label()}: written in {self.rounds} round(s)"
        return f"{self.slot.label()}: {self.why()}"


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


@dataclass
class Stats:
    """Totals over a run: requests (failed ones too), replies, cache hits, retries, repairs, tokens and cost."""

    completions: int = 0
    cached: int = 0
    attempts: int = 0
    errors: int = 0
    cut: int = 0
    repairs: int = 0
    usage: Usage = field(default_factory=Usage)
    price_input: float | None = None
    price_output: float | None = None

    @property
    def failed(self) -> int:
        """HTTP requests that brought no reply (timeouts, 5xx, refusals), retried ones included."""
        return max(0, self.attempts - (self.completions - self.cached))

    @property
    def retries(self) -> int:
        """Requests sent again after a failure."""
        return max(0, self.attempts - (self.completions - self.cached) - self.errors)

    @property
    def cost(self) -> float | None:
        """USD for the tokens of new calls, from per-million prices; None when a price is unknown."""
        if self.price_input is None or self.price_output is None:
            return None
        return (self.usage.prompt_tokens * self.price_input + self.usage.completion_tokens * self.price_output) / 1e6

    def summary(self) -> str:
        cost = f"cost ${self.cost:.4f}" if self.cost is not None else "cost unknown (set --price-input/--price-output)"
        new = self.completions - self.cached
        return (
            f"model: {_n(self.attempts, 'request')}, {_n(new, 'reply', 'replies')} ({_n(self.failed, 'failed request')}"
            f", {_n(self.retries, 'retry', 'retries')}, {self.cached} from the cache, {_n(self.repairs, 'repair')}, "
            f"{self.cut} cut off); tokens: {self.usage.prompt_tokens} prompt + {self.usage.completion_tokens} "
            f"completion = {self.usage.total}; {cost}"
        )


Progress = Callable[[int, int, Outcome], None]
"""Called on the calling thread after each slot: (done, total, outcome)."""


@dataclass
class Author:
    """Writes validated questions for jobs with a backend."""

    backend: Backend
    model: str
    provenance: str = "model"
    concurrency: int = 4
    max_repairs: int = 2
    seed: int | None = 0
    temperature: float = 0.2
    timeout: float = 600.0
    max_tokens: int | None = 2048
    prefix: str = "gen"
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def request(self, messages: Sequence[Message]) -> CompletionRequest:
        return CompletionRequest(
            messages=tuple(dict(m) for m in messages),
            model=self.model,
            schema=question_schema(),
            seed=self.seed,
            temperature=self.temperature,
            timeout=self.timeout,
            max_tokens=self.max_tokens,
        )

    def _cut_reason(self, request: CompletionRequest, resp: CompletionResponse) -> str:
        got = resp.usage.completion_tokens
        limit = request.max_tokens
        if limit is not None and 0 < got < limit:
            return (
                f"the reply was cut off at the server's context after {got} tokens (prompt "
                f"{resp.usage.prompt_tokens} tokens): raise the server's context per slot (llama-server -c, or -np 1) "
                "or lower --max-repairs; a cut-off reply is not repaired"
            )
        return (
            f"the reply was cut off at --max-tokens {limit} ({got or limit} tokens without finishing; a small model "
            "may have looped): raise --max-tokens if a question needs more, or use a larger model; a cut-off reply "
            "is not repaired"
        )

    def write_one(self, job: Job) -> Outcome:
        """Ask, validate and repair until the question passes or the repairs run out."""
        out = Outcome(slot=job.slot)
        messages: list[Message] = list(job.messages)
        bare = False
        for round_no in range(self.max_repairs + 1):
            if self._stop.is_set():
                out.reason = "not attempted: the run stopped"
                return out
            out.rounds = round_no + 1
            out.repairs += round_no > 0
            request = self.request(messages)
            try:
                resp = self.backend.complete(request)
            except BackendError as exc:
                out.attempts += exc.attempts
                out.errors += 1
                if exc.fatal:
                    self._stop.set()
                    raise
                out.reason, out.findings = f"the backend failed: {exc}", []
                return out
            out.completions += 1
            out.cached += resp.cached
            out.attempts += resp.attempts
            if not resp.cached:
                out.usage.add(resp.usage)
            if resp.cut_off:
                out.cut += 1
                out.reason, out.findings = self._cut_reason(request, resp), []
                return out
            draft, findings = parse_reply(resp.content)
            question = None
            if draft is not None:
                prov = Provenance(file=self.provenance, line=0)
                question = to_question(draft, job.slot, prov, self.prefix)
                findings = check_prose(draft, job.slot.difficulty) + check_question(question, job.allowed, job.avoid)
            if not findings:
                keep = getattr(self.backend, "keep", None)
                if keep is not None:
                    keep(request, resp)
                out.question = question
                out.findings = []
                return out
            out.findings = findings
            if round_no == self.max_repairs:
                break
            history = messages[len(job.messages) :]
            if job.bare and any(f.rule == "links.near-duplicate" for f in findings):
                bare = True  # the model copied an example: the repair shows none
            head = job.bare if bare else job.messages
            messages = [*head, *history, {"role": "assistant", "content": resp.content}, repair_message(findings)]
        repairs = self.max_repairs
        out.reason = f"the model's question failed validation after {repairs} repair{'s' if repairs != 1 else ''}"
        return out

    def stop(self) -> None:
        """Stop the run: no new request starts, and the backend's connections are closed."""
        self._stop.set()
        close = getattr(self.backend, "close", None)
        if close is not None:
            close()

    def write(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[Outcome]:
        """Run every job on at most ``concurrency`` threads; results in job order.

        A fatal BackendError (bad key, unknown model, unreachable server) stops
        the jobs not yet started and is raised. KeyboardInterrupt (Ctrl-C) stops
        at once: the connections are closed and the requests in flight are not
        waited for.
        """
        if not jobs:
            return []
        self._stop.clear()
        from archqa.validate.mermaid import engine

        engine()  # V8 started in this thread: one started by a worker crashes the process when freed at exit
        todo: queue.SimpleQueue[tuple[int, Job]] = queue.SimpleQueue()
        done: queue.SimpleQueue[tuple[int, Outcome | None, BaseException | None]] = queue.SimpleQueue()
        for item in enumerate(jobs):
            todo.put(item)

        def work() -> None:
            while not self._stop.is_set():
                try:
                    i, job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    done.put((i, self.write_one(job), None))
                except BaseException as exc:  # handed to the calling thread, which raises it
                    done.put((i, None, exc))

        workers = [
            threading.Thread(target=work, name=f"archqa-llm-{k}", daemon=True)
            for k in range(max(1, min(self.concurrency, len(jobs))))
        ]
        for t in workers:
            t.start()
        results: list[Outcome | None] = [None] * len(jobs)
        finished = 0
        try:
            while finished < len(jobs):
                try:
                    i, outcome, exc = done.get(timeout=0.1)
                except queue.Empty:
                    if not any(t.is_alive() for t in workers) and done.empty():
                        break
                    continue
                if exc is not None:
                    self._stop.set()
                    raise exc
                assert outcome is not None
                results[i] = outcome
                finished += 1
                if progress is not None:
                    progress(finished, len(jobs), outcome)
        except BaseException:
            self.stop()
            raise
        return [r for r in results if r is not None]


def totals(outcomes: Sequence[Outcome], price_input: float | None = None, price_output: float | None = None) -> Stats:
    """Add up the per-slot counts of a run."""
    s = Stats(price_input=price_input, price_output=price_output)
    for o in outcomes:
        s.completions += o.completions
        s.cached += o.cached
        s.attempts += o.attempts
        s.errors += o.errors
        s.cut += o.cut
        s.repairs += o.repairs
        s.usage.add(o.usage)
    return s
