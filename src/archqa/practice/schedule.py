"""FSRS scheduling over the store: a card per question, a review log, and the figures `archqa stats` shows.

Cards and reviews live in the store's ``cards`` and ``reviews`` tables
(migration ``0003_practice``), each review's key points in ``review_points``
(migration ``0006_review_points``): the grader's verdict, score, evidence and
reason, and the user's own verdict. Each review is written, with the card it
updates and its points, in one transaction at the moment it is rated, so a
session that is interrupted loses no review that was completed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import fsrs

from archqa.errors import ConfigError
from archqa.practice.grade import RATINGS, Grade, Verdict, suggest_rating
from archqa.store import Store


def utcnow() -> datetime:
    return datetime.now(UTC)


def stamp(dt: datetime) -> str:
    """A fixed-width UTC ISO-8601 timestamp: stored times compare correctly as text."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def local_midnight(now: datetime, days: int = 0) -> datetime:
    """Local midnight of the day ``days`` after ``now``'s local day, as an aware datetime."""
    local = now.astimezone()
    day = local.date() + timedelta(days=days)
    return datetime.combine(day, time(0), tzinfo=local.tzinfo)


def parse_rating(text: str) -> int:
    """``1``-``4``, ``a``/``h``/``g``/``e`` or the full word -> the rating number. ConfigError otherwise."""
    t = text.strip().lower()
    if t in {"1", "2", "3", "4"}:
        return int(t)
    for n, name in RATINGS.items():
        if t in {name, name[0]}:
            return n
    raise ConfigError(f"{text!r} is not a rating; type 1-4, a/h/g/e or again/hard/good/easy")


@dataclass(frozen=True)
class Review:
    """A stored review and the schedule it produced."""

    question_id: str
    reviewed_at: datetime
    rating: int
    suggested: int | None
    grade: float | None
    due: datetime
    """When the question is due next."""
    first: bool
    """True when this review introduced the question."""
    confirmed: float | None = None
    """The share of key points the user confirmed as covered (None: no key points, or not confirmed)."""


def confirmed_share(confirmed: Sequence[bool]) -> float | None:
    """The share of key points confirmed as covered, or None when there are none."""
    return sum(map(bool, confirmed)) / len(confirmed) if confirmed else None


@dataclass(frozen=True)
class ReviewPoint:
    """One key point of a stored review: the grader's verdict with its evidence, and the user's verdict."""

    point: str
    verdict: Verdict
    """The grader's verdict."""
    score: float
    evidence: str
    """The span of the answer the grader quoted."""
    reason: str
    user_covered: bool | None
    """The user's verdict after confirming or flipping (None: not confirmed)."""

    @property
    def covered(self) -> bool:
        """The user's verdict when there is one, else the grader's."""
        return self.user_covered if self.user_covered is not None else self.verdict == "covered"

    @property
    def flipped(self) -> bool:
        """True when the user changed the grader's verdict."""
        return self.user_covered is not None and self.user_covered != (self.verdict == "covered")


@dataclass(frozen=True)
class StoredReview:
    """A review as stored: the rating, the answer, the grader's and the user's verdict on each key point."""

    id: int
    question_id: str
    reviewed_at: datetime
    rating: int
    suggested: int | None
    grade: float | None
    """The share of key points the grader found covered."""
    confirmed: float | None
    """The share the user confirmed as covered (None: not confirmed, or no key points)."""
    grader: str
    answer: str
    duration_ms: int
    due: datetime
    points: tuple[ReviewPoint, ...]

    @property
    def coverage(self) -> float | None:
        """The confirmed share when there is one, else the grader's."""
        return self.confirmed if self.confirmed is not None else self.grade


@dataclass(frozen=True)
class PointJudgement:
    """A key point of a review with the grader's verdict and the user's: what ``grade --audit --from-reviews``
    measures a grader against."""

    question_id: str
    point: str
    grader: str
    """The grader that judged it when the review was saved."""
    grader_verdict: Verdict
    user_covered: bool
    evidence: str
    reason: str
    score: float
    answer: str
    """The user's whole answer, so another grader can judge it again."""
    reviewed_at: datetime
    review_id: int


