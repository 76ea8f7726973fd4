"""The ``openai`` backend: any server that speaks OpenAI's chat-completions protocol.

OpenAI itself, Ollama, vLLM, llama.cpp's server, llama-cpp-python's server, LM
Studio... differ in the base URL and in how they take structured output: the
``json_schema`` form (OpenAI's) or llama-cpp-python's ``{"type": "json_object",
"schema": ...}``. With ``response_format = "auto"`` the first is tried and the
second used for the rest of the run when the server rejects the first.

The SDK's own retries are switched off; this module retries what can pass by
itself: 429 and 5xx (backoff that honours ``Retry-After``) and a timeout (once).
A request the server judges invalid or too large (a 4xx, or a 5xx whose message
says so, e.g. llama-server's "Context size has been exceeded") is not retried:
the error carries the server's own message and names the flag that fixes it.

The API key is handed to the SDK and nothing else: it is never part of an
error message, a log line or a cache entry.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from archqa.errors import BackendError
from archqa.llm.backend import CompletionRequest, CompletionResponse, Usage
from archqa.llm.config import redact_url, url_secrets

if TYPE_CHECKING:
    from archqa.llm.server import ServerInfo

log = logging.getLogger("archqa.llm")

INSTALL_HINT = "install the SDK with: pip install 'archqa[llm]'"
MAX_DELAY = 60.0
TIMEOUT_RETRIES = 1
"""A timed-out request is sent once more, never more: a reply that took too long will take too long again."""

_CONTEXT = re.compile(
    r"context (?:size|length|window)|n_ctx|exceed_context|maximum context|context_length_exceeded|"
    r"too (?:many|large|long)|kv cache",
    re.I,
)
_INVALID = re.compile(
    r"invalid|not supported|unsupported|validation|must be|\bexpected\b|unrecognized|not allowed|"
    r"response_format|json_schema|json_object|grammar|schema",
    re.I,
)
_FORMAT = re.compile(r"response_format|json_schema|json_object|grammar|schema", re.I)


def server_message(exc: Any) -> str:
    """The server's own words in an error reply: ``{"error": {"message": ...}}``, ``{"detail": ...}`` or text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("detail") or body.get("detail")
        else:
            msg = err
        if msg:
            return " ".join(str(msg).split())
        if body.get("detail"):
            return " ".join(str(body["detail"]).split())
    if isinstance(body, str) and body.strip():
        return " ".join(body.split())
    response = getattr(exc, "response", None)
    try:
        text = response.text if response is not None else ""
    except Exception:  # a streamed or closed body
        text = ""
    return " ".join(str(text).split()) or str(getattr(exc, "message", "") or "")


def context_fix(where: str) -> str:
    """What to do when a request does not fit the server's context."""
    return (
        "raise the server's context per slot (llama-server: a larger -c, or fewer slots with -np 1, e.g. "
        f"'llama-server -c 16384 -np 1'; Ollama: num_ctx) for {where}, or lower --max-tokens or --max-repairs"
    )


