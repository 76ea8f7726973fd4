"""`archqa practice`: a terminal session of spaced repetition that grades typed answers by key points."""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archqa.cli.app import cli, handle_errors
from archqa.cli.store import db_option

if TYPE_CHECKING:
    from archqa.practice import Grade

END_MARK = "."


def _read(prompt: str) -> str | None:
    """One line from standard input without its newline; None at end of input."""
    try:
        return input(prompt)
    except EOFError:
        return None


def read_answer() -> tuple[str, bool]:
    """Lines up to an empty line or a line with a single ``.``; Ctrl-D (end of input) also ends it.

    Returns (answer, ended): ``ended`` is True when input ended before any line was typed.
    """
    lines: list[str] = []
    while True:
        line = _read("> ")
        if line is None:
            if not lines:
                click.echo("")
            return "\n".join(lines).strip(), not lines
        if line.strip() in ("", END_MARK):
            return "\n".join(lines).strip(), False
        lines.append(line.rstrip())


RATING_HELP = "1 again · 2 hard · 3 good · 4 easy (or a/h/g/e); s skips, q ends the session"


def read_rating(suggested: int | None) -> int | str | None:
    """A rating 1-4, ``"skip"``, ``"quit"``, or None at end of input. Enter accepts ``suggested``."""
    from archqa.errors import ConfigError
    from archqa.practice import RATINGS, parse_rating

    default = f"Enter = {RATINGS[suggested]}" if suggested else "no suggestion: type one"
    while True:
        text = _read(f"Rate your recall [{RATING_HELP}; {default}]: ")
        if text is None:
            click.echo("")
            return None
        t = text.strip().lower()
        if not t:
            if suggested:
                return suggested
            click.echo("There are no key points to suggest a rating from; type one.")
            continue
        if t in ("s", "skip"):
            return "skip"
        if t in ("q", "quit"):
            return "quit"
        try:
            return parse_rating(t)
        except ConfigError as exc:
            click.echo(str(exc))


def show_grade(grade: Grade) -> None:
    """Print the covered share and each key point with ✓ or ✗."""
    if not grade.points:
        click.echo("No key points to grade against: compare with the model answer below.")
        return
    share = grade.share or 0.0
    click.echo(f"Key points covered: {grade.covered}/{grade.total} ({share:.0%}, {grade.grader} grader)")
    for p in grade.points:
        click.echo(f"  {'✓' if p.covered else '✗'} {p.point}")


@cli.command()
@click.argument("source", default="bank", metavar="[SOURCE]")
@click.option(
    "--new",
    "new_limit",
    type=click.IntRange(0),
    default=10,
    show_default=True,
    help="New questions a day at most, counted across sessions since local midnight.",
)
@click.option(
    "--topic",
    "topics",
    multiple=True,
    metavar="T",
    help="Only this topic: a cluster (structural, behavioral, quality, data, integration, evolution) or part "
    "of a topic name. Repeat for more.",
)
@click.option(
    "--difficulty",
    "difficulties",
    multiple=True,
    metavar="D",
    help="Only this difficulty: foundational, intermediate or advanced. Repeat for more.",
)
@click.option(
    "--limit", type=click.IntRange(1), default=None, help="Most questions in this session (due ones come first)."
)
@click.option(
    "--grader",
    default="lexical",
    show_default=True,
    metavar="lexical|embedding",
    help="How answers are graded: lexical (key-point word overlap) or embedding (sentence similarity; needs "
    "pip install 'archqa[embed]').",
)
@db_option
@handle_errors
def practice(
    source: str,
    new_limit: int,
    topics: tuple[str, ...],
    difficulties: tuple[str, ...],
    limit: int | None,
    grader: str,
    db: Path | None,
) -> None:
    """Practise SOURCE with spaced repetition: `bank` (default), `store`, or a house-format set file or directory.

    Due questions come first, then new ones up to --new a day. Type your
    answer and finish it with an empty line or a line with a single `.`
    (Ctrl-D also ends it; at the start of an answer it ends the session).
    archqa shows which key points you covered, then the model answer, and
    suggests a rating from the share covered: under 25% again, under 50%
    hard, under 85% good, else easy. Enter accepts it. Each review is saved
    the moment you rate it, so stopping at any time loses no rated answer.
    """
    from archqa.errors import ConfigError
    from archqa.practice import RATINGS, Session, filter_questions, load_questions
    from archqa.practice.grade import get_grader
    from archqa.practice.schedule import describe_interval, format_due, utcnow
    from archqa.store import Store

    grading = get_grader(grader)
    questions = filter_questions(load_questions(source, db), topics, difficulties)
    if not questions:
        given = " ".join([*(f"--topic {t}" for t in topics), *(f"--difficulty {d}" for d in difficulties)])
        raise ConfigError(f"no question in {source} matches {given}; drop or change a filter")
    with Store.open(db) as store:
        session = Session(store, questions, grading)
        plan = session.plan(new_limit=new_limit, limit=limit)
        click.echo(
            f"{source}: {len(questions)} question{'s' if len(questions) != 1 else ''}; {plan.due} due, "
            f"{plan.new} never seen "
            f"({plan.new_today} of {new_limit} new introduced today)."
        )
        if not plan.items:
            text = "Nothing to practise now."
            if plan.next_due:
                text += f" Next due {describe_interval(plan.next_due, utcnow())} ({format_due(plan.next_due)})."
            if plan.new:
                text += " Raise --new to learn more today."
            click.echo(text)
            return
        click.echo("Finish an answer with an empty line or a line with a single '.'; Ctrl-C stops at any time.")
        done: Counter[str] = Counter()
        code = 0
        try:
            for n, item in enumerate(plan.items, 1):
                q = item.question
                started = time.monotonic()
                click.echo("")
                meta = " · ".join(x for x in (item.kind, q.topic, q.difficulty.value if q.difficulty else "") if x)
                click.echo(f"[{n}/{len(plan.items)}] {meta}")
                click.echo(f"Q: {q.title}")
                answer, ended = read_answer()
                if ended:
                    break
                grade = session.grade(q, answer)
                click.echo("")
                show_grade(grade)
                if q.key_insight:
                    click.echo(f"Key insight: {q.key_insight}")
                click.echo("Model answer:")
                click.echo(q.answer or "(this question has no model answer)")
                choice = read_rating(grade.suggested)
                if choice is None or choice == "quit":
                    break
                if choice == "skip":
                    click.echo("Skipped: nothing saved.")
                    continue
                assert isinstance(choice, int)
                review = session.rate(
                    q, choice, grade=grade, answer=answer, duration_ms=int((time.monotonic() - started) * 1000)
                )
                done[RATINGS[choice]] += 1
                click.echo(
                    f"Saved: {RATINGS[choice]}. Next review {describe_interval(review.due, review.reviewed_at)} "
                    f"({format_due(review.due)})."
                )
        except KeyboardInterrupt:
            click.echo("")
            code = 130
        total = sum(done.values())
        summary = ", ".join(f"{k} {v}" for k, v in done.items())
        click.echo(f"Session over: {total} review{'s' if total != 1 else ''} saved{f' ({summary})' if total else ''}.")
    if code:
        sys.exit(code)
