"""What `archqa progress` shows (reviews per day, retention, coverage by cluster × difficulty, missed key points)
and what `archqa show ID --history` shows (a question's past answers with their grades).

Everything is computed from the store's reviews (``reviews`` and
``review_points``) and the questions of a source::

    from archqa.practice import load_questions
    from archqa.practice.progress import practice_progress
    from archqa.store import Store

    with Store.open() as store:
        p = practice_progress(store, load_questions("bank"))
    print(p.retention, [(c.cluster, c.difficulty, c.seen, c.total, c.coverage) for c in p.cells])

Coverage is the user's: the share of key points confirmed as covered (for a
review saved without confirmation, the grader's share), of the latest review
of each question.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from archqa.model import CLUSTERS, Difficulty, Question
from archqa.practice.grade import RATINGS
from archqa.practice.schedule import PracticeLog, StoredReview, local_midnight, utcnow
from archqa.practice.session import PracticeQuestion
from archqa.store import Store

OTHER = "other"
"""The row of questions whose topic is in no cluster."""
UNKNOWN = "?"
"""The column of questions without a difficulty."""


@dataclass(frozen=True)
class DayCount:
    """Reviews saved on one local day."""

    day: date
    reviews: int


@dataclass(frozen=True)
class Cell:
    """One cluster × difficulty cell of the coverage table."""

    cluster: str
    difficulty: str
    seen: int
    """Questions of the cell reviewed at least once."""
    total: int
    """Questions of the cell in the source."""
    coverage: float | None
    """Mean confirmed coverage of the latest review of each seen question with key points (None: none)."""
    graded: int = 0
    """Seen questions whose latest review had key points: what ``coverage`` is the mean of."""


@dataclass(frozen=True)
class MissedPoint:
    """A key point of one question and how often the user's own verdict was "not covered"."""

    question_id: str
    title: str
    point: str
    missed: int
    judged: int
    """Reviews that judged the point (confirmed by the user or, before confirmation existed, by the grader)."""


@dataclass
class Progress:
    """The figures of `archqa progress`."""

    questions: int
    """Questions in the source."""
    reviews: int
    """Reviews in the store (all sources)."""
    retention: float | None
    """Share of reviews rated hard, good or easy."""
    retention_30d: float | None
    days: list[DayCount] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    missed: list[MissedPoint] = field(default_factory=list)
    outside: int = 0
    """Reviewed questions that are not in the source (left out of the coverage table)."""

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["days"] = [{"date": d.day.isoformat(), "reviews": d.reviews} for d in self.days]
        return out


def practice_progress(
    store: Store,
    questions: Sequence[PracticeQuestion],
    *,
    now: datetime | None = None,
    days: int = 14,
    top: int = 10,
    user_id: int = 0,
) -> Progress:
    """Progress over ``user_id``'s reviews (0: the local store's one person): per day for the last ``days`` local
    days (today included), retention, coverage by cluster × difficulty over ``questions``, and the ``top`` most
    missed key points."""
    at = now or utcnow()
    reviews = PracticeLog(store, user_id=user_id).reviews()
    by_id: dict[str, PracticeQuestion] = {}
    for pq in questions:
        by_id.setdefault(pq.question.id, pq)

    recalled = sum(r.rating > 1 for r in reviews)
    recent = [r for r in reviews if r.reviewed_at >= at - timedelta(days=30)]
    out = Progress(
        questions=len(by_id),
        reviews=len(reviews),
        retention=round(recalled / len(reviews), 4) if reviews else None,
        retention_30d=round(sum(r.rating > 1 for r in recent) / len(recent), 4) if recent else None,
    )

    today = local_midnight(at)
    counts = {(today - timedelta(days=d)).date(): 0 for d in range(days - 1, -1, -1)}
    for r in reviews:
        day = r.reviewed_at.astimezone(today.tzinfo).date()
        if day in counts:
            counts[day] += 1
    out.days = [DayCount(d, n) for d, n in counts.items()]

    latest: dict[str, StoredReview] = {}
    for r in reviews:
        latest[r.question_id] = r  # oldest first, so the last one wins
    out.outside = sum(qid not in by_id for qid in latest)
    out.cells = _cells(by_id, latest)
    out.missed = _missed(reviews, by_id, top)
    return out


