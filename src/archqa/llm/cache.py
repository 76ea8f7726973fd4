"""An on-disk cache of completions: the same model, messages, schema, seed and temperature make no new call.

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

from archqa.llm.backend import Backend, CompletionRequest, CompletionResponse, Usage

CACHE_FORMAT = 1


def request_key(request: CompletionRequest) -> str:
    """A hash of what decides the reply: model, messages, schema, seed and temperature."""
    payload = {
        "format": CACHE_FORMAT,
        "model": request.model,
        "messages": [dict(m) for m in request.messages],
        "schema": request.schema,
        "seed": request.seed,
        "temperature": request.temperature,
    }
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()


def llm_cache_dir() -> Path:
    """Where completions are cached: ``<archqa cache dir>/llm``."""
    from archqa.generate.bank import cache_dir

    return cache_dir() / "llm"


class CachedBackend:
    """Wraps a backend: answers from the cache when it can, stores what the backend returns."""

    def __init__(self, backend: Backend, directory: Path | None = None) -> None:
        self.backend = backend
        self.directory = directory or llm_cache_dir()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, request: CompletionRequest) -> CompletionResponse | None:
        path = self._path(request_key(request))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            usage = Usage(**data["usage"])
            return CompletionResponse(
                content=data["content"], usage=usage, model=data["model"], attempts=0, cached=True
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, request: CompletionRequest, response: CompletionResponse) -> None:
        path = self._path(request_key(request))
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
        response = self.backend.complete(request)
        if response.content:
            self.put(request, response)
        return response
