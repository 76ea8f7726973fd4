"""An on-disk cache of completions: the same request to the same server makes no new call.

The key is what was sent (server, model, messages, schema, seed, temperature,
``max_tokens``), and an entry is written only when the caller says the reply
was good (:meth:`CachedBackend.keep`: the question passed the validator). A
local server is not deterministic (one run loops to the token limit, the next
ends in 400 tokens, with the same seed), so a failed, cut-off or invalid reply
is never replayed: the next run asks again.

Entries live as small JSON files under ``<cache_dir>/llm/`` (see
:func:`archqa.generate.bank.cache_dir`). An entry holds the reply text, the
model name and the token usage, nothing else: no API key, no base URL, no
request headers. Writes go to a temporary file that is then renamed, so
concurrent workers never see half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from archqa.llm.backend import Backend, CompletionRequest, CompletionResponse, Usage

CACHE_FORMAT = 2


def request_key(request: CompletionRequest, server: str = "") -> str:
    """A hash of what was sent and where: server, model, messages, schema, seed, temperature, max_tokens."""
    payload = {
        "format": CACHE_FORMAT,
        "server": server,
        "model": request.model,
        "messages": [dict(m) for m in request.messages],
        "schema": request.schema,
        "seed": request.seed,
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "schema_name": request.schema_name,
    }
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()


def llm_cache_dir() -> Path:
    """Where completions are cached: ``<archqa cache dir>/llm``."""
    from archqa.generate.bank import cache_dir

    return cache_dir() / "llm"


class CachedBackend:
    """Wraps a backend: answers from the cache when it can; stores a reply only when told it was kept."""

    def __init__(self, backend: Backend, directory: Path | None = None, server: str = "") -> None:
        self.backend = backend
        self.directory = directory or llm_cache_dir()
        self.server = server
        """Where requests go (a redacted base URL): part of the key, never stored in an entry."""

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, request: CompletionRequest) -> CompletionResponse | None:
        path = self._path(request_key(request, self.server))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            usage = Usage(**data["usage"])
            return CompletionResponse(
                content=data["content"], usage=usage, model=data["model"], attempts=0, cached=True
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, request: CompletionRequest, response: CompletionResponse) -> None:
        path = self._path(request_key(request, self.server))
        data = {
            "model": response.model or request.model,
            "content": response.content,
            "usage": {
                "prompt_tokens": response.usage.prompt_tokens,
                "completion_tokens": response.usage.completion_tokens,
            },
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs a repeated call

    def complete(self, request: CompletionRequest) -> CompletionResponse:
        hit = self.get(request)
        if hit is not None:
            return hit
        return self.backend.complete(request)

    def keep(self, request: CompletionRequest, response: CompletionResponse) -> None:
        """Store ``response`` for ``request``: call it for a reply that was validated and kept. A cut-off or
        empty reply is never stored."""
        if response.cached or not response.content or response.cut_off:
            return
        self.put(request, response)

    def close(self) -> None:
        """Close the wrapped backend's connections."""
        close = getattr(self.backend, "close", None)
        if close is not None:
            close()

    def server_info(self, timeout: float = 5.0) -> Any:
        """The wrapped backend's :meth:`server_info`, or None when it has none."""
        info = getattr(self.backend, "server_info", None)
        return info(timeout) if info is not None else None
