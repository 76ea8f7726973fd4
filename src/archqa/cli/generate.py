"""`archqa generate`: fill a blueprint from a bank and write the set."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from archqa.cli.common import echo, handle_errors
from archqa.cli.llm import model_options, pop_model_options, prepare, report
from archqa.cli.validate import parse_mix


def parse_topics(value: str) -> dict[str, int | None]:
    """'structural:5,data,integration=3' -> {'structural': 5, 'data': None, 'integration': 3}."""
    from archqa.errors import ConfigError

    out: dict[str, int | None] = {}
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        m = re.fullmatch(r"(.+?)\s*+(?:[:=]\s*+(\d+))?", item)
        if m is None:
            raise ConfigError(f"--topics: cannot read {item!r}; write name or name:quota, e.g. structural:5,data")
        out[m.group(1).strip()] = int(m.group(2)) if m.group(2) else None
    return out


def _split(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").split(",") if x.strip()]


@click.command()
@click.option(
    "--count",
    "-n",
    type=click.IntRange(1, 10_000),
    default=26,
    show_default=True,
    help="Number of questions in the set.",
)
@click.option(
    "--mix",
    default="20/40/40",
    show_default=True,
    metavar="F/I/A",
    help="Difficulty mix in percent: Foundational/Intermediate/Advanced.",
)
@click.option(
    "--topics",
    default=None,
    metavar="LIST",
    help="Topics to cover, each with an optional quota: 'structural:6,data,integration'. "
    "Names are cluster slugs (structural, behavioral, quality, data, integration, evolution) "
    "or topic names. Default: every topic of the bank.",
)
@click.option(
    "--focus",
    default=None,
    metavar="TAGS",
    help="Tags or domains to prefer, comma-separated: 'ai-ml', 'payments,multi-tenant', 'llm-serving'.",
)
@click.option(
    "--languages", default=None, metavar="LIST", help="Preferred code languages, comma-separated: 'python,go'."
)
@click.option(
    "--type",
    "qtype",
    default="",
    metavar="TYPE",
    help="Only questions of this type: case-study (end-to-end design prompts in sections), design, trade-off,"
    " concept, scenario, operations. By default every type but case studies.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Selection seed: the same seed gives the same set; another seed gives another set.",
)
@click.option(
    "--bank",
    "bank",
    default=None,
    metavar="DIR",
    help="A directory (or file) of house-format questions to draw from instead of the bundled bank.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default="md",
    show_default=True,
    help="Output format: house-format Markdown or JSON.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the set to this file instead of standard output.",
)
@click.option(
    "--allow-shortfall",
    is_flag=True,
    help="When the bank cannot fill the blueprint, write a smaller set and say so in its report.",
)
@click.option("--title", default=None, help="Title of the set.")
@model_options
@handle_errors
def generate(
    count: int,
    mix: str,
    topics: str | None,
    focus: str | None,
    languages: str | None,
    qtype: str,
    seed: int,
    bank: str | None,
    fmt: str,
    out: Path | None,
    allow_shortfall: bool,
    title: str | None,
    **model_kw: Any,
) -> None:
    """Generate an interview set from the bundled bank (or --bank), offline.

    The set is written in the house format with a Validation Report computed
    by the validator. A summary goes to standard error. Exit status 1 if the
    set has validation errors, 2 if the blueprint cannot be met.

    With --backend/--model a model writes the questions (with --fill, only
    those the bank cannot fill); each one passes the validator first. A slot
    that never validates is reported and left out (exit 1 unless
    --allow-shortfall). --from-cv FILE asks about a CV's quantified claims.
    """
    from archqa.generate import generate as run_generate
    from archqa.model import Blueprint
    from archqa.validate.engine import format_score

    bp = Blueprint(
        count=count,
        mix=parse_mix(mix),
        topics=parse_topics(topics or ""),
        focus=_split(focus),
        languages=[x.lower() for x in _split(languages)],
        type=qtype.strip().lower(),
        seed=seed,
    )
    if out is not None and not (out.parent if str(out.parent) else Path(".")).is_dir():
        from archqa.errors import ExportError

        raise ExportError(f"--out {out}: the folder {out.parent} does not exist; create it or choose another --out")
    llm = pop_model_options(model_kw)
    model, bar = prepare(llm, bp, bank)
    try:
        result = run_generate(
            bp, bank=bank, allow_shortfall=allow_shortfall, title=title, model=model, cv=llm.get("from_cv")
        )
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        click.echo("\narchqa: interrupted; nothing was written", err=True)
        sys.exit(130)
    finally:
        if bar is not None:
            bar.close()
    if fmt == "json":
        from archqa.export.json import dumps_set

        text = dumps_set(result.set, result.report)
    else:
        text = result.text
    if out is not None:
        from archqa.export.base import atomic_write

        atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    else:
        sys.stdout.write(text)
    r = result.report
    where = f" to {out}" if out else ""
    if r.questions:
        verdict = f"validation: {r.errors} errors, {r.warnings} warnings, score {format_score(r.score)}/100"
    else:
        verdict = "nothing to score"
    click.echo(f"archqa: wrote {r.questions} questions{where}; {verdict}", err=True)
    failed = report(result)
    for s in result.shortfalls:
        echo(f"archqa: shortfall: {s.describe()}", err=True)
    if failed and not allow_shortfall and not r.errors:
        sys.exit(1)
    if r.errors:
        for f in r.findings:
            if f.severity.value == "error":
                echo(f"  {f.format()}", err=True)
        sys.exit(1)


COMMANDS: tuple[click.Command, ...] = (generate,)
"""The commands this module adds to ``archqa`` (``archqa.cli.app`` assembles them)."""
