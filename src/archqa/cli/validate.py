"""`archqa validate`: run every rule over documents and print the reports."""

from __future__ import annotations

import sys

import click

from archqa.cli.common import echo, handle_errors


def parse_mix(value: str) -> tuple[int, int, int]:
    """'20/40/40' -> (20, 40, 40); the three parts must add up to 100."""
    from archqa.errors import ConfigError

    parts = value.replace(",", "/").split("/")
    try:
        nums = tuple(int(p) for p in parts)
    except ValueError:
        raise ConfigError(f"--mix {value!r}: write three whole percentages like 20/40/40") from None
    if len(nums) != 3 or sum(nums) != 100 or min(nums) < 0:
        raise ConfigError(f"--mix {value!r}: give three percentages (F/I/A) that add up to 100, like 20/40/40")
    return nums[0], nums[1], nums[2]


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format: text for people, json for scripts.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too, not only on errors.")
@click.option(
    "--mix",
    default=None,
    metavar="F/I/A",
    help="Target difficulty mix when the document states no blueprint [default: 20/40/40].",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and score, not each finding.")
@click.option(
    "--profile",
    type=click.Choice(["document", "bank"]),
    default="document",
    show_default=True,
    help="bank: also require follow-ups and level signals on every question and tags from the bank's vocabulary"
    " (how the bundled bank is checked).",
)
@handle_errors
def validate(files: tuple[str, ...], fmt: str, strict: bool, mix: str | None, quiet: bool, profile: str) -> None:
    """Check documents against every rule and print findings and a computed score.

    Each file is judged on its own, its report printed as soon as it is
    ready: a file that cannot be read (a directory, a FIFO, over 20 MB, not
    UTF-8) or that takes longer than its time limit (3 s plus 3 s per MB) is
    reported and the others are still checked.

    Exit status: 0 when no file has errors, 1 when one has (with --strict,
    warnings count too), 2 when a file cannot be read as a document.
    """
    from archqa.errors import InputError
    from archqa.validate import ValidationConfig, validate_file
    from archqa.validate.report import render_json, render_text

    overrides = {"mix": parse_mix(mix)} if mix else {}
    config = ValidationConfig.bank(**overrides) if profile == "bank" else ValidationConfig.model_validate(overrides)
    reports = []
    unreadable = 0
    for path in files:
        try:
            report = validate_file(path, config)
        except InputError as exc:
            unreadable += 1
            echo(f"archqa: {exc}", err=True)
            continue
        except Exception as exc:  # an archqa bug on an unusual file must not hide the other files' reports
            unreadable += 1
            echo(
                f"archqa: {path}: archqa failed while checking this file ({type(exc).__name__}: {exc}); the other"
                " files are checked. Please report it with the file",
                err=True,
            )
            continue
        reports.append(report)
        if fmt != "json":
            echo(render_text(report, findings=not quiet))
    if fmt == "json":
        click.echo(render_json(reports))
    if unreadable:
        sys.exit(2)
    if any(not r.ok(strict) for r in reports):
        sys.exit(1)


COMMANDS: tuple[click.Command, ...] = (validate,)
"""The commands this module adds to ``archqa`` (``archqa.cli.app`` assembles them)."""
