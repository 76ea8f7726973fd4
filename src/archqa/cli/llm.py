"""The model options of `archqa generate` (--backend, --model, --fill, --from-cv, --dry-run ...).

Kept apart from `cli/generate.py` so that command stays a thin adapter: this
module adds the options, turns them into :class:`archqa.llm.compose.ModelOptions`,
prints prompts for --dry-run, draws the progress bar and prints the summary.
Nothing heavy is imported until a model option is used.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from archqa.generate import GeneratedSet
    from archqa.generate.bank import Bank
    from archqa.llm.author import Outcome
    from archqa.llm.compose import ModelOptions
    from archqa.model import Blueprint

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = [
    click.option(
        "--backend",
        default=None,
        metavar="NAME",
        help="Write questions with this model backend ('openai': any OpenAI-compatible server). "
        "Giving --backend, --model or --fill turns the model on; the bank stays the default.",
    ),
    click.option(
        "--model", "model_name", default=None, metavar="NAME", help="Model name, e.g. gpt-4o-mini [env: ARCHQA_MODEL]."
    ),
    click.option(
        "--base-url",
        default=None,
        metavar="URL",
        help="OpenAI-compatible API base URL, e.g. http://localhost:11434/v1 for Ollama [env: ARCHQA_BASE_URL].",
    ),
    click.option(
        "--concurrency",
        type=click.IntRange(1, 64),
        default=None,
        help="Requests in flight at once [default: 4; lowered to the server's slots and context when it says "
        "them, as llama-server does].",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(0.1, 3600),
        default=None,
        metavar="SECONDS",
        help="Timeout of one model request; a timed-out request is retried once [default: 600].",
    ),
    click.option(
        "--max-tokens",
        type=click.IntRange(64, 65536),
        default=None,
        help="The longest reply, in tokens; a reply cut off there is reported, not repaired [default: 2048; "
        "a full question is 800-1,300].",
    ),
    click.option(
        "--response-format",
        type=click.Choice(["auto", "json_schema", "json_object"]),
        default=None,
        help="How structured output is asked for: json_schema (OpenAI, llama-server, vLLM, Ollama), json_object "
        "(llama-cpp-python's server) or auto: json_schema, then json_object if the server rejects it [default: auto].",
    ),
    click.option(
        "--max-repairs",
        type=click.IntRange(0, 10),
        default=None,
        help="Times an invalid question is sent back with the validator's findings [default: 2].",
    ),
    click.option(
        "--price-input",
        type=click.FloatRange(0),
        default=None,
        metavar="USD",
        help="Price per million prompt tokens, for the cost summary.",
    ),
    click.option(
        "--price-output",
        type=click.FloatRange(0),
        default=None,
        metavar="USD",
        help="Price per million completion tokens, for the cost summary.",
    ),
    click.option(
        "--fill",
        is_flag=True,
        help="Let the model write only the slots (topic x difficulty) the bank cannot fill, and topics it lacks.",
    ),
    click.option(
        "--from-cv",
        "from_cv",
        default=None,
        metavar="FILE",
        help="Ask about the quantified claims in this CV (text or Markdown). Offline, answers come from "
        "the most similar bank questions; with a model, the model writes them.",
    ),
    click.option(
        "--dry-run",
        is_flag=True,
        help="Print the prompts the model would get and exit, without calling it.",
    ),
]

KEYS = (
    "backend",
    "model_name",
    "base_url",
    "concurrency",
    "timeout",
    "max_tokens",
    "response_format",
    "max_repairs",
    "price_input",
    "price_output",
)


def model_options(func: F) -> F:
    """Add the model options to a click command; they arrive as keyword arguments."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def pop_model_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Remove and return the model options from a command's keyword arguments."""
    return {k: kwargs.pop(k) for k in (*KEYS, "fill", "from_cv", "dry_run") if k in kwargs}


class ProgressBar:
    """A click progress bar on standard error, opened on the first finished slot."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __call__(self, done: int, total: int, outcome: Outcome) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="archqa: writing questions", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _uses_model(opts: dict[str, Any]) -> bool:
    return bool(opts.get("backend") or opts.get("model_name") or opts.get("fill"))


def prepare(opts: dict[str, Any], bp: Blueprint, bank: str | None) -> tuple[ModelOptions | None, ProgressBar | None]:
    """The ModelOptions the flags ask for (None: bank only). For --dry-run, print the prompts and exit 0."""
    from archqa.errors import ConfigError

    if not _uses_model(opts):
        if opts.get("dry_run"):
            raise ConfigError("--dry-run shows what a model would be asked; add --backend or --model")
        return None, None
    from archqa.llm.compose import ModelOptions
    from archqa.llm.config import resolve_config

    flags = {k: opts.get(k) for k in KEYS}
    flags["model"] = flags.pop("model_name")
    config = resolve_config(flags)
    if opts.get("dry_run"):
        _dry_run(config, bp, bank, opts)
        sys.exit(0)
    bar = ProgressBar()
    options = ModelOptions.from_config(config, fill=bool(opts.get("fill")), progress=bar, notice=_notice)
    return options, bar


def _notice(text: str) -> None:
    from archqa.cli.common import echo

    echo(f"archqa: {text}", err=True)


def _dry_run(config: Any, bp: Blueprint, bank_path: str | None, opts: dict[str, Any]) -> None:
    from archqa.errors import ConfigError
    from archqa.generate.bank import load_bank
    from archqa.llm.compose import plan
    from archqa.llm.prompt import question_schema

    if not config.model:
        raise ConfigError("no model: pass --model NAME or set ARCHQA_MODEL (the prompts name the model)")
    bank: Bank = load_bank(bank_path)
    p = plan(bank, bp, model=True, fill=bool(opts.get("fill")), cv=opts.get("from_cv"))
    out = ["# archqa generate --dry-run: nothing is sent", ""]
    out += [f"- {line}" for line in config.describe()]
    out += [f"- requests: {len(p.jobs)} (one per slot, plus up to {config.max_repairs} repairs each)"]
    if p.bank_entries:
        out.append(f"- from the bank: {len(p.bank_entries)} questions")
    form = {
        "auto": "json_schema 'question' (strict); json_object with the schema if the server rejects it",
        "json_schema": "json_schema 'question' (strict)",
        "json_object": "json_object with the schema (llama-cpp-python's form)",
    }[config.response_format]
    out += ["", f"## response_format: {form}", "", json.dumps(question_schema()), ""]
    for i, job in enumerate(p.jobs, 1):
        out += [
            f"## Request {i}: {job.slot.label()}",
            f"model: {config.model}, seed: {bp.seed}, max_tokens: {config.max_tokens}",
            "",
        ]
        for m in job.messages:
            out += [f"### {m['role']}", m["content"], ""]
    click.echo("\n".join(out))


def report(result: GeneratedSet) -> bool:
    """Print what the model did (stderr); True when a slot has no question."""
    a = result.authoring
    if a is None:
        return False
    for m in a.cv_matches:
        click.echo(f"archqa: {m.describe()}", err=True)
    if a.cv_matches:
        from archqa.llm.cv import match_summary

        click.echo(f"archqa: {match_summary(a.cv_matches)}", err=True)
    for o in a.failures:
        click.echo(f"archqa: not written: {o.describe()}", err=True)
    if a.stats is not None:
        click.echo(f"archqa: {a.stats.summary()}", err=True)
    return bool(a.failures) or any(s.got < s.need for s in result.shortfalls)