class PracticeLog:
    """One person's FSRS cards and reviews in a store. ``scheduler`` defaults to FSRS's parameters (90 % desired
    retention). ``user_id`` is whose they are: 0, the one person of a local store, or an account on a team server;
    every read and write here sees that person's rows only."""

    def __init__(self, store: Store, scheduler: fsrs.Scheduler | None = None, *, user_id: int = 0) -> None:
        self.store = store
        self.db = store.db
        self.scheduler = scheduler or fsrs.Scheduler()
        self.user_id = user_id

    @property
    def _for_update(self) -> str:
        """Row lock for the card a review rewrites (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the file)."""
        return " FOR UPDATE" if self.store.dialect == "postgresql" else ""

    # -- reading ---------------------------------------------------------
    def card(self, question_id: str) -> fsrs.Card | None:
        row = self.db.execute(
            "SELECT card FROM cards WHERE user_id=? AND question_id=?", (self.user_id, question_id)
        ).fetchone()
        return fsrs.Card.from_dict(json.loads(row[0])) if row else None

    def due_times(self, question_ids: Iterable[str]) -> dict[str, datetime]:
        """The next due time of each of ``question_ids`` that has a card (was reviewed before)."""
        ids = list(dict.fromkeys(question_ids))
        out: dict[str, datetime] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT question_id, due FROM cards WHERE user_id=? AND question_id IN ({marks})"
            for qid, due in self.db.execute(sql, [self.user_id, *chunk]):
                out[qid] = parse_stamp(due)
        return out

    def introduced_since(self, since: datetime) -> int:
        """How many questions were reviewed for the first time at or after ``since``."""
        row = self.db.execute(
            "SELECT count(*) FROM cards WHERE user_id=? AND introduced_at >= ?", (self.user_id, stamp(since))
        ).fetchone()
        return int(row[0])

    def introduced_today(self, now: datetime | None = None) -> int:
        """New questions introduced since local midnight: what the daily new limit counts."""
        return self.introduced_since(local_midnight(now or utcnow()))

    def history(self, question_id: str) -> list[StoredReview]:
        """Every stored review of a question, oldest first, with its key points."""
        return self._reviews("AND r.question_id=?", (question_id,))

    def point_judgements(self, grader: str | None = None) -> list[PointJudgement]:
        """Every key point the user confirmed or flipped, with the grader's verdict on it, oldest review first.

        ``grader`` keeps only reviews graded by that grader. Points the user did not
        confirm (reviews saved by a caller that passed no ``confirmed``) are left out.
        """
        sql = (
            "SELECT r.id, r.question_id, r.reviewed_at, r.grader, r.answer, p.point, p.verdict, p.score,"
            " p.evidence, p.reason, p.user_covered FROM review_points p JOIN reviews r ON r.id = p.review_id"
            " WHERE r.user_id = ? AND p.user_covered IS NOT NULL"
        )
        args: tuple[object, ...] = (self.user_id,)
        if grader is not None:
            sql += " AND r.grader = ?"
            args = (self.user_id, grader)
        sql += " ORDER BY r.reviewed_at, r.id, p.ord"
        return [
            PointJudgement(
                question_id=qid,
                point=point,
                grader=name,
                grader_verdict=verdict,
                user_covered=bool(user),
                evidence=evidence,
                reason=reason,
                score=score,
                answer=answer,
                reviewed_at=parse_stamp(at),
                review_id=rid,
            )
            for rid, qid, at, name, answer, point, verdict, score, evidence, reason, user in self.db.execute(sql, args)
        ]

    def reviews(self, since: datetime | None = None) -> list[StoredReview]:
        """Every stored review (at or after ``since``), oldest first, with its key points."""
        if since is None:
            return self._reviews("", ())
        return self._reviews("AND r.reviewed_at >= ?", (stamp(since),))

    def _reviews(self, where: str, args: tuple[str, ...]) -> list[StoredReview]:
        cur = self.db.execute(
            "SELECT r.id, r.question_id, r.reviewed_at, r.rating, r.suggested, r.grade, r.confirmed, r.grader,"
            f" r.answer, r.duration_ms, r.due FROM reviews r WHERE r.user_id = ? {where} ORDER BY r.reviewed_at, r.id",
            (self.user_id, *args),
        )
        rows = cur.fetchall()
        points: dict[int, list[ReviewPoint]] = {}
        ids = [r[0] for r in rows]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for rid, point, verdict, score, evidence, reason, user in self.db.execute(
                "SELECT review_id, point, verdict, score, evidence, reason, user_covered FROM review_points"
                f" WHERE review_id IN ({marks}) ORDER BY review_id, ord",
                chunk,
            ):
                points.setdefault(rid, []).append(
                    ReviewPoint(point, verdict, score, evidence, reason, None if user is None else bool(user))
                )
        return [
            StoredReview(
                id=rid,
                question_id=qid,
                reviewed_at=parse_stamp(at),
                rating=rating,
                suggested=suggested,
                grade=grade,
                confirmed=confirmed,
                grader=grader,
                answer=answer,
                duration_ms=duration,
                due=parse_stamp(due),
                points=tuple(points.get(rid, ())),
            )
            for rid, qid, at, rating, suggested, grade, confirmed, grader, answer, duration, due in rows
        ]

    # -- writing ---------------------------------------------------------
    def record(
        self,
        question_id: str,
        rating: int,
        *,
        grade: Grade | None = None,
        confirmed: Sequence[bool] | None = None,
        answer: str = "",
        duration_ms: int = 0,
        now: datetime | None = None,
    ) -> Review:
        """Apply a rating to the question's card and store the review, in one committed transaction.

        ``grade`` is the grader's verdict on each key point; ``confirmed`` the user's
        (True: covered), one per point of ``grade``, after confirming or flipping them.
        Both are stored, in ``review_points``. The stored suggested rating follows the
        confirmed coverage when there is one, else the grader's.
        """
        if rating not in RATINGS:
            raise ConfigError(f"rating {rating!r}: use 1 (again), 2 (hard), 3 (good) or 4 (easy)")
        points = grade.points if grade else ()
        if confirmed is not None and len(confirmed) != len(points):
            raise ConfigError(
                f"{len(confirmed)} confirmed verdicts for {len(points)} graded key points: pass one per point of"
                " the grade"
            )
        share = confirmed_share(confirmed) if confirmed is not None else None
        if share is not None:
            suggested: int | None = suggest_rating(share)
        else:
            suggested = grade.suggested if grade else None
        at = (now or utcnow()).astimezone(UTC)
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT card FROM cards WHERE user_id=? AND question_id=?" + self._for_update,
                (self.user_id, question_id),
            ).fetchone()
            first = row is None
            if first:
                card = fsrs.Card(card_id=_card_id(question_id), due=at)
            else:
                card = fsrs.Card.from_dict(json.loads(row[0]))
            card, _ = self.scheduler.review_card(
                card, fsrs.Rating(rating), review_datetime=at, review_duration=duration_ms
            )
            due = card.due.astimezone(UTC)
            if first:
                db.execute(
                    "INSERT INTO cards (user_id, question_id, card, due, introduced_at) VALUES (?,?,?,?,?)",
                    (self.user_id, question_id, json.dumps(card.to_dict()), stamp(due), stamp(at)),
                )
            else:
                db.execute(
                    "UPDATE cards SET card=?, due=? WHERE user_id=? AND question_id=?",
                    (json.dumps(card.to_dict()), stamp(due), self.user_id, question_id),
                )
            cur = db.execute(
                "INSERT INTO reviews (user_id, question_id, reviewed_at, rating, suggested, grade, confirmed, grader,"
                " answer, duration_ms, due) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    self.user_id,
                    question_id,
                    stamp(at),
                    rating,
                    suggested,
                    grade.share if grade else None,
                    share,
                    grade.grader if grade else "",
                    answer,
                    int(duration_ms),
                    stamp(due),
                ),
            )
            db.executemany(
                "INSERT INTO review_points (review_id, ord, point, verdict, score, evidence, reason, user_covered)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        cur.lastrowid,
                        i,
                        p.point,
                        p.verdict,
                        round(p.score, 3),
                        p.evidence,
                        p.reason,
                        None if confirmed is None else int(bool(confirmed[i])),
                    )
                    for i, p in enumerate(points)
                ],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return Review(question_id, at, rating, suggested, grade.share if grade else None, due, first, share)

    # -- figures ---------------------------------------------------------
    def stats(self, now: datetime | None = None, days: int = 7) -> dict[str, object]:
        """Reviews, retention (share rated hard/good/easy) overall and over 30 days, cards due per coming day.

        ``due_by_day`` has one entry per local day from today (overdue cards count
        as due today) to ``days - 1`` days ahead.
        """
        at = now or utcnow()
        one = self.db.execute
        me = self.user_id
        recall = "coalesce(sum(CASE WHEN rating > 1 THEN 1 ELSE 0 END), 0)"
        total, recalled = one(f"SELECT count(*), {recall} FROM reviews WHERE user_id=?", (me,)).fetchone()
        since = stamp(at - timedelta(days=30))
        total30, recalled30 = one(
            f"SELECT count(*), {recall} FROM reviews WHERE user_id=? AND reviewed_at >= ?", (me, since)
        ).fetchone()
        cards = one("SELECT count(*) FROM cards WHERE user_id=?", (me,)).fetchone()[0]
        due_now = one("SELECT count(*) FROM cards WHERE user_id=? AND due <= ?", (me, stamp(at))).fetchone()[0]
        today = local_midnight(at)
        counts: dict[date, int] = {(today + timedelta(days=d)).date(): 0 for d in range(days)}
        end = local_midnight(at, days)
        for (due,) in one("SELECT due FROM cards WHERE user_id=? AND due < ?", (me, stamp(end))):
            day = max(parse_stamp(due).astimezone(today.tzinfo).date(), today.date())
            if day in counts:
                counts[day] += 1
        return {
            "cards": cards,
            "reviews": total,
            "reviews_30d": total30,
            "retention": round(recalled / total, 4) if total else None,
            "retention_30d": round(recalled30 / total30, 4) if total30 else None,
            "due_now": due_now,
            "due_by_day": [{"date": d.isoformat(), "due": n} for d, n in counts.items()],
            "ratings": {
                RATINGS[r]: n
                for r, n in one(
                    "SELECT rating, count(*) FROM reviews WHERE user_id=? GROUP BY rating ORDER BY rating", (me,)
                )
            },
        }


