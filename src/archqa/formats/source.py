"""Turn a file's bytes into text, or a clear InputError naming file and line."""

from __future__ import annotations

from pathlib import Path

from archqa.errors import InputError


def decode(data: bytes, path: str) -> str:
    """Decode UTF-8 text; reject empty, binary and non-UTF-8 input with file and line."""
    if not data.strip():
        raise InputError(path, None, "the file is empty", "give a Markdown document with at least one question")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(path, line, "this is a binary file (NUL byte), not Markdown", "pass a .md or .txt document")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            path,
            line,
            f"byte 0x{data[exc.start]:02x} at column {col} is not valid UTF-8",
            "re-save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: str | Path) -> str:
    """Read and decode a regular file (size-capped), turning OS errors into InputError."""
    from archqa.limits import read_document_bytes

    return decode(read_document_bytes(path), str(path))
