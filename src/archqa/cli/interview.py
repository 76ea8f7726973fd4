"""`archqa interview`: a timed mock system-design interview in the terminal, with follow-ups and a scorecard.

Each phase shows its title, its budget and the clock, then reads the answer as `archqa practice` does (any
number of lines and paragraphs, ended by a line holding only ``.`` or by Ctrl-D, or written in the editor).
The follow-ups come after the answer; the scorecard at the end. Everything else is in ``archqa.interview``.
"""

from __future__ import annotations

import functools
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archqa.cli.common import echo, handle_errors
from archqa.cli.practice import GraderOption, edit_answer, read_answer
from archqa.cli.store import db_option
from archqa.cli.term import wrap

if TYPE_CHECKING:
    from archqa.interview import Interview, Phase, Scorecard, Transcript
    from archqa.interview.model import DiagramCheck

MARKS = {"covered": "✓", "missing": "✗", "unsure": "?"}


def clock(seconds: float) -> str:
    """``m:ss`` (negative as ``-m:ss``)."""
    s = int(round(abs(seconds)))
    return f"{'-' if seconds < 0 else ''}{s // 60}:{s % 60:02d}"


def _read(
    phase_title: str, prompt: str, editor: bool, on_line: Callable[[str], None] | None = None
) -> tuple[str, bool]:
    if editor:
        from archqa.model import Question

        text = edit_answer(Question(id="interview", title=f"{phase_title}: {prompt}"))
        echo(wrap(text, indent="> ", first="> ") if text else "> (empty answer)")
        return text, False
    return read_answer(on_line=on_line)  # each line is graded ahead (drafts), so the grade is ready sooner


def _phase(iv: Interview, n: int, phase: Phase, started: float, editor: bool) -> bool:
    """Ask one phase and its follow-ups; False when input ended (Ctrl-D before any line)."""
    total = sum(p.seconds for p in iv.plan.phases)
    elapsed = time.monotonic() - started
    click.echo("")
    click.echo(
        f"[{n}/{len(iv.plan.phases)}] {phase.title} · budget {clock(phase.seconds)} · "
        f"clock {clock(elapsed)} elapsed, "
        + (f"{clock(total - elapsed)} left" if elapsed <= total else f"{clock(elapsed - total)} over time")
    )
    echo(wrap(phase.prompt, indent="   ", first="Interviewer: "))
    t0 = time.monotonic()
    answer, ended = _read(phase.title, phase.prompt, editor, lambda so_far: iv.draft(phase.key, so_far))
    if ended:
        return False
    used = time.monotonic() - t0
    if not iv.grader_ready:
        click.echo("Loading the grader…", err=True)
    turn = iv.answer(phase.key, answer, used)
    for i, fu in enumerate(turn.follow_ups):
        probes = f" (probes KP {fu.key_point})" if fu.key_point else ""
        click.echo("")
        echo(wrap(f"{fu.question}{probes}", indent="   ", first="Follow-up: "))
        t1 = time.monotonic()
        text, ended = _read("Follow-up", fu.question, editor, functools.partial(iv.draft, phase.key, follow_up=i))
        iv.answer_follow_up(phase.key, i, text, time.monotonic() - t1)
        if ended:
            return False
    spent = turn.seconds + sum(f.seconds for f in turn.follow_ups)  # answering time, as the scorecard counts it
    click.echo(f"Phase time: {clock(spent)} of {clock(phase.seconds)}.")
    return True


def show_diagram(check: DiagramCheck) -> None:
    """The diagram comparison: the parser, what was matched, what is missing."""
    if check.error:
        echo(wrap(f"Your diagram does not parse ({check.parser}): {check.error}", indent="  "))
        return
    found = sum(1 for c in check.components if c.candidate)
    conns = sum(1 for c in check.connections if c.found)
    parser = "Mermaid's parser" if check.parser == "mermaid" else "archqa's fallback reader"
    echo(
        wrap(
            f"Your diagram ({parser}; {check.nodes} nodes, {check.edges} edges): {found} of {len(check.components)}"
            f" reference components, {conns} of {len(check.connections)} connections.",
            indent="  ",
        )
    )
    if check.note:
        echo(wrap(check.note, indent="  "))
    for c in check.components:
        if c.candidate:
            echo(wrap(f"✓ {c.reference} = your “{c.candidate}” ({c.how})", indent="      ", first="    "))
    if check.missing_components:
        echo(wrap("missing components: " + ", ".join(check.missing_components), indent="      ", first="    "))
    for m in check.missing_connections:
        echo(wrap(f"missing connection: {m.source} → {m.target}", indent="      ", first="    "))


