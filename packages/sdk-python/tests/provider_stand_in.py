"""A loopback stand-in for a model provider's HTTP API (OpenAI's or Anthropic's wire format): it records
every request's path and raw body bytes, and answers what the test scripts — a JSON body, or server-sent
events (each an optional ``event:`` name and its JSON ``data:``, a blank line after; ``[DONE]`` to close a
chat stream)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw or b"{}")

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8")


@dataclass
class Reply:
    json: Any = None
    status: int = 200
    events: list[tuple[str | None, Any]] | None = None
    done: bool = False


@dataclass
class StandIn:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    answer: Callable[[Received], Reply] = lambda _request: Reply(json={"error": {"message": "no answer scripted"}}, status=500)


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
            length = int(self.headers.get("content-length") or 0)
            request = Received(self.path, self.rfile.read(length))
            state.received.append(request)
            reply = state.answer(request)
            if reply.events is None:
                body = json.dumps(reply.json).encode()
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            chunks = [f"{'' if name is None else f'event: {name}' + chr(10)}data: {json.dumps(data)}\n\n" for name, data in reply.events]
            if reply.done:
                chunks.append("data: [DONE]\n\n")
            body = "".join(chunks).encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def stand_in(prefix: str = "") -> Iterator[StandIn]:
    """Starts a stand-in on a free loopback port (its ``url`` ends with ``prefix``, e.g. ``/v1``), yields it, stops it."""
    state = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
