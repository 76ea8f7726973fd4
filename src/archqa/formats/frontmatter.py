"""YAML front matter: found at the top of a file and read safely (no aliases, bounded size and nesting)."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

FRONT = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.S)
MAX_FRONT_MATTER = 64_000
"""Front matter longer than this is not read as metadata."""


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases ('*name'): a few bytes of nested aliases expand to gigabytes
    as soon as the values are turned into text, and front matter has no use for them."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not read in front matter", event.start_mark)
        return super().compose_node(parent, index)


@lru_cache(maxsize=16)
def load_front_matter(text: str) -> object:
    """The YAML of a front-matter block, read safely: no aliases, no tags beyond plain data, bounded size and
    nesting. yaml.YAMLError when it cannot be read that way. The last few are cached (detection and reading
    both look at a file's front matter); treat the result as read-only."""
    if len(text) > MAX_FRONT_MATTER:
        raise yaml.YAMLError(f"front matter over {MAX_FRONT_MATTER // 1000} KB")
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506  (a SafeLoader subclass)
    except (RecursionError, MemoryError):
        raise yaml.YAMLError("front matter nested too deeply") from None