def show_scorecard(transcript: Transcript, card: Scorecard) -> None:
    """The scorecard: each dimension's level, its evidence and missed points, then the overall level."""
    click.echo("")
    click.echo(f"Scorecard (target level: {card.target}):")
    for d in card.dimensions:
        figures = f" ({d.credit:g} of {d.total} key points, {d.share:.0%})" if d.total and d.share is not None else ""
        note = f" · {d.note}" if d.note else ""
        echo(wrap(f"{d.title}: {d.level}{figures}{note}", indent="      ", first="  "))
        for e in d.evidence:
            how = {"follow-up": " (after the follow-up: half credit)"}
            label = f"KP {e.number} " if e.number else ""
            echo(wrap(f"✓ {label}{e.point}{how.get(e.how, '')}", indent="      ", first="    "))
            echo(wrap(f"“{' '.join(e.quote.split())}” ({e.phase})", indent="      ", first="      "))
        for m in d.missed:
            label = f"KP {m.number} " if m.number else ""
            echo(wrap(f"✗ {label}{m.point}", indent="      ", first="    "))
            if m.reason:
                echo(wrap(m.reason, indent="      ", first="      "))
    for turn in transcript.turns:
        if turn.diagram is not None:
            show_diagram(turn.diagram)
    click.echo(f"Overall: {card.overall}; at or above {card.target} on {card.met} of {card.assessed} assessed.")
    if card.signals:
        echo(wrap(card.signals, indent="  ", first=f"A {card.target} answer: "))


