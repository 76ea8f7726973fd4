"""A real HTTP server on loopback that speaks OpenAI's chat-completions protocol, with scripted replies.

``POST /v1/chat/completions`` answers with what the script says: a message
(valid, invalid or malformed content, cut off with ``finish_reason: length``),
an HTTP error with headers and the server's own message (429 + Retry-After,
500 "Context size has been exceeded."), or a delay longer than the client's
timeout; a client that hangs up during a delay is noticed (``disconnects``).
It can play llama-cpp-python's server (``json_object_only``: a ``json_schema``
response_format gets that server's 500) and expose ``GET /v1/models``,
``/props`` and ``/slots`` as llama-server does. Every request body and its
headers are recorded so tests can count calls and look at what was sent.
Loopback only, port 0: no network.
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer."""

    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: tuple[int, int] = (120, 80)
    raw: bytes | None = None
    """A body sent as it is (with ``content_type``) instead of the JSON reply: a proxy's HTML page, garbage."""
    content_type: str = "application/json"
    finish_reason: str = "stop"
    message: str | None = None
    """The error message of a non-200 reply (default 'scripted STATUS')."""


Script = Callable[[dict[str, Any], int], Reply]
"""(request body, 1-based request number) -> reply."""


@dataclass
class Received:
    body: dict[str, Any]
    headers: dict[str, str]
    at: float


JSON_OBJECT_ONLY = 'response_format type must be one of "text" or "json_object", but got: json_schema'
"""What llama-cpp-python's server answers (HTTP 500) to OpenAI's json_schema form."""


