"""The bank's tag vocabulary (``archqa/bank/tags.toml``): every tag a bundled question may carry, and its meaning."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from archqa.errors import InputError


def vocabulary_path() -> Path:
    """Where the bundled vocabulary lives."""
    return Path(str(resources.files("archqa") / "bank" / "tags.toml"))


def load_vocabulary(path: str | Path | None = None) -> dict[str, dict[str, str]]:
    """Groups of tags: ``{group: {tag: meaning}}``, in file order. Raises InputError on a bad file."""
    p = Path(path) if path is not None else vocabulary_path()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(str(p), None, f"cannot read the tag vocabulary ({exc})", "fix the TOML file") from None
    out: dict[str, dict[str, str]] = {}
    for group, tags in data.items():
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            raise InputError(str(p), None, f"group [{group}] must map tags to their meaning", 'write tag = "meaning"')
        out[group] = dict(tags)
    return out


def vocabulary(path: str | Path | None = None) -> frozenset[str]:
    """Every tag the vocabulary defines."""
    return frozenset(t for tags in load_vocabulary(path).values() for t in tags)