@click.command()
@click.argument("prompt_id", required=False, metavar="[PROMPT-ID]")
@click.option(
    "--level",
    type=click.Choice(["mid", "senior", "staff"]),
    default="senior",
    show_default=True,
    help="The level you prepare for: picks the difficulty and is the bar on the scorecard.",
)
@click.option("--minutes", type=click.IntRange(5, 180), default=45, show_default=True, help="Length of the interview.")
@click.option(
    "--kind",
    type=click.Choice(["case-study", "concepts"]),
    default="case-study",
    show_default=True,
    help="One case study in phases, or a short run of conceptual questions (one per 9 minutes, 2 to 6).",
)
@click.option("--editor", is_flag=True, help="Write each answer in $VISUAL or $EDITOR; save and close to submit.")
@click.option("--seed", type=int, default=None, help="Draw the question with this seed (default: a random one, shown).")
@click.option("--grader", cls=GraderOption, default=None, metavar="NAME", help="How answers are graded (listed here).")
@click.option(
    "--model",
    default=None,
    metavar="NAME",
    help="An OpenAI-compatible model words the follow-ups and grades (the llm grader, unless --grader says "
    "otherwise) [env: ARCHQA_MODEL]. Without it everything runs offline.",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="With --model: the server, e.g. http://localhost:11434/v1 [env: ARCHQA_BASE_URL; key: ARCHQA_API_KEY].",
)
@click.option("--list", "list_", is_flag=True, help="List the saved interviews and exit.")
@click.option("--report", type=int, default=None, metavar="ID", help="Write the report of saved interview ID (--out).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --report: the HTML file to write (one page, offline, printable).",
)
@db_option
@handle_errors
def interview(
    prompt_id: str | None,
    level: str,
    minutes: int,
    kind: str,
    editor: bool,
    seed: int | None,
    grader: str | None,
    model: str | None,
    base_url: str | None,
    list_: bool,
    report: int | None,
    out: Path | None,
    db: Path | None,
) -> None:
    """A timed mock interview on PROMPT-ID (a case study's id; default: one drawn for --level by --seed).

    A case study runs in seven phases with time budgets scaled to --minutes:
    requirements, estimation, entities and API, data model, high-level design
    (a ```mermaid flowchart is compared with the reference diagram), deep dives
    and wrap-up. Answer each as in `archqa practice`: any number of lines,
    finished by a line holding only `.` or Ctrl-D. After each phase the
    interviewer asks up to two follow-ups: first on key points you missed,
    then a change of requirement. The scorecard rates each dimension below
    mid, mid, senior or staff from the key points you made (30/60/85 %
    cut-offs) and is saved with the transcript in the store.
    """
    from archqa.errors import ArchqaError, ConfigError
    from archqa.interview import Interview, list_interviews, load_bank_questions, load_interview, save_interview
    from archqa.store import Store

    if list_:
        with Store.open(db) as store:
            rows = list_interviews(store)
        if not rows:
            click.echo("No saved interview yet: run `archqa interview`.")
        for r in rows:
            echo(
                f"{r.id:>4}  {r.started_at[:16].replace('T', ' ')}  {r.level:<6} {r.minutes:>3} min  "
                f"{r.overall:<10}  {r.question_id}"
            )
        return
    if report is not None:
        if out is None:
            raise ConfigError("--report needs --out FILE.html, the file to write")
        from archqa.export.base import atomic_write
        from archqa.interview.report import render_report

        with Store.open(db) as store:
            transcript, card = load_interview(store, report)
        page = render_report(transcript, card, report)
        atomic_write(out, lambda tmp: tmp.write_text(page, encoding="utf-8"))
        click.echo(f"archqa: wrote the report of interview {report} to {out}", err=True)
        return
    if out is not None:
        raise ConfigError("--out goes with --report ID; a mock interview saves itself in the store")
    from archqa.interview.llm import ModelInterviewer
    from archqa.practice import DEFAULT_GRADER, Grader, get_grader

    interviewer = None
    chosen: Grader | str = grader or DEFAULT_GRADER
    if model is not None or base_url is not None:
        interviewer = ModelInterviewer(model, base_url)
        name = grader or "llm"
        chosen = get_grader(name, model=model, base_url=base_url) if name == "llm" else name
    drawn = seed if seed is not None else random.SystemRandom().randrange(10_000)
    iv = Interview.start(
        load_bank_questions(),
        prompt_id=prompt_id,
        kind=kind,  # type: ignore[arg-type]
        level=level,  # type: ignore[arg-type]
        minutes=minutes,
        seed=drawn,
        grader=chosen,
        interviewer=interviewer,
    )
    iv.preload()
    plan = iv.plan
    echo(wrap(f"Mock interview: {plan.title}"))
    click.echo(
        wrap(
            f"{plan.question_ids[0]} · level {level} · {minutes} minutes · seed {drawn} · "
            f"{len(plan.phases)} phases · key points by {plan.assignment}"
        )
    )
    if editor:
        click.echo(wrap("Each answer opens in your editor ($VISUAL or $EDITOR): save and close it to submit."))
    else:
        click.echo(
            wrap(
                "Answer in as many lines and paragraphs as you like; finish with a line holding only '.' or with "
                "Ctrl-D. Ctrl-C stops (nothing is saved)."
            )
        )
    started = time.monotonic()
    error: ArchqaError | None = None
    try:
        for n, phase in enumerate(plan.phases, 1):
            if not _phase(iv, n, phase, started, editor):
                click.echo("Input ended: the interview stops here and is scored on the phases answered.")
                break
    except KeyboardInterrupt:
        click.echo("")
        click.echo("Interview stopped: nothing saved.")
        sys.exit(130)
    except ArchqaError as exc:  # a model server that fails mid-interview: keep what was graded
        error = exc
        echo(f"archqa: {exc}", err=True)
        click.echo("The interview stops here and is scored on the phases graded.")
    if not iv.transcript.turns:
        click.echo("No phase answered: nothing saved.")
        if error is not None:
            raise error
        return
    if interviewer is not None and interviewer.failures:
        click.echo(
            f"The model could not word {interviewer.failures} follow-up{'s' if interviewer.failures != 1 else ''}; "
            "the bank's were asked instead."
        )
    card = iv.finish()
    show_scorecard(iv.transcript, card)
    with Store.open(db) as store:
        saved = save_interview(store, iv.transcript, card)
    click.echo(f"Saved as interview {saved}: archqa interview --report {saved} --out report.html")
    if error is not None:
        sys.exit(error.exit_code)


COMMANDS: tuple[click.Command, ...] = (interview,)
"""The commands this module adds to ``archqa`` (``archqa.cli.app`` assembles them)."""
