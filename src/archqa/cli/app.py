"""The click application, assembled in this one place from the command modules.

Each command module (``export``, ``generate``, ``grade``, ``interview``, ``practice``, ``serve``, ``store``,
``validate``) defines its commands with plain ``click.command`` and lists them in ``COMMANDS``; this module
adds them to the ``archqa`` group. The command modules never import this one, so imports run one way.
"""

from __future__ import annotations

import click

from archqa import __version__
from archqa.cli import export, generate, grade, interview, migrate, practice, serve, store, team, validate

COMMAND_MODULES = (export, generate, grade, interview, migrate, practice, serve, store, team, validate)
"""The modules whose ``COMMANDS`` make up the command line."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", help="Show the version and exit.")
def cli() -> None:
    """Generate, validate and practise software-architecture interview questions."""


for _module in COMMAND_MODULES:
    for _command in _module.COMMANDS:
        cli.add_command(_command)
