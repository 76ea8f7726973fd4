"""Every command in the README and docs/*.md runs as written, as a new user would run it.

The ```bash blocks of each Markdown file are read on a CommonMark parse (markdown-it-py) and their commands
run one line at a time, in order, with bash, in one temporary workspace per file: a fresh HOME (so a fresh
store at the default ``~/.local/share/archqa/archqa.db``), a fresh ``ARCHQA_CACHE_DIR``, no ``ARCHQA_*`` or
``OPENAI_*`` variables, 80 columns, standard input empty, and a working directory that looks like a clone
(``src/archqa/bank``) holding the user's own files the commands name (``notes/``, ``cv.md``, ...; see
:func:`workspace`). Each command must exit 0 unless the Markdown says otherwise. A ```console block holds
commands (``$ ...``) with the output they print; ``…`` in it matches any text, and a line of only ``…`` any
lines.

A block is annotated by HTML comments right before it (invisible on GitHub):

- ``<!-- readme-test: skip REASON -->``: none of its commands run; the reason is the skip message.
- ``<!-- readme-test: skip "TEXT" REASON -->``: commands containing TEXT do not run (several "TEXT"s: any).
- ``<!-- readme-test: exit N "TEXT" -->``: commands containing TEXT exit N.
- ``<!-- readme-test: in-ci "TEXT" -->``: commands containing TEXT are not run here but must be in ``.ci/run``
  exactly as written (the test command and the linters, which CI runs itself).

``pip install`` is never run (the package is already installed in the test's venv); it must install from a
clone (``.``, ``'.[llm]'``, ``-e '.[test]'``), since archqa is not on PyPI. ``export NAME=VALUE`` sets
NAME for the commands after it in the same file.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CI = ROOT / ".ci" / "run"
TIMEOUT = 900
"""Seconds a single command may take: `archqa grade --audit`, the slowest, takes minutes on two busy cores."""

_DIRECTIVE = re.compile(r"readme-test:\s*(skip|exit|in-ci)\b\s*(?:(\d+)\s*)?((?:\"[^\"]+\"\s*)*)(.*?)\s*(?=-->|$)")
_INSTALL = re.compile(r"\bpip3?\s+install\b")
_SETUP = re.compile(r"^(?:python3?\s+-m\s+venv\b|\.\s+\S*activate$|source\s+\S*activate$)")
_EXPORT = re.compile(r"^export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


@dataclass
class Command:
    """One command of a Markdown file: where it is, what to run, and what the Markdown says about it."""

    doc: Path
    line: int
    text: str
    run: str = ""
    """What is run: the command without its install and venv steps (empty: nothing to run)."""
    skip: str = ""
    exit_code: int = 0
    output: list[str] | None = None
    in_ci: bool = False
    installs: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        shown = re.sub(r"\s+#.*$", "", self.text).strip()
        return f"{self.doc.name}:{self.line}: {shown[:70]}"


def _directives(tokens: list, i: int) -> list[tuple[str, int | None, list[str], str]]:
    """The readme-test comments in the HTML blocks right before token ``i``: (kind, number, texts, reason)."""
    found = []
    j = i - 1
    while j >= 0 and tokens[j].type == "html_block":
        for m in _DIRECTIVE.finditer(tokens[j].content):
            texts = re.findall(r"\"([^\"]+)\"", m.group(3))
            found.append((m.group(1), int(m.group(2)) if m.group(2) else None, texts, m.group(4)))
        j -= 1
    return found


def _split_install(cmd: Command) -> None:
    """Take the venv and ``pip install`` steps out of a ``&&`` chain; what is left is run."""
    if not _INSTALL.search(cmd.text) and not _SETUP.match(cmd.text.strip()):
        cmd.run = cmd.text
        return
    keep = []
    for part in re.sub(r"\s+#.*$", "", cmd.text).split("&&"):
        part = part.strip()
        if _INSTALL.search(part):
            cmd.installs.append(part)
        elif not _SETUP.match(part):
            keep.append(part)
    cmd.run = " && ".join(keep)


def commands(doc: Path) -> list[Command]:
    """The commands of ``doc``'s bash and console blocks, in order, with their annotations."""
    tokens = MarkdownIt("commonmark").parse(doc.read_text(encoding="utf-8"))
    out: list[Command] = []
    for i, tok in enumerate(tokens):
        if tok.type != "fence" or tok.map is None:
            continue
        lang = tok.info.strip().split(" ")[0]
        if lang not in ("bash", "sh", "shell", "console"):
            continue
        start = tok.map[0] + 2  # the fence line is map[0] + 1; its first content line the next
        block: list[Command] = []
        if lang == "console":
            for n, line in enumerate(tok.content.splitlines()):
                if line.startswith("$ "):
                    block.append(Command(doc, start + n, line[2:], output=[]))
                elif block and block[-1].output is not None:
                    block[-1].output.append(line.rstrip())
        else:
            for n, line in enumerate(tok.content.splitlines()):
                if line.strip() and not line.lstrip().startswith("#"):
                    block.append(Command(doc, start + n, line.strip()))
        for cmd in block:
            _split_install(cmd)
            for kind, number, texts, reason in _directives(tokens, i):
                if texts and not any(t in cmd.text for t in texts):
                    continue
                if kind == "skip":
                    cmd.skip = reason or "marked skip"
                elif kind == "exit":
                    cmd.exit_code = number if number is not None else 0
                elif kind == "in-ci":
                    cmd.in_ci = True
        out.extend(block)
    return out


