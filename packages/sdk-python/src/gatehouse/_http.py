# Generated from _async_http.py by tools/unasync.py. Do not edit: edit _async_http.py and run it.
"""One API call over httpx: per-attempt timeout, retries with backoff and ``Retry-After``, typed errors.
The sync twin, ``_http.py``, is generated from this file (tools/unasync.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from ._common import MAX_BODY, MAX_ERROR_BODY, Attempt, Call, Config, build_request, failed_response, succeeded, too_large, transport_failed
from ._retry import backoff_delay


class Http:
    """The transport of one client: its options and its httpx client (its own, or the one given)."""

    def __init__(self, config: Config, client: httpx.Client | None) -> None:
        self.config = config
        self.client = client if client is not None else httpx.Client(follow_redirects=False)
        self.owns_client = client is None
        #: Told of each call the client makes (its heartbeats, docs/agents.md); none for a bare transport.
        self.on_use: Callable[[], None] | None = None

    def with_key(self, api_key: str) -> Http:
        """The same connection pool with another key (a delegate's); closing it leaves the pool open."""
        child = Http(self.config.with_key(api_key), self.client)
        child.owns_client = False
        return child

    def close(self) -> None:
        if self.owns_client:
            self.client.close()

    def request(self, call: Call) -> Any:
        """Makes the call, retrying network errors, timeouts, 408, 429 and 5xx up to ``max_retries``
        times (every retry sends the same body and headers, so the same idempotency key), and answers
        the parsed JSON body; raises the typed error otherwise."""
        if self.on_use is not None:
            self.on_use()
        retry = 0
        while True:
            attempt = self.attempt(call)
            if attempt.ok:
                return attempt.value
            if not attempt.retry or retry >= self.config.max_retries:
                raise attempt.failure()
            time.sleep(attempt.retry_after if attempt.retry_after is not None else backoff_delay(retry, self.config.random))
            retry += 1

    def attempt(self, call: Call) -> Attempt:
        """One attempt of the call, without retrying: the caller decides what a failure means. The
        answer is read as it streams, within the attempt's timeout as a whole (a body trickling in
        byte by byte times out) and up to ``MAX_BODY`` bytes (``MAX_ERROR_BODY`` of an error)."""
        seconds = call.timeout if call.timeout is not None else self.config.timeout
        deadline = time.monotonic() + seconds
        request = build_request(self.client, self.config, call)
        try:
            response = self.client.send(request, stream=True)
            try:
                limit = MAX_BODY if response.is_success else MAX_ERROR_BODY
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the answer took longer than the timeout", request=request)
                    if len(body) > limit:
                        if response.is_success:
                            return too_large(response)
                        break
            finally:
                response.close()
        except httpx.TransportError as error:
            return transport_failed(self.config, call, error)
        text = body.decode("utf-8", "replace")
        if response.is_success:
            return succeeded(response, text, as_text=call.accept.startswith("text/"))
        return failed_response(self.config, response, text)

    def open_stream(self, call: Call, read_timeout: float) -> httpx.Response:
        """Opens a streamed answer (an export, the event stream), retried like any call until its
        headers arrive, never once its body has started. ``read_timeout`` bounds each silence of the
        body. The caller closes the response."""
        retry = 0
        while True:
            attempt, response = self.open_once(call, read_timeout)
            if response is not None:
                return response
            if not attempt.retry or retry >= self.config.max_retries:
                raise attempt.failure()
            time.sleep(attempt.retry_after if attempt.retry_after is not None else backoff_delay(retry, self.config.random))
            retry += 1

    def open_once(self, call: Call, read_timeout: float) -> tuple[Attempt, httpx.Response | None]:
        timeout = httpx.Timeout(self.config.timeout, read=read_timeout)
        request = build_request(self.client, self.config, call, timeout)
        try:
            response = self.client.send(request, stream=True)
        except httpx.TransportError as error:
            return transport_failed(self.config, call, error), None
        if response.is_success:
            return Attempt(ok=True), response
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_ERROR_BODY:
                    break
        except httpx.TransportError as error:
            return transport_failed(self.config, call, error), None
        finally:
            response.close()
        return failed_response(self.config, response, body.decode("utf-8", "replace")), None
