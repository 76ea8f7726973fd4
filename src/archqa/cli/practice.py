"""`archqa practice`: a terminal session of spaced repetition that grades typed answers by key points.

The loop for each question: the answer (any number of lines and paragraphs,
ended by a line holding only ``.`` or by Ctrl-D, or written in the editor),
the grader's verdict on each key point with its evidence, the user's
confirmation (Enter) or flips (point numbers), the key insight and model
answer, and the rating (Enter accepts the one the confirmed coverage suggests).
When standard input is a terminal, anything typed or pasted before a verdict
or rating prompt appears is discarded, so the rest of a paste never becomes a
verdict or a rating.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archqa.cli.common import handle_errors
from archqa.cli.store import db_option, format_option
from archqa.cli.term import discard_typeahead, wrap

if TYPE_CHECKING:
    from archqa.model import Question
    from archqa.practice import Confirmation, Grade, Item, Session

END_MARK = "."
"""A line holding only this ends an answer."""

Reader = Callable[[str], "str | None"]


def _read(prompt: str) -> str | None:
    """One line from standard input without its newline; None at end of input (Ctrl-D)."""
    try:
        return input(prompt)
    except EOFError:
        return None


def read_answer(read: Reader = _read, on_line: Callable[[str], None] | None = None) -> tuple[str, bool]:
    """Lines up to a line holding only ``.`` or the end of input (Ctrl-D); blank lines stay in the answer.

    Returns (answer, ended): ``ended`` is True when input ended before any line
    was typed, which ends the session. Leading and trailing blank lines and
    trailing spaces are dropped; the lines in between are kept as typed.
    ``on_line`` gets the answer so far after each line (the session drafts a grade with it).
    """
    lines: list[str] = []
    while True:
        line = read("" if lines else "> ")  # no prompt on later lines: a pasted answer stays as it was pasted
        if line is None:
            click.echo("")
            return _join(lines), not lines
        if line.strip() == END_MARK:
            return _join(lines), False
        lines.append(line.rstrip())
        if on_line is not None and line.strip():
            on_line(_join(lines))


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


EDITOR_HELP = "Write your answer above. Lines starting with '#' that archqa wrote here are removed."


def editor_template(question: Question) -> str:
    """The text the editor opens with: an empty first line for the answer, then the question as comments."""
    comments = [f"# {line}" if line else "#" for line in wrap(question.title, columns=76).splitlines()]
    return "\n\n" + "\n".join([*comments, "#", f"# {EDITOR_HELP}"]) + "\n"


def strip_template(text: str, template: str) -> str:
    """The answer written in the editor: ``text`` without the template's comment lines, blank ends dropped."""
    ours = {line.rstrip() for line in template.splitlines() if line.startswith("#")}
    kept = [line.rstrip() for line in text.splitlines() if line.rstrip() not in ours]
    return _join(kept).strip()


def edit_answer(question: Question) -> str:
    """The answer written in $VISUAL or $EDITOR (empty when the editor was closed without saving)."""
    from archqa.errors import ConfigError

    template = editor_template(question)
    try:
        text = click.edit(template, extension=".md", require_save=True)
    except click.ClickException as exc:
        raise ConfigError(
            f"--editor: {exc.format_message()}; set $VISUAL or $EDITOR to an editor command (e.g. EDITOR=nano), "
            "or practise without --editor"
        ) from None
    return strip_template(text or "", template)


def show_points(confirmation: Confirmation) -> None:
    """Each key point numbered, with the grader's verdict (or the user's, once flipped) and its evidence or why."""
    from archqa.practice.progress import VERDICT_MARKS

    grade = confirmation.grade
    for n, (p, covered) in enumerate(zip(grade.points, confirmation.covered), 1):
        flipped = covered != p.covered
        mark = ("✓" if covered else "✗") if flipped else VERDICT_MARKS[p.verdict]
        note = f" (you flipped the grader's {VERDICT_MARKS[p.verdict]})" if flipped else ""
        click.echo(wrap(p.point + note, indent="      ", first=f"  {n} {mark} "))
        if p.evidence:
            click.echo(wrap(f"“{' '.join(p.evidence.split())}”", indent="      "))
        if p.reason and (p.verdict != "covered" or not p.evidence):
            label = "unsure: " if p.verdict == "unsure" else ""
            click.echo(wrap(f"{label}{p.reason}", indent="      "))


def show_grade(grade: Grade) -> None:
    """The grader's count, then each key point with ✓ covered / ✗ missing / ? unsure and its evidence or reason."""
    from archqa.practice import Confirmation

    share = grade.share or 0.0
    unsure = f", {grade.unsure} unsure" if grade.unsure else ""
    click.echo(
        f"Key points covered: {grade.covered}/{grade.total} ({share:.0%}{unsure}, {grade.grader} grader). "
        "Check each one:"
    )
    show_points(Confirmation.of(grade))


VERDICT_HELP = "Enter accepts · numbers flip points (e.g. 2 or 2 3) · s skips · q quits"


