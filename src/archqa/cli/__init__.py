"""The archqa command line: a thin adapter over the library."""

from __future__ import annotations


def main() -> None:
    from archqa.cli.app import cli

    cli()
