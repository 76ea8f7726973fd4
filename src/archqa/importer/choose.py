"""Import stage 3: choose the reader for a parsed file (the forced one, or the most confident)."""

from __future__ import annotations

from archqa.errors import ArchqaError, InputError
from archqa.formats.readers import Reader, SourceText, detect, readers


def choose_reader(src: SourceText, dialect: str | None = None) -> Reader:
    """The reader ``--dialect`` names, or the one most confident about the file.

    ArchqaError for an unknown dialect; InputError when no reader recognises anything.
    """
    if dialect:
        reader = readers().get(dialect)
        if reader is None:
            raise ArchqaError(f"--dialect {dialect!r} is unknown; choose from {', '.join(readers())}")
        return reader
    reader, conf = detect(src)
    if conf <= 0:
        raise InputError(
            src.path,
            None,
            "no recognizable questions",
            "questions need headings, Q:/A: markers or <details> blocks; see `archqa import --help`",
        )
    return reader