class ChatServer:
    """Start with ``with ChatServer(script) as srv:``; ``srv.url`` is the base URL (ends in /v1)."""

    def __init__(
        self,
        script: Script,
        *,
        json_object_only: bool = False,
        models: list[str] | None = None,
        props: dict[str, Any] | None = None,
        slots: list[dict[str, Any]] | None = None,
    ) -> None:
        self.script = script
        self.received: list[Received] = []
        self.gets: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.disconnects = 0
        self.json_object_only = json_object_only
        self.models = models
        self.props = props
        self.slots = slots
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stalls

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.rstrip("/")
                with server._lock:
                    server.gets.append(path)
                found: Any = {
                    "/v1/models": None
                    if server.models is None
                    else {"object": "list", "data": [{"id": m, "object": "model"} for m in server.models]},
                    "/props": server.props,
                    "/slots": server.slots,
                }.get(path)
                if found is None:
                    self._send(404, {"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}})
                else:
                    self._send_raw(200, json.dumps(found).encode(), "application/json")

            def _wait(self, seconds: float) -> bool:
                """Sleep ``seconds``; False as soon as the client hangs up (as llama-server cancels the task)."""
                end = time.monotonic() + seconds
                while (left := end - time.monotonic()) > 0:
                    readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
                    if readable:
                        try:
                            data = self.connection.recv(1, socket.MSG_PEEK)
                        except OSError:
                            data = b""
                        if not data:
                            with server._lock:
                                server.disconnects += 1
                            return False
                        time.sleep(min(left, 0.05))
                return True

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.received.append(Received(body, dict(self.headers.items()), time.monotonic()))
                    n = len(server.received)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                form = (body.get("response_format") or {}).get("type")
                if server.json_object_only and form not in (None, "text", "json_object"):
                    self._send(500, {"error": {"code": 500, "message": JSON_OBJECT_ONLY, "type": "server_error"}})
                    return
                reply = server.script(body, n)
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    if reply.delay and not self._wait(reply.delay):
                        return
                finally:
                    with server._lock:
                        server.in_flight -= 1
                if reply.raw is not None:
                    self._send_raw(reply.status, reply.raw, reply.content_type, reply.headers)
                    return
                if reply.status != 200:
                    message = reply.message or f"scripted {reply.status}"
                    err = {"error": {"message": message, "type": "server_error", "code": reply.status}}
                    self._send(reply.status, err, reply.headers)
                    return
                payload = {
                    "id": f"chatcmpl-{n}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", ""),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.content},
                            "finish_reason": reply.finish_reason,
                        }
                    ],
                    "usage": {
                        "prompt_tokens": reply.usage[0],
                        "completion_tokens": reply.usage[1],
                        "total_tokens": sum(reply.usage),
                    },
                }
                self._send(200, payload, reply.headers)

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                self._send_raw(status, json.dumps(payload).encode(), "application/json", headers)

            def _send_raw(
                self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def calls(self) -> int:
        return len(self.received)

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------
# Replies a test can script


SUBJECTS = [
    "ledger",
    "tenant",
    "courier",
    "webhook",
    "snapshot",
    "canary",
    "quorum",
    "lease",
    "shard",
    "embedding",
    "invoice",
    "gateway",
    "outbox",
    "replica",
    "throttle",
    "catalogue",
]
CONCERNS = ["zone outages", "duplicate deliveries", "schema drift", "hot partitions", "slow consumers", "noisy tenants"]


def _user(body: dict[str, Any]) -> str:
    return str(next(m["content"] for m in body["messages"] if m["role"] == "user"))


def allowed_ids(body: dict[str, Any]) -> list[str]:
    """The bibliography ids the prompt allows (from the first user message)."""
    return re.findall(r"^(A\d+)\. ", _user(body), re.M)


def draft(body: dict[str, Any], n: int, **override: Any) -> dict[str, Any]:
    """A question that passes the validator, citing the first allowed work; distinct per ``n``."""
    ids = allowed_ids(body) or ["A1"]
    subject, concern = SUBJECTS[n % len(SUBJECTS)], CONCERNS[n % len(CONCERNS)]
    answer = (
        f"For a {subject} service I start from {concern}, because the failure modes shape the design more than "
        "the happy path does. The core mechanism is an idempotency key stored with each write, so a retried "
        f"request is recognised and answered from the stored result instead of being applied twice [Ref: {ids[0]}]. "
        "I would assume a few hundred requests per second and size for twice that at peak.\n\n"
        "The trade-off is extra state to store and expire, which costs memory and an operational runbook. "
        "A simpler alternative is to accept duplicates and reconcile later, which wins when volumes are low "
        "and the business tolerates a short delay. I would measure the duplicate rate and the added latency "
        "before and after the change, and bound every wait on a dependency with a timeout so a slow partner "
        "cannot exhaust the thread pool. Finally I would write the decision down with its context so that a "
        "later team can revisit it when the load or the guarantees change."
    )
    level = re.search(r"\b(Intermediate|Advanced) (?:interview question|level)", _user(body))
    if level:  # the validator's length for the difficulty asked for: 180-350 and 250-450 words
        answer += (
            "\n\nOwnership matters as much as the mechanism: one team owns the contract and publishes what it "
            "guarantees, and consumers depend only on that, never on what they observed once."
        )
    if level and level.group(1) == "Advanced":
        answer += (
            "\n\nAt larger scale the stored keys become a dependency of their own, so they need replication, "
            "backups and an expiry that outlives the longest retry window a client may use. A partition between "
            "the service and that store forces a choice between refusing the request and risking a repeat; I "
            "would refuse with a clear, retryable error rather than accept work I cannot deduplicate. Rolling it "
            "out, I would shadow the new path first, compare its decisions with the old path for a full business "
            "cycle, and only then move the traffic, keeping the old path ready for a fast rollback."
        )
    d: dict[str, Any] = {
        "title": f"How would you keep a {subject} service correct under {concern} (case {n})?",
        "type": "Design",
        "tags": ["reliability", subject],
        "key_insight": f"A {subject} stays correct under {concern} when writes are idempotent and waits are bounded.",
        "answer": answer,
        "key_points": [
            "Stores an idempotency key with each write",
            "Bounds every wait with a timeout",
            "Names the cost of the extra state",
        ],
        "code": [
            {"language": "python", "code": "def seen_before(key: str, seen: set[str]) -> bool:\n    return key in seen"}
        ],
        "diagram": "graph LR\n    A[Client] --> B[Service]",
        "metrics": [{"metric": "Duplicate rate", "formula": "duplicates / requests", "target": "< 0.1% (assumed)"}],
        "tradeoffs": [
            {"approach": "Dedup table", "pros": "Exact", "cons": "Storage", "use_when": "Money moves"},
            {"approach": "Reconcile later", "pros": "Simple", "cons": "Delayed", "use_when": "Low stakes"},
        ],
    }
    d.update(override)
    return d


def valid(body: dict[str, Any], n: int) -> Reply:
    return Reply(json.dumps(draft(body, n)))