def _card_id(question_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(question_id.encode(), digest_size=6).digest(), "big")


def practice_stats(store: Store, now: datetime | None = None) -> dict[str, object]:
    """The practice figures of a store (see :meth:`PracticeLog.stats`)."""
    return PracticeLog(store).stats(now)


def describe_interval(due: datetime, now: datetime) -> str:
    """``in 10 minutes``, ``in 5 hours``, ``in 3 days``, ``now``."""
    seconds = (due - now).total_seconds()
    if seconds < 60:
        return "now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"in {n} {unit}{'s' if n != 1 else ''}"
    return "now"


def format_due(due: datetime) -> str:
    """A due time in local time, e.g. ``Tue 2026-05-05 14:32``."""
    return due.astimezone().strftime("%a %Y-%m-%d %H:%M")


def order_due(due: dict[str, datetime], now: datetime) -> list[str]:
    """Question ids due at ``now``, most overdue first."""
    return [qid for qid, d in sorted(due.items(), key=lambda kv: (kv[1], kv[0])) if d <= now]


def stats_lines(stats: dict[str, object]) -> list[str]:
    """The practice figures of :meth:`PracticeLog.stats` as lines of text for `archqa stats`."""

    def pct(x: object) -> str:
        return "n/a" if x is None else f"{float(x):.0%}"  # type: ignore[arg-type]

    ratings: dict[str, int] = stats["ratings"]  # type: ignore[assignment]
    days: list[dict[str, object]] = stats["due_by_day"]  # type: ignore[assignment]
    out = [
        f"practice: {stats['reviews']} reviews ({stats['reviews_30d']} in the last 30 days) of {stats['cards']} "
        f"questions; retention {pct(stats['retention'])} ({pct(stats['retention_30d'])} in the last 30 days)",
    ]
    if ratings:
        out.append("ratings: " + ", ".join(f"{k} {v}" for k, v in ratings.items()))
    labels = []
    for i, d in enumerate(days):
        day = date.fromisoformat(str(d["date"]))
        labels.append(f"{'today' if i == 0 else day.strftime('%a %d')} {d['due']}")
    out.append(f"due ({stats['due_now']} now): " + ", ".join(labels))
    return out
