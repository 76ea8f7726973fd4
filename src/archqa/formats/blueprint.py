"""The one-line blueprint notation (``count 26 | mix 20/40/40 | topics a:3, b | seed 1``), read and written."""

from __future__ import annotations

import re

from archqa.model import Blueprint


def parse_blueprint(text: str) -> Blueprint:
    """Parse ``count 26 | mix 20/40/40 | topics a:3, b | focus x | languages y | type case-study | seed 1``."""
    bp: dict[str, object] = {}
    for part in text.split("|"):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition(" ")
        key = key.lower()
        value = value.strip()
        if key == "count":
            bp["count"] = int(value)
        elif key == "mix":
            nums = [int(x) for x in re.findall(r"\d+", value)]
            if len(nums) == 3:
                bp["mix"] = tuple(nums)
        elif key == "topics":
            topics: dict[str, int | None] = {}
            for item in value.split(","):
                name, _, quota = item.strip().partition(":")
                if name.strip():
                    topics[name.strip()] = int(quota) if quota.strip() else None
            bp["topics"] = topics
        elif key in ("focus", "languages"):
            bp[key] = [x.strip() for x in value.split(",") if x.strip()]
        elif key == "type":
            bp["type"] = value
        elif key == "seed":
            bp["seed"] = int(value)
    return Blueprint.model_validate(bp)


def format_blueprint(bp: Blueprint) -> str:
    parts = [f"count {bp.count}", "mix " + "/".join(str(x) for x in bp.mix)]
    if bp.topics:
        parts.append("topics " + ", ".join(k if v is None else f"{k}:{v}" for k, v in bp.topics.items()))
    if bp.focus:
        parts.append("focus " + ", ".join(bp.focus))
    if bp.languages:
        parts.append("languages " + ", ".join(bp.languages))
    if bp.type:
        parts.append(f"type {bp.type}")
    parts.append(f"seed {bp.seed}")
    return " | ".join(parts)
