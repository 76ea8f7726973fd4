"""`archqa export`: write a set or the bank as an Anki package, an HTML page, JSON or Markdown."""

from __future__ import annotations

from pathlib import Path

import click

from archqa.cli.common import handle_errors


@click.command()
@click.argument("source", metavar="SOURCE")
@click.option(
    "--format",
    "fmt",
    default=None,
    metavar="anki|html|interviewer|json|md",
    help="Output format: anki (.apkg), html (one offline page), interviewer (a printable page per question: "
    "key-point checklist, follow-ups, level signals, notes), json (schema archqa.set/1) or md (house format). "
    "Default: from the suffix of --out.",
)
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write; it is replaced whole, or left as it was if the export fails.",
)
@click.option(
    "--topic",
    "topics",
    multiple=True,
    metavar="T",
    help="Export only this topic: its name, slug or cluster (structural, data, ...). Repeat for more.",
)
@click.option(
    "--difficulty",
    "difficulties",
    multiple=True,
    metavar="D",
    help="Export only this difficulty: foundational, intermediate or advanced. Repeat for more.",
)
@click.option(
    "--deck-name",
    default=None,
    metavar="NAME",
    help="Anki: the parent deck; each topic becomes NAME::Topic. Default: the set's title.",
)
@handle_errors
def export(
    source: str,
    fmt: str | None,
    out: Path,
    topics: tuple[str, ...],
    difficulties: tuple[str, ...],
    deck_name: str | None,
) -> None:
    """Export SOURCE: a house-format set file, a directory of them, `bank` (the bundled bank) or `store` (the
    questions imported with `archqa import`; `store:PATH` for another store file).

    Anki notes keep their ids across exports, so importing an edited set
    updates the cards you have. Exit status 2 when SOURCE cannot be read or an
    option is invalid.
    """
    from archqa.export import ExportOptions, export_source

    qset = export_source(
        source, out, fmt, topics=topics, difficulties=difficulties, options=ExportOptions(deck_name=deck_name)
    )
    click.echo(f"archqa: wrote {len(qset.questions)} questions to {out}", err=True)


COMMANDS: tuple[click.Command, ...] = (export,)
"""The commands this module adds to ``archqa`` (``archqa.cli.app`` assembles them)."""
