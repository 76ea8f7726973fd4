"""What every command module shares: printing user text safely, and turning archqa's errors into exit statuses.

Command modules import this, never ``archqa.cli.app`` (which imports them to assemble the command line).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

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