def confirm_points(grade: Grade, read: Reader = _read) -> Confirmation | str | None:
    """The user's verdicts: Enter accepts, point numbers flip (then the list is shown again until Enter).

    Returns the Confirmation, ``"skip"``, ``"quit"``, or None at end of input.
    Anything else re-prompts.
    """
    from archqa.errors import ConfigError
    from archqa.practice import Confirmation, parse_point_numbers

    confirmation = Confirmation.of(grade)
    click.echo(wrap(VERDICT_HELP))
    while True:
        discard_typeahead()
        text = read("verdicts> ")
        if text is None:
            click.echo("")
            return None
        t = text.strip().lower()
        if not t:
            return confirmation
        if t in ("s", "skip"):
            return "skip"
        if t in ("q", "quit"):
            return "quit"
        try:
            confirmation = confirmation.flip(parse_point_numbers(t, grade.total))
        except ConfigError as exc:
            click.echo(wrap(f"{exc}. {VERDICT_HELP}"))
            continue
        click.echo(f"Your verdicts: {confirmation.count} of {grade.total} covered.")
        show_points(confirmation)
        click.echo(wrap(VERDICT_HELP))


RATING_HELP = "Rating: 1 again · 2 hard · 3 good · 4 easy (or a/h/g/e) · s skips · q quits"


def read_rating(suggested: int | None, why: str = "", read: Reader = _read) -> int | str | None:
    """A rating 1-4, ``"skip"``, ``"quit"``, or None at end of input. Enter accepts ``suggested``; ``why`` (what
    the suggestion comes from) is printed above the prompt.

    Only the documented keys are taken; anything else says so and asks again.
    """
    from archqa.errors import ConfigError
    from archqa.practice import RATINGS, parse_rating

    if suggested:
        click.echo(wrap(f"{why or 'Suggested'}: Enter = {RATINGS[suggested]}."))
    else:
        click.echo("No key points to suggest a rating from: type one.")
    click.echo(wrap(RATING_HELP))
    while True:
        discard_typeahead()
        text = read("rating> ")
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
            click.echo(wrap(f"{exc}; s skips, q quits."))


