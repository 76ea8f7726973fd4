"""One article per file with YAML front matter (title/question, tags)."""

from __future__ import annotations

import yaml

from archqa.formats.frontmatter import FRONT, load_front_matter
from archqa.formats.readers.base import RawQuestion, SourceText
from archqa.formats.readers.common import heading_text


def detect(src: SourceText) -> float:
    m = FRONT.match(src.text)
    if not m:
        return 0.0
    try:
        meta = load_front_matter(m.group(1))
    except yaml.YAMLError:
        return 0.0
    return 0.95 if isinstance(meta, dict) and ("title" in meta or "question" in meta) else 0.0


def read(src: SourceText) -> list[RawQuestion]:
    m = FRONT.match(src.text)
    assert m is not None
    try:
        meta = load_front_matter(m.group(1))
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):  # forced with --dialect on a file whose front matter is not a mapping
        meta = {}
    body_start = src.text.count("\n", 0, m.end())
    title = str(meta.get("question") or meta.get("title") or "").strip()
    blocks = [b for b in src.blocks if b.start >= body_start]
    if blocks and blocks[0].kind == "heading" and heading_text(blocks[0]).strip().lower() == title.lower():
        blocks = blocks[1:]
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    rq = RawQuestion(title=title, line=1, category=str(meta.get("category") or meta.get("topic") or ""), blocks=blocks)
    rq.meta = {k: str(v) for k, v in meta.items() if isinstance(v, str | int | float)}
    rq.meta["tags"] = ",".join(str(t) for t in tags)
    return [rq]