def _cells(by_id: dict[str, PracticeQuestion], latest: dict[str, StoredReview]) -> list[Cell]:
    groups: dict[tuple[str, str], list[str]] = {}
    for qid, pq in by_id.items():
        d = pq.question.difficulty
        groups.setdefault((pq.cluster or OTHER, d.value if d else UNKNOWN), []).append(qid)
    rows = [c for c in CLUSTERS if any(k[0] == c for k in groups)]
    rows += sorted({k[0] for k in groups} - set(rows))
    cols = [d.value for d in Difficulty] + [UNKNOWN]
    cells = []
    for row in rows:
        for col in cols:
            ids = groups.get((row, col))
            if not ids:
                continue
            seen = [latest[q] for q in ids if q in latest]
            shares = [s for s in (r.coverage for r in seen) if s is not None]
            mean = round(sum(shares) / len(shares), 4) if shares else None
            cells.append(Cell(row, col, len(seen), len(ids), mean, len(shares)))
    return cells


def _missed(reviews: Sequence[StoredReview], by_id: dict[str, PracticeQuestion], top: int) -> list[MissedPoint]:
    """Points by how often they were missed, then the share of their reviews missed, then the latest miss first
    (and a question's own order within one review)."""
    tally: dict[tuple[str, str], list[int]] = {}
    last: dict[tuple[str, str], tuple[int, int]] = {}
    for n, r in enumerate(reviews):  # oldest first
        for i, p in enumerate(r.points):
            key = (r.question_id, p.point)
            counts = tally.setdefault(key, [0, 0])
            counts[1] += 1
            if not p.covered:
                counts[0] += 1
                last[key] = (n, -i)
    ranked = sorted(last, key=lambda k: (-tally[k][0], -tally[k][0] / tally[k][1], -last[k][0], -last[k][1]))
    return [
        MissedPoint(qid, by_id[qid].question.title if qid in by_id else "", point, *tally[(qid, point)])
        for qid, point in ranked[:top]
    ]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def progress_lines(progress: Progress, width: int = 80) -> list[str]:
    """The figures of :func:`practice_progress` as text for a terminal ``width`` columns wide."""
    p = progress
    width = max(width, 40)
    last = sum(d.reviews for d in p.days)
    lines = [
        *textwrap.wrap(
            f"Reviews: {p.reviews} in all, {last} in the last {len(p.days)} days; retention {_pct(p.retention)} "
            f"({_pct(p.retention_30d)} in the last 30 days).",
            width,
        ),
        "",
        f"Reviews per day (last {len(p.days)} days):",
    ]
    most = max((d.reviews for d in p.days), default=0)
    room = max(10, min(40, width - 20))
    for i, d in enumerate(p.days):
        label = "today" if i == len(p.days) - 1 else d.day.strftime("%a %m-%d")
        bar = "█" * (round(d.reviews / most * room) if most else 0)
        lines.append(f"  {label:<9}  {d.reviews:>3} {bar}".rstrip())
    lines += ["", *_table(p, width), ""]
    if p.missed:
        lines.append("Key points most often missed (by your confirmed verdicts):")
        for m in p.missed:
            head = f"  {m.missed} of {m.judged}  "
            lines += textwrap.wrap(m.point, width, initial_indent=head, subsequent_indent=" " * len(head))
            where = f"{m.question_id}: {m.title}" if m.title else m.question_id
            lines.append(" " * len(head) + textwrap.shorten(where, max(20, width - len(head)), placeholder=" …"))
    else:
        lines.append("No key point missed yet.")
    return lines