class _Rejected(Exception):
    """A request the server refused for what it is (not retried): the error to raise, and why."""

    def __init__(self, error: BackendError, *, context: bool, about_format: bool, attempts: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.context = context
        self.about_format = about_format
        self.attempts = attempts


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
        timeout: float = 600.0,
        retries: int = 4,
        backoff: float = 1.0,
        response_format: str = "auto",
        sleep: Callable[[float], None] = time.sleep,
        **_ignored: Any,
    ) -> None:
        try:
            import openai
        except ImportError:
            raise BackendError(
                f"the openai backend needs the openai package, which is not installed; {INSTALL_HINT}"
            ) from None
        if response_format not in ("auto", "json_schema", "json_object"):
            raise BackendError(
                f"response_format {response_format!r}: use auto, json_schema or json_object ([llm] response_format)"
            )
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
        self.api_key = api_key
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.response_format = response_format
        self.format_used: str | None = None if response_format == "auto" else response_format
        """The structured-output form in use: configured, or learned by the first reply in ``auto`` mode."""
        self._lock = threading.Lock()
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

    def close(self) -> None:
        """Close the HTTP connections (a running request's connection too, so the server cancels its task)."""
        try:
            self._client.close()
        except Exception:  # closing is best effort, as at interpreter exit
            pass

    @staticmethod
    def _format(request: CompletionRequest, form: str) -> dict[str, Any]:
        assert request.schema is not None
        if form == "json_object":
            return {"type": "json_object", "schema": dict(request.schema)}
        return {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": dict(request.schema), "strict": True},
        }

    def complete(self, request: CompletionRequest) -> CompletionResponse:
        """One completion. Retries 429 and 5xx up to ``retries`` times and a timeout once; a request the server
        refuses for what it is raises at once, with the server's message."""
        if request.schema is None:
            return self._send(request, None, 0)
        with self._lock:
            form = self.format_used or "json_schema"
        try:
            response = self._send(request, form, 0)
        except _Rejected as rejected:
            learned = self.format_used is not None
            fallback = self.response_format == "auto" and not learned and not rejected.context
            if not fallback:
                raise rejected.error from None
            log.info("%s rejected response_format json_schema; trying json_object", self._where())
            try:
                response = self._send(request, "json_object", rejected.attempts)
            except _Rejected as again:
                raise BackendError(
                    f"{rejected.error} (json_object was refused too: {again.error})",
                    fatal=again.error.fatal,
                    attempts=again.attempts,
                ) from None
            form = "json_object"
        with self._lock:
            self.format_used = form
        return response

    def _send(self, request: CompletionRequest, form: str | None, before: int) -> CompletionResponse:
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": [dict(m) for m in request.messages],
            "temperature": request.temperature,
            "timeout": request.timeout,
        }
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.max_tokens is not None:
            kwargs["max_tokens"] = request.max_tokens
        if form is not None:
            kwargs["response_format"] = self._format(request, form)
        oa = self._openai
        attempt = before
        timeouts = 0
        failures = 0
        while True:
            attempt += 1
            try:
                reply = self._client.chat.completions.create(**kwargs)
            except oa.APITimeoutError:
                timeouts += 1
                if timeouts > TIMEOUT_RETRIES:
                    raise BackendError(
                        f"{self._where()} did not answer within {request.timeout:g} s, {timeouts} times; raise "
                        "--timeout (a CPU server may need 600 s or more for one question), lower --max-tokens, "
                        "or lower --concurrency so each request gets the server to itself",
                        fatal=False,
                        attempts=attempt,
                    ) from None
                problem, headers = f"timed out after {request.timeout:g} s", None
            except (oa.AuthenticationError, oa.PermissionDeniedError) as exc:
                raise BackendError(
                    f"{self._where()} rejected the API key (HTTP {exc.status_code}); "
                    "set a valid key in ARCHQA_API_KEY or OPENAI_API_KEY",
                    attempts=attempt,
                ) from None
            except oa.NotFoundError:
                raise BackendError(
                    f"{self._where()} answered 404 for model {request.model!r}; "
                    "check --model (or ARCHQA_MODEL) and --base-url (it usually ends in /v1)",
                    attempts=attempt,
                ) from None
            except oa.RateLimitError as exc:
                failures += 1
                problem, headers = "rate limited (HTTP 429)", exc.response.headers
                if failures > self.retries:
                    raise BackendError(
                        f"{self._where()}: {problem}, still after {attempt} attempts; lower --concurrency, "
                        "or try again later",
                        fatal=False,
                        attempts=attempt,
                    ) from None
            except oa.InternalServerError as exc:
                said = self._scrub(server_message(exc))[:300]
                if _CONTEXT.search(said) or _INVALID.search(said):
                    raise self._rejected(exc.status_code, said, request, attempt) from None
                failures += 1
                problem = f"server error (HTTP {exc.status_code}: {said or 'no message'})"
                headers = exc.response.headers
                if failures > self.retries:
                    raise BackendError(
                        f"{self._where()}: {problem}, still after {attempt} attempts; see the server's log, lower "
                        "--concurrency, or try again later",
                        fatal=False,
                        attempts=attempt,
                    ) from None
            except oa.APIConnectionError:
                raise BackendError(
                    f"cannot connect to {self._where()}; check --base-url (or ARCHQA_BASE_URL) and that the server "
                    "runs",
                    attempts=attempt,
                ) from None
            except oa.APIStatusError as exc:
                said = self._scrub(server_message(exc))[:300]
                raise self._rejected(exc.status_code, said, request, attempt) from None
            except (ValueError, TypeError, KeyError, AttributeError, oa.APIResponseValidationError) as exc:
                raise self._not_chat(f"{type(exc).__name__}: {self._scrub(str(exc))[:200]}") from None
            else:
                return self._response(reply, attempt)
            delay = self._delay(attempt - 1 - before, headers)
            log.info("model request %s; retry %d in %.2f s", problem, attempt - before, delay)
            self.sleep(delay)

    def _rejected(self, status: int, said: str, request: CompletionRequest, attempt: int) -> _Rejected:
        """A request refused for what it is: the fix for a context overflow first, else the server's words."""
        context = bool(_CONTEXT.search(said))
        if context:
            fix = context_fix(self._where())
        elif _FORMAT.search(said):
            fix = (
                "set response_format in the [llm] table of the config file: json_object for llama-cpp-python's "
                "server, json_schema for OpenAI, llama-server, vLLM and Ollama"
            )
        else:
            fix = "check --model and the server's log"
        message = f"{self._where()} refused the request (HTTP {status}: {said or 'no message'}); {fix}"
        return _Rejected(
            BackendError(message, fatal=False, attempts=attempt),
            context=context,
            about_format=bool(_FORMAT.search(said)),
            attempts=attempt,
        )

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
        finish = ""
        try:
            if choices:
                message = choices[0].message
                content = message.content or ""
                finish = str(getattr(choices[0], "finish_reason", "") or "")
                refusal = getattr(message, "refusal", None)
                if not content and refusal:
                    content = f"(refused: {refusal})"
            usage = Usage()
            u = getattr(reply, "usage", None)
            if u is not None:
                usage = Usage(prompt_tokens=int(u.prompt_tokens or 0), completion_tokens=int(u.completion_tokens or 0))
        except (AttributeError, TypeError, ValueError, IndexError) as exc:
            raise self._not_chat(f"{type(exc).__name__} reading its reply") from None
        if not isinstance(content, str):
            raise self._not_chat("the message content is not text")
        return CompletionResponse(
            content=content,
            usage=usage,
            model=getattr(reply, "model", "") or "",
            attempts=attempts,
            finish_reason=finish,
        )

    def server_info(self, timeout: float = 5.0) -> ServerInfo:
        """What the server says about itself (models, slots, context per slot); see :mod:`archqa.llm.server`."""
        from archqa.llm.server import probe

        return probe(self.base_url, self.api_key, timeout=timeout, scrub=self._scrub)
