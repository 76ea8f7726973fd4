"""Progress in the browser: what `archqa progress` shows, as pages, and a question's past answers.

The figures are :func:`archqa.practice.practice_progress` over the store's reviews and the source's questions;
a question's answers are :meth:`PracticeLog.history`, as `archqa show ID --history` prints them. Both are the
signed-in person's own (``auth.current_user_id``; 0 out of team mode).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archqa.model import CLUSTERS, Difficulty
from archqa.practice import RATINGS, PracticeLog, practice_progress
from archqa.practice.progress import UNKNOWN, VERDICT_MARKS, Cell, Progress
from archqa.practice.schedule import StoredReview
from archqa.practice.session import BANK
from archqa.serve.auth import current_user_id, requires
from archqa.serve.data import library
from archqa.serve.practice import SOURCES, desk, find_question
from archqa.serve.templating import error_page, page

DAYS = 14
"""Days of reviews shown, today last (as `archqa progress --days` defaults to)."""


@dataclass(frozen=True)
class Total:
    """A row's or a column's sum over its cells: questions seen, in the source, and the weighted coverage."""

    seen: int
    total: int
    coverage: float | None


def total(cells: Sequence[Cell]) -> Total:
    """Cells summed as the terminal's table sums them: coverage weighted by the graded questions of each cell."""
    weighted = [(c.coverage, c.graded) for c in cells if c.coverage is not None and c.graded]
    n = sum(g for _, g in weighted)
    cov = sum(c * g for c, g in weighted) / n if n else None
    return Total(sum(c.seen for c in cells), sum(c.total for c in cells), cov)


def heat(coverage: float | None) -> str:
    """The CSS class of a coverage value: ``heat-none`` or ``heat-0`` (under 20 %) to ``heat-4`` (80 % or more)."""
    return "heat-none" if coverage is None else f"heat-{min(4, int(coverage * 5))}"


@dataclass(frozen=True)
class Answered:
    """A question with saved answers, for the list of links to their history."""

    id: str
    title: str
    reviews: int
    last: datetime
    rating: str
    coverage: float | None


def _table(p: Progress) -> dict[str, object]:
    rows = list(dict.fromkeys(c.cluster for c in p.cells))
    cols = [c for c in [d.value for d in Difficulty] + [UNKNOWN] if any(x.difficulty == c for x in p.cells)]
    by = {(c.cluster, c.difficulty): c for c in p.cells}
    return {
        "rows": [
            (
                r,
                CLUSTERS.get(r, r.capitalize()),
                [by.get((r, c)) for c in cols],
                total([c for c in p.cells if c.cluster == r]),
            )
            for r in rows
        ],
        "cols": cols,
        "col_totals": [total([c for c in p.cells if c.difficulty == col]) for col in cols],
        "all": total(p.cells),
    }


@requires("practice")
def progress(request: Request) -> Response:
    """Reviews per day, retention, coverage by topic × difficulty, the key points most often missed, and a link
    to each answered question's history."""
    params = request.query_params
    source = params.get("source") or BANK
    source = source if source in SOURCES else BANK
    try:
        days = min(366, max(1, int(params.get("days") or DAYS)))
    except ValueError:
        days = DAYS
    lib = library(request)
    questions = desk(request).questions(source, lib)
    me = current_user_id(request)
    result = practice_progress(lib.store(), questions, days=days, user_id=me)
    titles = {pq.question.id: pq.question.title for pq in questions}
    counts: Counter[str] = Counter()
    last: dict[str, StoredReview] = {}
    for r in PracticeLog(lib.store(), user_id=me).reviews():  # oldest first: the last one wins
        counts[r.question_id] += 1
        last[r.question_id] = r
    answered = []
    for qid, r in last.items():
        if qid not in titles:
            q = find_question(request, qid)
            titles[qid] = q.title if q else ""
        answered.append(Answered(qid, titles[qid], counts[qid], r.reviewed_at, RATINGS[r.rating], r.coverage))
    answered.sort(key=lambda a: a.last, reverse=True)
    most = max((d.reviews for d in result.days), default=0)
    return page(
        request,
        "progress.html",
        active="progress",
        p=result,
        source=source,
        sources=SOURCES,
        days=days,
        most=most,
        last_days=sum(d.reviews for d in result.days),
        table=_table(result),
        heat=heat,
        answered=answered,
    )


@requires("practice")
def history(request: Request) -> Response:
    """A question's past answers, oldest first, each with its rating and the verdict on each key point."""
    qid = request.path_params["qid"]
    question = find_question(request, qid)
    reviews = PracticeLog(library(request).store(), user_id=current_user_id(request)).history(qid)
    if question is None and not reviews:
        return error_page(
            request,
            status_code=404,
            active="progress",
            message=f"No question with id {qid!r} and no answers saved for it.",
            hint="Pick a question on the Progress page.",
        )
    return page(
        request,
        "progress_question.html",
        active="progress",
        qid=qid,
        q=question,
        reviews=reviews,
        ratings=RATINGS,
        marks=VERDICT_MARKS,
        when=lambda dt: dt.astimezone().strftime("%Y-%m-%d %H:%M"),
    )


ROUTES = [
    Route("/progress", progress, name="progress"),
    Route("/progress/{qid:str}", history, name="progress-question"),
]
