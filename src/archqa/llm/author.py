"""Write questions for slots with a model: bounded concurrency, validation, a bounded repair loop.

Each job runs on a worker thread: ask, parse, validate; on findings, send them
back as a repair prompt, at most ``max_repairs`` times. A question that still
fails is returned as a failure with its last findings, never as a question.
Results come back in job order whatever order the workers finish in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from archqa.errors import BackendError
from archqa.llm.backend import Backend, CompletionRequest, Message, Usage
from archqa.llm.check import check_question, parse_reply, to_question
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
    cached: int = 0
    attempts: int = 0
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


@dataclass
class Stats:
    """Totals over a run: requests, cache hits, retries, repairs, tokens and cost."""

    completions: int = 0
    cached: int = 0
    attempts: int = 0
    repairs: int = 0
    usage: Usage = field(default_factory=Usage)
    price_input: float | None = None
    price_output: float | None = None

    @property
    def retries(self) -> int:
        return max(0, self.attempts - (self.completions - self.cached))

    @property
    def cost(self) -> float | None:
        """USD for the tokens of new calls, from per-million prices; None when a price is unknown."""
        if self.price_input is None or self.price_output is None:
            return None
        return (self.usage.prompt_tokens * self.price_input + self.usage.completion_tokens * self.price_output) / 1e6

    def summary(self) -> str:
        cost = f"cost ${self.cost:.4f}" if self.cost is not None else "cost unknown (set --price-input/--price-output)"
        return (
            f"model: {self.completions} completions ({self.cached} from the cache, {self.retries} retries, "
            f"{self.repairs} repairs); tokens: {self.usage.prompt_tokens} prompt + {self.usage.completion_tokens} "
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
    timeout: float = 120.0
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
        )

    def write_one(self, job: Job) -> Outcome:
        """Ask, validate and repair until the question passes or the repairs run out."""
        out = Outcome(slot=job.slot)
        messages: list[Message] = list(job.messages)
        for round_no in range(self.max_repairs + 1):
            if self._stop.is_set():
                out.reason = "not attempted: the run stopped on a backend error"
                return out
            out.rounds = round_no + 1
            try:
                resp = self.backend.complete(self.request(messages))
            except BackendError as exc:
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
            draft, findings = parse_reply(resp.content)
            question = None
            if draft is not None:
                prov = Provenance(file=self.provenance, line=0)
                question = to_question(draft, job.slot, prov, self.prefix)
                findings = check_question(question, job.allowed, job.avoid)
            if not findings:
                out.question = question
                out.findings = []
                return out
            out.findings = findings
            messages = [*messages, {"role": "assistant", "content": resp.content}, repair_message(findings)]
        repairs = self.max_repairs
        out.reason = f"the model's question failed validation after {repairs} repair{'s' if repairs != 1 else ''}"
        return out

    def write(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[Outcome]:
        """Run every job on at most ``concurrency`` threads; results in job order.

        A fatal BackendError (bad key, unknown model, unreachable server) cancels
        the jobs not yet started and is raised.
        """
        results: list[Outcome | None] = [None] * len(jobs)
        if not jobs:
            return []
        self._stop.clear()
        pool = ThreadPoolExecutor(max_workers=max(1, self.concurrency), thread_name_prefix="archqa-llm")
        try:
            pending: dict[Future[Outcome], int] = {pool.submit(self.write_one, job): i for i, job in enumerate(jobs)}
            done_count = 0
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i = pending.pop(fut)
                    outcome = fut.result()
                    results[i] = outcome
                    done_count += 1
                    if progress is not None:
                        progress(done_count, len(jobs), outcome)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return [r for r in results if r is not None]


def totals(outcomes: Sequence[Outcome], price_input: float | None = None, price_output: float | None = None) -> Stats:
    """Add up the per-slot counts of a run."""
    s = Stats(price_input=price_input, price_output=price_output)
    for o in outcomes:
        s.completions += o.completions
        s.cached += o.cached
        s.attempts += o.attempts
        s.repairs += max(0, o.completions - 1)
        s.usage.add(o.usage)
    return s
