"""The real `archqa` entry point: exit statuses, output formats, bad input, help text."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from tests.conftest import run_cli


def test_validate_clean_document_exits_0(tmp_path: Path, good_text: str) -> None:
    f = tmp_path / "set.md"
    f.write_text(good_text)
    r = run_cli("validate", str(f))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "score 100.0/100" in r.stdout


def test_errors_exit_1_and_warnings_only_with_strict(tmp_path: Path, good_text: str) -> None:
    err = tmp_path / "err.md"
    err.write_text(good_text.replace("[Ref: A1]", "[Ref: A42]"))
    r = run_cli("validate", str(err))
    assert r.returncode == 1
    assert f"{err}:" in r.stdout and "[references.citation]" in r.stdout
    warn = tmp_path / "warn.md"
    warn.write_text(good_text.replace("<https://redis.io>", "[redis.io]"))
    assert run_cli("validate", str(warn)).returncode == 0
    assert run_cli("validate", "--strict", str(warn)).returncode == 1


def test_json_format(tmp_path: Path, good_text: str) -> None:
    f = tmp_path / "set.md"
    f.write_text(good_text.replace("[Ref: A1]", "[Ref: A42]"))
    r = run_cli("validate", "--format", "json", str(f))
    data = json.loads(r.stdout)
    assert data["schema"] == "archqa.validation/1"
    rep = data["reports"][0]
    assert rep["questions"] == 5
    assert any(x["rule"] == "references.citation" and x["line"] > 1 for x in rep["findings"])
    assert sum(c["weight"] for c in rep["categories"]) == 100


BAD_INPUTS = {
    "binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
    "latin1.md": ("# T\n\n### Q1: Caf\u00e9?\n".encode("latin-1"), "not valid UTF-8"),
    "empty.md": (b"", "empty"),
    "noquestions.md": (b"# Notes\n\nJust prose, no questions here.\n", "no questions"),
    "truncated.md": (b"# T\n\n### Q1: First?\n\n**Answer**: a\n\n```python\nx = 1\n", "never closed"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_a_clear_error_with_exit_2(tmp_path: Path, name: str) -> None:
    data, expected = BAD_INPUTS[name]
    f = tmp_path / name
    f.write_bytes(data)
    r = run_cli("validate", str(f))
    assert r.returncode == 2
    assert expected in r.stderr and str(f) in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_input_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "t.md"
    f.write_bytes(b"# T\n\n### Q1: First?\n\n**Answer**: a\n\n```python\nx = 1\n")
    assert f"{f}:7:" in run_cli("validate", str(f)).stderr
    g = tmp_path / "u.md"
    g.write_bytes(b"# T\n\nok\n\nbad \xff here\n")
    assert f"{g}:5:" in run_cli("validate", str(g)).stderr


def test_other_files_are_still_validated_when_one_is_bad(tmp_path: Path, good_text: str) -> None:
    good = tmp_path / "good.md"
    good.write_text(good_text)
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"")
    r = run_cli("validate", str(bad), str(good))
    assert r.returncode == 2
    assert "score 100.0/100" in r.stdout


def test_missing_file(tmp_path: Path) -> None:
    r = run_cli("validate", str(tmp_path / "nope.md"))
    assert r.returncode == 2 and "nope.md" in r.stderr


def test_every_command_and_option_has_help() -> None:
    from archqa.cli.app import cli

    missing = []

    def walk(cmd: click.Command, path: str) -> None:
        if not (cmd.help or cmd.short_help):
            missing.append(path)
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.help:
                missing.append(f"{path} {p.opts[0]}")
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}")

    walk(cli, "archqa")
    assert missing == []


def test_help_runs() -> None:
    r = run_cli("--help")
    assert r.returncode == 0 and "validate" in r.stdout
