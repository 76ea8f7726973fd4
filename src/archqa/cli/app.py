"""The click application: each command parses options, calls the library, maps errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from archqa import __version__

F = TypeVar("F", bound=Callable[..., Any])


def echo(text: str = "", err: bool = False) -> None:
    """Print text that may come from a user's files (titles, answers, paths, findings) with terminal control
    sequences removed, so an imported file cannot set the terminal's title or write its clipboard."""
    from archqa.text import terminal_safe

    click.echo(terminal_safe(text), err=err)


def handle_errors(func: F) -> F:
    """Turn archqa's typed errors into a one-line message and their exit status."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from archqa.errors import ArchqaError

        try:
            return func(*args, **kwargs)
        except ArchqaError as exc:
            echo(f"archqa: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", help="Show the version and exit.")
def cli() -> None:
    """Generate, validate and practise software-architecture interview questions."""


def _register() -> None:
    from archqa.cli import export as _export  # noqa: F401
    from archqa.cli import generate as _generate  # noqa: F401
    from archqa.cli import grade as _grade  # noqa: F401
    from archqa.cli import practice as _practice  # noqa: F401
    from archqa.cli import store as _store  # noqa: F401
    from archqa.cli import validate as _validate  # noqa: F401


_register()
