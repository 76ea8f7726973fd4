"""Write new questions with a model: backends, configuration, the validated writing loop, CV claims.

The bundled bank stays the default; a model extends it for slots, topics, domains
or CV claims the bank does not cover, and every question it writes passes the
validator before it is kept. See the README, "Write new questions with a model".
"""

from archqa.llm import builtin as _builtin  # noqa: F401  (registers the built-in backends)
from archqa.llm.backend import (
    Backend,
    BackendFactory,
    CompletionRequest,
    CompletionResponse,
    Usage,
    backends,
    get_backend,
    register_backend,
)
from archqa.llm.config import LLMConfig, resolve_config

__all__ = [
    "Backend",
    "BackendFactory",
    "CompletionRequest",
    "CompletionResponse",
    "LLMConfig",
    "Usage",
    "backends",
    "get_backend",
    "register_backend",
    "resolve_config",
]
