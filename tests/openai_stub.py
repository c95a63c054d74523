"""A real, scripted OpenAI-compatible HTTP server for tests (127.0.0.1, a free port).

Each test queues the replies it wants, in order; the server pops one per request and records
every request it got. Use it through the ``openai_stub`` fixture::

    from openai_stub import Reply, openai_stub_fixture  # noqa: F401  (the fixture)

    def test_x(openai_stub):
        openai_stub.reply("Hello [1].")                    # a 200 completion, streamed or not
        openai_stub.reply(Reply(status=429), "ok")         # rate-limited once, then fine
        openai_stub.reply(Reply(delay=5))                   # hangs 5 s (released at teardown)
        openai_stub.reply(Reply(text="a b", stall_after=2, delay=5))  # hangs mid-stream
        openai_stub.reply(Reply(raw="{not json"))          # malformed body
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

STUB_MODEL = "stub-model"


@dataclass
class Reply:
    """One scripted reply. ``chunks`` are the streamed deltas (default: ``text`` in pieces)."""

    text: str = ""
    status: int = 200
    chunks: list[str] | None = None
    raw: str | None = None  # sent as the body (or as one SSE data line) instead of valid JSON
    delay: float = 0.0  # seconds before anything is sent: a hung server
    stall_after: int | None = None  # stream: send this many chunks, then hang for ``delay``
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""  # the error message for status >= 400

    def deltas(self) -> list[str]:
        if self.chunks is not None:
            return self.chunks
        return re.findall(r"\S+\s*|\s+", self.text)


@dataclass
class Request:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def prompt(self) -> str:
        """Every message's content, joined: what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


class OpenAIStub:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL to give an OpenAI client (ends in /v1)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def reply(self, *replies: Reply | str) -> None:
        """Queue replies; a plain string is a 200 completion with that text."""
        with self._lock:
            self._replies.extend(Reply(text=r) if isinstance(r, str) else r for r in replies)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._replies)

    def start(self) -> OpenAIStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # wake hung handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next(self) -> Reply | None:
        with self._lock:
            return self._replies.popleft() if self._replies else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection; a stream ends at close

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_unparsed": raw.decode("utf-8", "replace")}
                stub.requests.append(
                    Request(self.path, body, dict(self.headers.items()), time.monotonic())
                )
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send_error(404, f"stub: no route {self.path}")
                    return
                reply = stub._next()
                if reply is None:
                    self._send_error(418, "stub: no reply scripted for this request")
                    return
                if reply.delay and reply.stall_after is None and stub._released.wait(reply.delay):
                    return
                # The client may have given up already (a timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(reply, bool(body.get("stream")), str(body.get("model", "")))

            def _send(self, reply: Reply, stream: bool, model: str) -> None:
                if reply.status >= 400:
                    self._send_error(reply.status, reply.error or f"stub error {reply.status}",
                                     reply.headers)
                    return
                if stream:
                    self._send_stream(reply, model)
                    return
                payload = reply.raw if reply.raw is not None else json.dumps(
                    _completion(reply.text, model)
                )
                self._send_body(reply.status, payload, "application/json", reply.headers)

            def _send_stream(self, reply: Reply, model: str) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", "text/event-stream")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                events = (
                    [reply.raw]
                    if reply.raw is not None
                    else [json.dumps(c) for c in _chunks(reply.deltas(), model)]
                )
                for i, data in enumerate([*events, "[DONE]"]):
                    if i == reply.stall_after and stub._released.wait(reply.delay):
                        return
                    self.wfile.write(f"data: {data}\n\n".encode())
                    self.wfile.flush()

            def _send_error(
                self, status: int, message: str, headers: dict[str, str] | None = None
            ) -> None:
                body = json.dumps(
                    {"error": {"message": message, "type": "stub_error", "code": status}}
                )
                self._send_body(status, body, "application/json", headers or {})

            def _send_body(
                self, status: int, body: str, content_type: str, headers: dict[str, str]
            ) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": model or STUB_MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
    }


def _chunks(deltas: list[str], model: str) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-stub",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model or STUB_MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    yield chunk({"role": "assistant", "content": ""}, None)
    for d in deltas:
        yield chunk({"content": d}, None)
    yield chunk({}, "stop")


@pytest.fixture(name="openai_stub")
def openai_stub_fixture() -> Iterator[OpenAIStub]:
    """A running stub server; stopped (and hung replies released) after the test."""
    stub = OpenAIStub().start()
    try:
        yield stub
    finally:
        stub.stop()
