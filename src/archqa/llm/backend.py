"""The backend interface (one method, ``complete``) and the registry backends add themselves to.

A backend turns a :class:`CompletionRequest` (chat messages, model, an optional
JSON schema for structured output, seed, temperature, timeout) into a
:class:`CompletionResponse` (the text and the token usage). The built-in
``openai`` backend registers itself exactly as a third-party one would, with
:func:`register_backend`, from ``archqa.llm.builtin`` (which the package's
``__init__`` imports, so this module never imports its built-ins); plugins register
through the ``archqa.backends`` entry-point group, loaded on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from archqa.errors import ConfigError

Message = Mapping[str, str]
"""A chat message: ``{"role": "system" | "user" | "assistant", "content": "..."}``."""


@dataclass(frozen=True)
class CompletionRequest:
    """What a backend is asked: messages, model, structured-output schema and sampling settings."""

    messages: tuple[Message, ...]
    model: str
    schema: Mapping[str, Any] | None = None
    schema_name: str = "question"
    seed: int | None = None
    temperature: float = 0.2
    timeout: float = 60.0
    max_tokens: int | None = None
    """The most tokens the reply may have (sent as ``max_tokens``); None sends no limit."""


@dataclass
class Usage:
    """Tokens a completion used, as the server reports them (0 when it does not)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class CompletionResponse:
    """A backend's answer: the message text, usage, and how it was obtained."""

    content: str
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    attempts: int = 1
    """HTTP requests made for this completion (1 + retries); 0 when served from the cache."""
    cached: bool = False
    finish_reason: str = ""
    """Why the model stopped, as the server says: 'stop', 'length' (cut at ``max_tokens`` or the context)..."""

    @property
    def cut_off(self) -> bool:
        """True when the reply was cut at the token limit: not a whole answer, never cached or repaired."""
        return self.finish_reason == "length"


class Backend(Protocol):
    """A model that completes chat messages. Implement ``complete`` and register a factory."""

    def complete(self, request: CompletionRequest) -> CompletionResponse: ...


BackendFactory = Callable[..., Backend]
"""Builds a backend from keyword configuration (base_url, api_key, timeout, retries, ...)."""

_BACKENDS: dict[str, BackendFactory] = {}
_LOADED = False


def register_backend(name: str, factory: BackendFactory) -> BackendFactory:
    """Register a backend factory under ``name`` (what ``--backend NAME`` selects)."""
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"backend name {name!r}: use letters, digits, '-' or '_'")
    _BACKENDS[name] = factory
    return factory


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from importlib.metadata import entry_points

    for ep in entry_points(group="archqa.backends"):
        if ep.name not in _BACKENDS:
            try:
                register_backend(ep.name, ep.load())
            except Exception:  # a broken plugin must not break the built-in backends
                continue


def backends() -> dict[str, BackendFactory]:
    """Every registered backend by name (built-in ones and plugins)."""
    _load()
    return dict(_BACKENDS)


def get_backend(name: str, **config: Any) -> Backend:
    """Build the backend registered as ``name`` with ``config``; ConfigError for an unknown name."""
    factories = backends()
    factory = factories.get(name)
    if factory is None:
        raise ConfigError(
            f"--backend {name!r} is not a known backend; choose from: {', '.join(sorted(factories))} "
            "(or install a plugin that registers it)"
        )
    return factory(**config)
