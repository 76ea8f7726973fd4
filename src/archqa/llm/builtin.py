"""Registers the built-in backends, the same way a plugin would. Imported once, by ``archqa/llm/__init__.py``."""

from __future__ import annotations

from typing import Any

from archqa.llm.backend import Backend, register_backend


def _openai(**config: Any) -> Backend:
    from archqa.llm.openai_backend import OpenAIBackend

    return OpenAIBackend(**config)


register_backend("openai", _openai)