class GraderOption(click.Option):
    """--grader, whose help lists the registered graders when help is shown (not at import)."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from archqa.practice import DEFAULT_GRADER, graders

        names = []
        for name, factory in sorted(graders().items()):
            about = getattr(factory, "description", "")
            names.append(f"{name}: {about}" if about else name)
        self.help = f"How answers are graded [default: {DEFAULT_GRADER}]. {'. '.join(names)}."
        return super().get_help_record(ctx)


def _ask(
    item_n: int, total: int, item: Item, session: Session, editor: bool
) -> tuple[str, Grade, Confirmation | None, int] | str | None:
    """One question: the answer, its grade, the confirmed verdicts, the rating; ``"skip"``, ``"quit"`` or None
    (end of input) stop early."""
    q = item.question
    click.echo("")
    meta = " · ".join(x for x in (item.kind, q.topic, q.difficulty.value if q.difficulty else "") if x)
    click.echo(f"[{item_n}/{total}] {meta}")
    click.echo(wrap(q.title, indent="   ", first="Q: "))
    session.prepare(q)  # the grader encodes the key points while the answer is typed
    if editor:
        answer = edit_answer(q)
        click.echo(wrap(answer, indent="> ", first="> ") if answer else "> (empty answer)")
    else:
        # each line typed is graded in the background, so the grade is ready soon after the final "."
        answer, ended = read_answer(on_line=lambda so_far: session.draft(q, so_far))
        if ended:
            return None
    if not session.grader_loaded:
        click.echo("Loading the grader…", err=True)
    grade = session.grade(q, answer)
    click.echo("")
    confirmation: Confirmation | None = None
    if grade.points:
        show_grade(grade)
        got = confirm_points(grade)
        if got is None or isinstance(got, str):
            return got
        confirmation = got
    else:
        click.echo("No key points to grade against: compare with the model answer below.")
    if q.key_insight:
        click.echo(wrap(q.key_insight, first="Key insight: "))
    click.echo("Model answer:")
    click.echo(wrap(q.full_answer()) if q.answer or q.sections else "(this question has no model answer)")
    if q.follow_ups:
        click.echo("An interviewer might ask next:")
        for f in q.follow_ups:
            click.echo(wrap(f.question, first="  - "))
    why = ""
    if confirmation is not None:
        why = f"You confirmed {confirmation.count} of {grade.total} key points ({confirmation.share or 0.0:.0%})"
    choice = read_rating(confirmation.suggested if confirmation else None, why)
    if choice is None or isinstance(choice, str):
        return choice
    return answer, grade, confirmation, choice


@click.command()
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
    cls=GraderOption,
    default=None,
    metavar="NAME",
    help="How answers are graded (the registered graders are listed here).",
)
@click.option(
    "--editor",
    is_flag=True,
    help="Write each answer in $VISUAL or $EDITOR instead of typing it here; save and close to submit.",
)
@db_option
@handle_errors
def practice(
    source: str,
    new_limit: int,
    topics: tuple[str, ...],
    difficulties: tuple[str, ...],
    limit: int | None,
    grader: str | None,
    editor: bool,
    db: Path | None,
) -> None:
    """Practise SOURCE with spaced repetition: `bank` (default), `store`, or a house-format set file or directory.

    Due questions come first, then new ones up to --new a day, taking turns
    by topic. Type your answer, as many lines and paragraphs as you like, and
    finish it with a line holding only `.` or with Ctrl-D (Ctrl-D before any
    line ends the session); or write it in your editor with --editor.

    archqa shows each key point as covered (✓), missing (✗) or unsure (?),
    quoting the part of your answer that makes it. Press Enter to accept the
    verdicts or type point numbers to flip them. The rating suggested by the
    points you confirmed (under 25% again, under 50% hard, under 85% good,
    else easy) is accepted with Enter or replaced with 1-4 or a/h/g/e. Input
    typed or pasted before a verdict or rating prompt appears is discarded.
    Each review is saved the moment you rate it, with the grader's verdicts
    and yours.
    """
    from archqa.errors import ArchqaError, ConfigError
    from archqa.practice import DEFAULT_GRADER, RATINGS, Session, filter_questions, get_grader, graders, load_questions
    from archqa.practice.schedule import describe_interval, format_due, utcnow
    from archqa.store import Store

    name = grader or DEFAULT_GRADER
    if name not in graders():
        get_grader(name)  # raises GraderError naming the known graders
    questions = filter_questions(load_questions(source, db), topics, difficulties)
    if not questions:
        given = " ".join([*(f"--topic {t}" for t in topics), *(f"--difficulty {d}" for d in difficulties)])
        raise ConfigError(f"no question in {source} matches {given}; drop or change a filter")
    with Store.open(db) as store:
        session = Session(store, questions, name)
        plan = session.plan(new_limit=new_limit, limit=limit)
        click.echo(
            wrap(
                f"{source}: {len(questions)} question{'s' if len(questions) != 1 else ''}; {plan.due} due, "
                f"{plan.new} never seen ({plan.new_today} of {new_limit} new introduced today)."
            )
        )
        if not plan.items:
            text = "Nothing to practise now."
            if plan.next_due:
                text += f" Next due {describe_interval(plan.next_due, utcnow())} ({format_due(plan.next_due)})."
            if plan.new:
                text += " Raise --new to learn more today."
            click.echo(wrap(text))
            return
        session.preload()  # loads (and warms) the model while the first question is shown and answered
        if editor:
            click.echo(wrap("Each answer opens in your editor ($VISUAL or $EDITOR): save and close it to submit."))
        else:
            click.echo(
                wrap(
                    "Answer in as many lines and paragraphs as you like; finish with a line holding only '.' or "
                    "with Ctrl-D. Ctrl-C stops at any time."
                )
            )
        done: Counter[str] = Counter()
        code = 0
        error: ArchqaError | None = None
        try:
            for n, item in enumerate(plan.items, 1):
                started = time.monotonic()
                got = _ask(n, len(plan.items), item, session, editor)
                if got is None or got == "quit":
                    break
                if got == "skip":
                    click.echo("Skipped: nothing saved.")
                    continue
                assert not isinstance(got, str)
                answer, grade, confirmation, rating = got
                review = session.rate(
                    item.question,
                    rating,
                    grade=grade,
                    confirmation=confirmation,
                    answer=answer,
                    duration_ms=int((time.monotonic() - started) * 1000),
                )
                done[RATINGS[rating]] += 1
                click.echo(
                    f"Saved: {RATINGS[rating]}. Next review {describe_interval(review.due, review.reviewed_at)} "
                    f"({format_due(review.due)})."
                )
        except KeyboardInterrupt:
            click.echo("")
            code = 130
        except ArchqaError as exc:
            error = exc
        total = sum(done.values())
        summary = ", ".join(f"{k} {v}" for k, v in done.items())
        click.echo(f"Session over: {total} review{'s' if total != 1 else ''} saved{f' ({summary})' if total else ''}.")
    if error is not None:
        raise error
    if code:
        sys.exit(code)


@click.command()
@click.argument("source", default="bank", metavar="[SOURCE]")
@click.option(
    "--days", type=click.IntRange(1, 366), default=14, show_default=True, help="Days of reviews to show, today last."
)
@db_option
@format_option
@handle_errors
def progress(source: str, days: int, db: Path | None, fmt: str) -> None:
    """Your practice progress: reviews per day, retention, coverage by topic × difficulty, most missed key points.

    The coverage table counts the questions of SOURCE (`bank` by default,
    `store`, or a set file or directory) you have answered, and the mean
    share of key points you confirmed in your latest answer to each. Reviews,
    retention and missed key points count every review in the store.
    """
    import json

    from archqa.cli.term import width
    from archqa.practice import load_questions
    from archqa.practice.progress import practice_progress, progress_lines
    from archqa.store import Store

    questions = load_questions(source, db)
    with Store.open(db) as store:
        result = practice_progress(store, questions, days=days)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{source}: {result.questions} question{'s' if result.questions != 1 else ''}.")
    for line in progress_lines(result, width()):
        click.echo(line)


COMMANDS: tuple[click.Command, ...] = (practice, progress)
"""The commands this module adds to ``archqa`` (``archqa.cli.app`` assembles them)."""
