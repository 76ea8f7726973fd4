"""What a local server says about itself, and a run fitted to it.

llama.cpp's ``llama-server`` answers ``GET /props`` (``total_slots``, and the
context of one slot in ``default_generation_settings.n_ctx``) and ``GET /slots``
(one entry per slot, each with its ``n_ctx``); every OpenAI-compatible server
answers ``GET /v1/models``. :func:`probe` reads what is there (a server that
has none of them is fine), and :func:`fit` lowers the concurrency to the
server's slots and to what its context holds, and says why, and warns when
``--model`` names a model the server does not list (a server with one model
answers with it whatever the name, and the set's provenance would carry the
typo).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CHARS_PER_TOKEN = 3.0
"""A conservative estimate for prompts in English with JSON (real tokenizers give 3.5 to 4.5)."""


@dataclass
class ServerInfo:
    """What the server exposed; None where it did not say."""

    models: list[str] | None = None
    slots: int | None = None
    n_ctx: int | None = None
    """Tokens one slot's context holds."""
    sources: list[str] = field(default_factory=list)
    """The endpoints that answered ('/v1/models', '/props', '/slots')."""


def _root(base_url: str) -> str:
    url = base_url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def _get(url: str, headers: dict[str, str], timeout: float) -> Any:
    """The JSON at ``url``, or None (no such endpoint, not JSON, slow, refused: not knowing is fine)."""
    import urllib.request

    if not url.startswith(("http://", "https://")):
        return None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as r:  # noqa: S310
            if r.status != 200:
                return None
            return json.loads(r.read(4_000_000))
    except (OSError, ValueError):
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def probe(
    base_url: str | None, api_key: str | None = None, *, timeout: float = 5.0, scrub: Callable[[str], str] = str
) -> ServerInfo:
    """Read ``/v1/models``, ``/props`` and ``/slots`` where the server has them (nothing for the OpenAI API)."""
    info = ServerInfo()
    if not base_url:
        return info
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    models = _get(base_url.rstrip("/") + "/models", headers, timeout)
    if isinstance(models, dict) and isinstance(models.get("data"), list):
        info.models = [scrub(str(m["id"])) for m in models["data"] if isinstance(m, dict) and m.get("id")]
        info.sources.append("/v1/models")
    root = _root(base_url)
    props = _get(root + "/props", headers, timeout)
    if isinstance(props, dict) and ("total_slots" in props or "default_generation_settings" in props):
        info.sources.append("/props")
        info.slots = _int(props.get("total_slots"))
        settings = props.get("default_generation_settings")
        if isinstance(settings, dict):
            info.n_ctx = _int(settings.get("n_ctx"))
    slots = _get(root + "/slots", headers, timeout)
    if isinstance(slots, list) and slots and all(isinstance(x, dict) for x in slots):
        info.sources.append("/slots")
        info.slots = info.slots or len(slots)
        ctx = [c for c in (_int(x.get("n_ctx")) for x in slots) if c]
        if ctx and info.n_ctx is None:
            info.n_ctx = min(ctx)
    return info


@dataclass
class Fit:
    """The concurrency to use and what to tell the user about the server."""

    concurrency: int
    notes: list[str] = field(default_factory=list)


def estimate_tokens(text: str) -> int:
    """Roughly how many tokens ``text`` is, on the high side."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


def fit(info: ServerInfo, *, where: str, model: str, concurrency: int, max_tokens: int, prompt_tokens: int) -> Fit:
    """Fit the run to the server: at most one request per slot, and no more in flight than its context holds."""
    out = Fit(concurrency=concurrency)
    if info.models is not None and model not in info.models:
        listed = ", ".join(repr(m) for m in info.models[:5]) or "none"
        hint = f" (e.g. --model {info.models[0]})" if info.models else ""
        out.notes.append(
            f"warning: --model {model!r} is not among the models {where} lists ({listed}); a server with one model "
            f"answers with it whatever the name, and the set's provenance would name {model!r}: check --model{hint}"
        )
    need = prompt_tokens + max_tokens
    if info.slots is not None and out.concurrency > info.slots:
        out.notes.append(
            f"concurrency {out.concurrency} lowered to {info.slots}: the server has {info.slots} slot"
            f"{'s' if info.slots != 1 else ''} (llama-server -np); more requests would only wait or share its context"
        )
        out.concurrency = info.slots
    if info.n_ctx is not None:
        if need > info.n_ctx:
            out.notes.append(
                f"warning: a slot of the server holds {info.n_ctx} tokens, but one request needs about {need} "
                f"(a prompt of ~{prompt_tokens} + --max-tokens {max_tokens}; repairs more): start the server with a "
                f"larger context, e.g. 'llama-server -c {_round_up(need * 2 * max(1, info.slots or 1))} "
                f"-np {max(1, info.slots or 1)}', or lower --max-tokens"
            )
        elif out.concurrency > 1 and out.concurrency * need > info.n_ctx:
            # A shared (unified) KV cache holds n_ctx tokens for all slots together: llama-server's default.
            fits = max(1, info.n_ctx // need)
            if fits < out.concurrency:
                out.notes.append(
                    f"concurrency {out.concurrency} lowered to {fits}: {out.concurrency} requests of about {need} "
                    f"tokens do not fit the server's context of {info.n_ctx} tokens together"
                )
                out.concurrency = fits
    return out


def _round_up(n: int) -> int:
    size = 4096
    while size < n:
        size *= 2
    return size