def _table(p: Progress, width: int) -> list[str]:
    head = (
        "Coverage by topic × difficulty: questions seen / in the source, and the mean share of key points you "
        "confirmed in the latest answer to each."
    )
    if not p.cells:
        return [*textwrap.wrap(head, width), "  (no questions)"]
    rows = list(dict.fromkeys(c.cluster for c in p.cells))
    cols = [c for c in [d.value for d in Difficulty] + [UNKNOWN] if any(x.difficulty == c for x in p.cells)]
    by = {(c.cluster, c.difficulty): c for c in p.cells}

    def cell(c: Cell | None) -> str:
        return "" if c is None else f"{c.seen}/{c.total} {_pct(c.coverage)}"

    def total(cells: list[Cell]) -> str:
        seen, n = sum(c.seen for c in cells), sum(c.total for c in cells)
        weighted = [(c.coverage, c.graded) for c in cells if c.coverage is not None and c.graded]
        cov = sum(a * b for a, b in weighted) / sum(b for _, b in weighted) if weighted else None
        return f"{seen}/{n} {_pct(cov)}"

    table = [["", *cols, "all"]]
    for r in rows:
        mine = [c for c in p.cells if c.cluster == r]
        table.append([r, *(cell(by.get((r, c))) for c in cols), total(mine)])
    table.append(["all", *(total([c for c in p.cells if c.difficulty == col]) for col in cols), total(p.cells)])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    out = textwrap.wrap(head, width)
    for row in table:
        out.append("  " + "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths))))
    if p.outside:
        out.append(f"  ({p.outside} reviewed question{'s' if p.outside != 1 else ''} not in this source)")
    return out


# -- one question's history (`archqa show ID --history`) --------------------------------------------------------


def find_question(store: Store, question_id: str) -> Question | None:
    """The question with this id: imported into the store, else in the bundled bank, else None."""
    info = store.get(question_id)
    if info is not None:
        q = info["question"]
        assert isinstance(q, Question)
        return q
    from archqa.practice.session import BANK, load_questions

    for pq in load_questions(BANK):
        if pq.question.id == question_id:
            return pq.question
    return None


VERDICT_MARKS = {"covered": "✓", "missing": "✗", "unsure": "?"}
"""How a verdict is shown: ✓ covered, ✗ missing, ? unsure."""


def history_json(question_id: str, question: Question | None, reviews: Sequence[StoredReview]) -> dict[str, object]:
    """A question's past answers and grades as JSON-ready data (times in UTC ISO-8601)."""
    out = []
    for r in reviews:
        d = asdict(r)
        d["reviewed_at"] = r.reviewed_at.isoformat()
        d["due"] = r.due.isoformat()
        d["rating_name"] = RATINGS[r.rating]
        out.append(d)
    return {"id": question_id, "title": question.title if question else None, "reviews": out}


def history_lines(
    question_id: str, question: Question | None, reviews: Sequence[StoredReview], width: int = 80
) -> list[str]:
    """A question's past answers, oldest first, each with its date, rating and the verdict on each key point."""
    width = max(width, 40)
    lines = textwrap.wrap(f"{question_id}: {question.title}" if question else question_id, width)
    if not reviews:
        return [*lines, "No answers saved yet: practise it with `archqa practice`."]
    lines.append(f"{len(reviews)} answer{'s' if len(reviews) != 1 else ''}, oldest first.")
    for r in reviews:
        when = r.reviewed_at.astimezone().strftime("%Y-%m-%d %H:%M")
        head = f"{when}  {RATINGS[r.rating]}"
        if r.suggested and r.suggested != r.rating:
            head += f" (suggested {RATINGS[r.suggested]})"
        if r.points:
            graded = sum(p.verdict == "covered" for p in r.points)
            head += f" · {r.grader} grader {graded}/{len(r.points)}"
            if any(p.user_covered is not None for p in r.points):
                head += f", you confirmed {sum(p.covered for p in r.points)}/{len(r.points)}"
        if r.duration_ms:
            seconds = r.duration_ms / 1000
            head += f" · {seconds:.0f} s" if seconds >= 10 else f" · {seconds:.1f} s"
        lines += ["", *textwrap.wrap(head, width)]
        for p in r.points:
            mark = "✓" if p.covered else "✗"
            if p.user_covered is None:
                mark = VERDICT_MARKS.get(p.verdict, "?")
            note = f" (you flipped the grader's {VERDICT_MARKS.get(p.verdict, '?')})" if p.flipped else ""
            lines += textwrap.wrap(p.point + note, width, initial_indent=f"  {mark} ", subsequent_indent="    ")
            if p.evidence:
                lines += textwrap.wrap(
                    f"“{' '.join(p.evidence.split())}”", width, initial_indent="      ", subsequent_indent="      "
                )
        lines.append("  Answer:")
        for para in (r.answer or "(empty)").splitlines():
            if not para.strip():
                lines.append("")
                continue
            lines += textwrap.wrap(para, width, initial_indent="    ", subsequent_indent="    ")
    return lines
