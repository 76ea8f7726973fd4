"""The ``openai`` backend: any server that speaks OpenAI's chat-completions protocol.

OpenAI itself, Ollama, vLLM, llama.cpp's server, LM Studio... differ only in the
base URL. The SDK's own retries are switched off; this module retries 429, 5xx
and timeouts itself, with exponential backoff that honours ``Retry-After``, so
the behaviour is the same on every SDK version and can be tested.

The API key is handed to the SDK and nothing else: it is never part of an
error message, a log line or a cache entry.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from archqa.errors import BackendError
from archqa.llm.backend import CompletionRequest, CompletionResponse, Usage
from archqa.llm.config import redact_url, url_secrets

log = logging.getLogger("archqa.llm")

INSTALL_HINT = "install the SDK with: pip install 'archqa[llm]'"
MAX_DELAY = 60.0


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date) or ``retry-after-ms``."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class OpenAIBackend:
    """Chat completions through the ``openai`` SDK, with our own retries and backoff."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        **_ignored: Any,
    ) -> None:
        try:
            import openai
        except ImportError:
            raise BackendError(
                f"the openai backend needs the openai package, which is not installed; {INSTALL_HINT}"
            ) from None
        self._openai = openai
        if not api_key:
            if base_url is None:
                raise BackendError(
                    "no API key for OpenAI: set ARCHQA_API_KEY (or OPENAI_API_KEY), "
                    "or pass --base-url for a local server that needs none"
                )
            api_key = "no-key"  # local servers (Ollama, llama.cpp) ignore it, but the SDK wants one
        self._secrets = [x for x in (api_key, *url_secrets(base_url)) if x and len(x) >= 3]
        self.base_url = base_url
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)

    def _where(self) -> str:
        """The server, for messages: never the credentials written into the URL."""
        return redact_url(self.base_url) if self.base_url else "the OpenAI API"

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _delay(self, attempt: int, headers: Any = None) -> float:
        told = _retry_after(headers)
        if told is not None:
            return min(told, MAX_DELAY)
        return min(self.backoff * 2**attempt * (1 + random.random() * 0.25), MAX_DELAY)

    def complete(self, request: CompletionRequest) -> CompletionResponse:
        """One completion; retries 429, 5xx and timeouts up to ``retries`` times."""
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": [dict(m) for m in request.messages],
            "temperature": request.temperature,
            "timeout": request.timeout,
        }
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": dict(request.schema), "strict": True},
            }
        oa = self._openai
        attempt = 0
        while True:
            attempt += 1
            try:
                reply = self._client.chat.completions.create(**kwargs)
            except oa.APITimeoutError:
                problem, headers = f"timed out after {request.timeout:g} s", None
            except (oa.AuthenticationError, oa.PermissionDeniedError) as exc:
                raise BackendError(
                    f"{self._where()} rejected the API key (HTTP {exc.status_code}); "
                    "set a valid key in ARCHQA_API_KEY or OPENAI_API_KEY"
                ) from None
            except oa.NotFoundError:
                raise BackendError(
                    f"{self._where()} answered 404 for model {request.model!r}; "
                    "check --model (or ARCHQA_MODEL) and --base-url (it usually ends in /v1)"
                ) from None
            except oa.RateLimitError as exc:
                problem, headers = "rate limited (HTTP 429)", exc.response.headers
            except oa.InternalServerError as exc:
                problem, headers = f"server error (HTTP {exc.status_code})", exc.response.headers
            except oa.APIConnectionError:
                raise BackendError(
                    f"cannot connect to {self._where()}; check --base-url (or ARCHQA_BASE_URL) and that the server runs"
                ) from None
            except oa.APIStatusError as exc:
                detail = self._scrub(str(getattr(exc, "message", "")))[:300]
                raise BackendError(
                    f"{self._where()} refused the request (HTTP {exc.status_code}): {detail}", fatal=False
                ) from None
            except (ValueError, TypeError, KeyError, AttributeError, oa.APIResponseValidationError) as exc:
                raise self._not_chat(f"{type(exc).__name__}: {self._scrub(str(exc))[:200]}") from None
            else:
                return self._response(reply, attempt)
            if attempt > self.retries:
                raise BackendError(
                    f"{self._where()}: {problem}, still failing after {attempt} attempts; "
                    "try again later, lower --concurrency or raise --timeout",
                    fatal=False,
                )
            delay = self._delay(attempt - 1, headers)
            log.info("model request %s; retry %d in %.2f s", problem, attempt, delay)
            self.sleep(delay)

    def _not_chat(self, what: str) -> BackendError:
        return BackendError(
            f"{self._where()} answered, but not with a chat completion ({what}); check --base-url (or"
            " ARCHQA_BASE_URL): it should be the server's OpenAI-compatible API, usually ending in /v1"
        )

    def _response(self, reply: Any, attempts: int) -> CompletionResponse:
        if isinstance(reply, str | bytes) or not hasattr(reply, "choices"):
            body = reply[:80] if isinstance(reply, str | bytes) else type(reply).__name__
            raise self._not_chat(f"the body starts {self._scrub(str(body))!r}")
        choices = getattr(reply, "choices", None) or []
        content = ""
        try:
            if choices:
                message = choices[0].message
                content = message.content or ""
                refusal = getattr(message, "refusal", None)
                if not content and refusal:
                    content = f"(refused: {refusal})"
            usage = Usage()
            u = getattr(reply, "usage", None)
            if u is not None:
                usage = Usage(
                    prompt_tokens=int(u.prompt_tokens or 0), completion_tokens=int(u.completion_tokens or 0)
                )
        except (AttributeError, TypeError, ValueError, IndexError) as exc:
            raise self._not_chat(f"{type(exc).__name__} reading its reply") from None
        if not isinstance(content, str):
            raise self._not_chat("the message content is not text")
        return CompletionResponse(
            content=content, usage=usage, model=getattr(reply, "model", "") or "", attempts=attempts
        )
