"""`archqa grade`: grade one answer with quoted evidence, or audit a grader against labelled answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archqa.cli.common import handle_errors
from archqa.cli.store import db_option


@click.command()
@click.argument("question_id", required=False, metavar="[QUESTION_ID]")
@click.option(
    "--answer",
    "answer_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read the answer from this file (default: standard input).",
)
@click.option(
    "--grader", default=None, metavar="NAME", help="The grader: semantic (default), lexical, llm, or a plugin's name."
)
@click.option("--model", default=None, metavar="NAME", help="With --grader llm: the model (else ARCHQA_MODEL).")
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="With --grader llm: an OpenAI-compatible server (else ARCHQA_BASE_URL; key from ARCHQA_API_KEY).",
)
@click.option(
    "--audit",
    is_flag=True,
    help="Measure the grader against the labelled calibration set instead of grading one answer.",
)
@click.option(
    "--split",
    type=click.Choice(["all", "tune", "holdout"]),
    default="all",
    show_default=True,
    help="With --audit: which half of the calibration set (holdout is never used for tuning).",
)
@click.option(
    "--from-reviews",
    is_flag=True,
    help="With --audit: measure the grader against your own confirmed verdicts from `archqa practice`.",
)
@click.option(
    "--labels",
    "label_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --audit: a JSONL file of labelled answers to use instead of the packaged set (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--gate", is_flag=True, help="With --audit: exit 1 when the figures miss the gate (for CI).")
@db_option
@handle_errors
def grade(
    question_id: str | None,
    answer_file: Path | None,
    grader: str | None,
    model: str | None,
    base_url: str | None,
    audit: bool,
    split: str,
    from_reviews: bool,
    label_files: tuple[Path, ...],
    as_json: bool,
    gate: bool,
    db: Path | None,
) -> None:
    """Grade an answer to QUESTION_ID (a bank or store id) against its key points, or audit a grader.

    Each key point gets a verdict (covered, missing, or unsure, which earns no
    credit) with the span of your answer that is its evidence, quoted.

    \b
    archqa grade data-read-your-writes --answer my-answer.txt
    archqa grade --audit                     # the default grader on the calibration set
    archqa grade --audit --grader lexical --split holdout
    archqa grade --audit --from-reviews      # against your own corrections in practice
    """
    from archqa.errors import ConfigError
    from archqa.practice.grade import DEFAULT_GRADER, get_grader

    name = grader or DEFAULT_GRADER
    options = {"model": model, "base_url": base_url} if name == "llm" else {}
    if audit:
        _audit(name, options, split, from_reviews, label_files, as_json, gate, db)
        return
    if from_reviews or label_files or gate:
        raise ConfigError("--from-reviews, --labels and --gate go with --audit")
    if not question_id:
        raise ConfigError("give a QUESTION_ID to grade an answer to, or --audit to audit a grader")
    question = _find_question(question_id, db)
    if answer_file is not None:
        try:
            text = answer_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--answer {answer_file}: cannot read it ({exc}); pass a UTF-8 text file") from None
    else:
        if sys.stdin.isatty():
            click.echo("Type your answer; end it with Ctrl-D.", err=True)
        text = sys.stdin.read()
    from archqa.practice.session import rubric

    if sys.stderr.isatty():
        click.echo("Loading the grader…", err=True)
    result = get_grader(name, **options).grade(text, rubric(question))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "question": question.id,
                    "grader": result.grader,
                    "covered": result.covered,
                    "total": result.total,
                    "suggested": result.suggested,
                    "points": result.to_json(),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(f"{question.id}: {result.covered}/{result.total} key points covered ({result.grader} grader)")
    marks = {"covered": "✓", "missing": "✗", "unsure": "?"}
    for p in result.points:
        click.echo(f"  {marks[p.verdict]} {p.point}")
        if p.evidence:
            click.echo(f"      “{p.evidence}”")
        if p.reason:
            click.echo(f"      ({p.verdict}: {p.reason})")


def _find_question(question_id: str, db: Path | None):  # type: ignore[no-untyped-def]
    from archqa.errors import InputError
    from archqa.practice.session import load_questions

    for pq in load_questions("bank"):
        if pq.question.id == question_id:
            return pq.question
    try:
        for pq in load_questions("store", db):
            if pq.question.id == question_id:
                return pq.question
    except InputError:
        pass
    raise InputError(question_id, None, "no bank or store question has this id", "find ids with `archqa list`")


def _audit(
    name: str,
    options: dict[str, str | None],
    split: str,
    from_reviews: bool,
    label_files: tuple[Path, ...],
    as_json: bool,
    gate: bool,
    db: Path | None,
) -> None:
    from archqa.practice.audit import audit, audit_judgements, load_calibration, report_lines
    from archqa.practice.grade import get_grader

    if from_reviews:
        from archqa.practice.schedule import PracticeLog
        from archqa.store import Store

        with Store.open(db) as store:
            rows = PracticeLog(store).point_judgements(None if name == "all" else name)
            where = store.location
        pairs = [(r.user_covered, r.grader_verdict == "covered") for r in rows]
        report = audit_judgements(pairs, name, f"your confirmed verdicts in {where}")
    else:
        answers = load_calibration(list(label_files) or None, split=split)  # type: ignore[arg-type]
        if sys.stderr.isatty():
            click.echo(f"Loading the grader… then grading {len(answers)} answers", err=True)
        report = audit(
            get_grader(name, **options), answers, "the calibration set" + ("" if split == "all" else f" ({split})")
        )
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for line in report_lines(report):
            click.echo(line)
    failures = report.failures()
    if not as_json:
        if failures:
            click.echo("gate: FAILED: " + "; ".join(failures))
        elif report.points:
            click.echo("gate: passed (accuracy >= 90 %, false credit <= 5 %, miss <= 15 %)")
        else:
            click.echo("nothing to audit yet: rate some answers in `archqa practice` first")
    if gate and failures:
        sys.exit(1)


COMMANDS: tuple[click.Command, ...] = (grade,)
"""The commands this module adds to ``archqa`` (``archqa.cli.app`` assembles them)."""
