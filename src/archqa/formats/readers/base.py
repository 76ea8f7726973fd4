"""What every reader shares: the parsed file it reads, the questions it finds, and the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from archqa.formats.blocks import Block, parse_blocks


@dataclass
class RawQuestion:
    """A question as a dialect found it: title, category, its body blocks and where it starts."""

    title: str
    line: int
    number: int | None = None
    category: str = ""
    blocks: list[Block] = field(default_factory=list)
    answer_md: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    end: int = 0
    """0-based line after the last line the reader took for this question, when it took lines that are not in
    ``blocks`` (an answer paragraph merged into ``answer_md``, a closing ``</details>``); 0 when it did not."""


@dataclass
class SourceText:
    """A decoded file and its parse, as the readers see it."""

    path: str
    text: str
    lines: list[str]
    blocks: list[Block]

    @classmethod
    def parse(cls, text: str, path: str) -> SourceText:
        lines, blocks = parse_blocks(text)
        return cls(path, text, lines, blocks)


@dataclass(frozen=True)
class Reader:
    """A registered dialect reader."""

    name: str
    summary: str
    detect: Callable[[SourceText], float]
    read: Callable[[SourceText], list[RawQuestion]]
    max_confidence: float = 1.0


_READERS: dict[str, Reader] = {}


def register_reader(
    name: str,
    summary: str,
    detect: Callable[[SourceText], float],
    read: Callable[[SourceText], list[RawQuestion]],
    max_confidence: float = 1.0,
) -> None:
    """Register a dialect reader. The built-in readers register this way too.

    ``max_confidence`` is the most ``detect`` ever returns: detection skips a reader that could at best tie
    with one already found (ties go to the reader registered first).
    """
    _READERS[name] = Reader(name, summary, detect, read, max_confidence)


def registered() -> dict[str, Reader]:
    """The registry itself (name -> reader); ``archqa.formats.readers.readers()`` adds the built-in ones."""
    return _READERS