ALL = [c for doc in DOCS for c in commands(doc)]


# ----------------------------------------------------------------------------------------------------------
# The workspace a file's commands run in


def workspace(base: Path) -> tuple[Path, dict[str, str]]:
    """A working directory and environment for one Markdown file's commands: a fresh home, store and cache,
    the clone's bundled bank at ``src/archqa/bank``, and the user files the README's commands name."""
    home, work = base / "home", base / "work"
    work.mkdir(parents=True)
    home.mkdir()
    shutil.copytree(ROOT / "src" / "archqa" / "bank", work / "src" / "archqa" / "bank")
    cal = Path("src") / "archqa" / "practice" / "calibration"
    shutil.copytree(ROOT / cal, work / cal)
    dialects = FIXTURES / "dialects"
    (work / "notes").mkdir()
    for name in ("numbered.md", "details.md", "qa_headings.md", "list_cards.md"):
        shutil.copy(dialects / name, work / "notes" / name)
    (work / "interview-prep").mkdir()
    for name in ("cards.md", "front_matter.md", "qa_table.md"):
        shutil.copy(dialects / name, work / "interview-prep" / name)
    shutil.copy(dialects / "qa_markers.md", work / "old.txt")
    (home / "my-bank").mkdir()
    for name in ("data.md", "integration.md"):
        shutil.copy(ROOT / "src" / "archqa" / "bank" / name, home / "my-bank" / name)
    for name in ("cv.md", "my-answer.txt"):
        shutil.copy(FIXTURES / "readme" / name, work / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHQA_", "OPENAI_", "XDG_"))}
    for k in ("VISUAL", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"):
        env.pop(k, None)
    env.update(
        EDITOR="true",  # `practice --editor` opens it; `true` saves the template unchanged (an empty answer)
        HOME=str(home),
        ARCHQA_CACHE_DIR=str(base / "cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        COLUMNS="80",
        TERM="dumb",
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    return work, env


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str
    seconds: float = 0.0


class Session:
    """The commands of one Markdown file, run once, in order, in one workspace."""

    def __init__(self, doc: Path, base: Path) -> None:
        self.work, self.env = workspace(base)
        self.results: dict[int, Result] = {}
        self.commands = commands(doc)
        for cmd in self.commands:
            export = _EXPORT.match(cmd.run)
            if export:
                self.env[export.group(1)] = shlex.split(export.group(2))[0] if export.group(2) else ""
                continue
            if cmd.skip or cmd.in_ci or not cmd.run:
                continue
            self.results[cmd.line] = self.run(cmd.run)

    def run(self, command: str) -> Result:
        proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=self.work,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        start = time.monotonic()
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            return Result(-1, out, f"{err}\ntimed out after {TIMEOUT} s", TIMEOUT)
        return Result(proc.returncode, out, err, time.monotonic() - start)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, Session]]:
    class Lazy(dict[Path, Session]):
        """Each file's session, run the first time one of its commands is looked at."""

        def __missing__(self, doc: Path) -> Session:
            self[doc] = Session(doc, tmp_path_factory.mktemp(doc.stem))
            return self[doc]

    yield Lazy()


def output_matches(expected: list[str], actual: str) -> bool:
    """Whether ``actual`` is ``expected`` line by line, ``…`` matching any text and a lone ``…`` any lines."""
    lines = [line.rstrip() for line in actual.rstrip("\n").splitlines()]
    want = list(expected)
    while want and not want[-1]:
        want.pop()
    pattern = "".join(
        r"(?:.*\n)*?" if w.strip() == "…" else ".*".join(re.escape(p) for p in w.split("…")) + r"\n" for w in want
    )
    return re.fullmatch(pattern, "".join(f"{line}\n" for line in lines)) is not None


# ----------------------------------------------------------------------------------------------------------
# The tests


@pytest.mark.parametrize("cmd", ALL, ids=[c.id for c in ALL])
def test_command_runs_as_written(cmd: Command, sessions: dict[Path, Session]) -> None:
    for install in cmd.installs:
        args = shlex.split(install)[2:]
        targets = [a for a in args if not a.startswith("-")]
        assert targets and all(t == "." or t.startswith((".[", "./")) for t in targets), (
            f"{cmd.id}: {install!r} installs from PyPI, where archqa is not; install from a clone: "
            "pip install . (or '.[llm]')"
        )
    if cmd.in_ci:
        written = re.sub(r"\s+#.*$", "", cmd.text).strip()
        assert written in CI.read_text(encoding="utf-8"), f"{cmd.id}: .ci/run does not run {written!r} as written"
        pytest.skip(".ci/run runs it")
    if cmd.skip:
        pytest.skip(cmd.skip)
    if _EXPORT.match(cmd.run):
        return
    if not cmd.run:
        pytest.skip("installs archqa: not run (the test venv has it installed)")
    result = sessions[cmd.doc].results[cmd.line]
    where = f"{cmd.id}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    assert result.status == cmd.exit_code, f"exit {result.status}, the Markdown expects {cmd.exit_code}: {where}"
    if cmd.output is not None:
        assert output_matches(cmd.output, result.stdout), f"output differs from the Markdown's: {where}"


def test_every_doc_has_commands_and_markers_match() -> None:
    readme = [c for c in ALL if c.doc.name == "README.md"]
    assert len(readme) > 30
    for doc in DOCS:
        for tok in MarkdownIt("commonmark").parse(doc.read_text(encoding="utf-8")):
            if tok.type != "html_block" or tok.map is None:
                continue
            line = tok.map[0] + 1
            for m in re.finditer(r"readme-test:[^>]*", tok.content):
                assert _DIRECTIVE.search(m.group(0)), f"{doc.name}:{line}: unreadable marker {m.group(0)!r}"
                for quoted in re.findall(r"\"([^\"]+)\"", m.group(0)):
                    assert any(quoted in c.text for c in ALL if c.doc == doc and c.line > line), (
                        f"{doc.name}:{line}: marker names {quoted!r}, which no command after it contains"
                    )


def test_no_install_line_points_at_pypi() -> None:
    """Prose and inline code too: every `pip install` of archqa installs from a clone until there is a release."""
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in re.finditer(r"\bpip3?\s+install\b[^`\n]*", text):
            install = re.split(r"&&|\|\||[;|#]", m.group(0))[0]
            named = [a for a in shlex.split(install)[2:] if not a.startswith("-")]
            line = text[: m.start()].count("\n") + 1
            assert not any(re.match(r"archqa\b", a) for a in named), (
                f"{doc.name}:{line}: {m.group(0)!r} installs archqa from PyPI, where it is not; use pip install ."
            )


def test_ci_runs_the_readme_test_command() -> None:
    quick = [c for c in ALL if c.doc.name == "README.md" and c.run.endswith("pytest")]
    assert quick, "the README's Quick start shows no test command"
    assert all(c.text in CI.read_text(encoding="utf-8") for c in quick), "the .ci/run test command is not the README's"


def test_generated_docs_are_current() -> None:
    """docs/cli.md (every --help) and docs/schema.md (the migrated schema) are what cog writes today."""
    docs = [str(ROOT / "docs" / "cli.md"), str(ROOT / "docs" / "schema.md")]
    r = subprocess.run([sys.executable, "-m", "cogapp", "--check", *docs], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, f"{r.stdout}{r.stderr}\nrun: cog -r docs/cli.md docs/schema.md"


# ----------------------------------------------------------------------------------------------------------
# The test can fail


def test_a_failing_command_and_its_markers_are_read(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        '# x\n\n<!-- readme-test: skip "--model" "--base-url" needs a model server -->\n'
        '<!-- readme-test: exit 1 "false" -->\n'
        "```bash\narchqa --version      # a comment\narchqa generate --model m\nfalse\n"
        "pip install 'archqa[llm]'\n```\n\n```console\n$ echo a; echo b c\na\nb …\n```\n",
        encoding="utf-8",
    )
    cmds = commands(doc)
    assert [(c.line, c.run, c.skip, c.exit_code) for c in cmds] == [
        (6, "archqa --version      # a comment", "", 0),
        (7, "archqa generate --model m", "needs a model server", 0),
        (8, "false", "", 1),
        (9, "", "", 0),
        (13, "echo a; echo b c", "", 0),
    ]
    assert cmds[3].installs == ["pip install 'archqa[llm]'"]
    with pytest.raises(AssertionError, match="installs from PyPI"):
        test_command_runs_as_written(cmds[3], {})
    assert cmds[4].output == ["a", "b …"]
    assert output_matches(["a", "b …"], "a\nb c\n")
    assert not output_matches(["a", "b …"], "a\nc b\n")
    assert output_matches(["a", "…", "z"], "a\nb\nc\nz\n") and not output_matches(["a", "…", "z"], "a\nb\n")
