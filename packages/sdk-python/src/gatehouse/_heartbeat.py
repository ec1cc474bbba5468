"""The heartbeats a client sends while it is in use (docs/agents.md, Presence), for both clients.

The first beat comes one interval after the client's first call (so a script that makes a call or two
and exits never opens a session it cannot close), then one per interval while the client was used in
the last five minutes, then ``stopped`` and quiet until its next call. Closing the client, or the
interpreter exiting, says ``stopped`` when a session is open. Beats run on a daemon timer thread with
their own short-lived connection, so they need no event loop and never keep a process alive. They are
observation: a failed beat is dropped, and an answer that the key no longer works (401, 403, 404)
ends the session for good.
"""

from __future__ import annotations

import atexit
import json
import threading
import time
from collections.abc import Callable
from typing import Literal

import httpx

from ._common import Call, Config, request_headers

DEFAULT_HEARTBEAT_SECONDS = 30
#: A client unused this long stops beating (and says so); its next call starts again.
IDLE_AFTER_SECONDS = 5 * 60

State = Literal["running", "stopped"]
#: Schedules a function after some seconds; answers how to cancel it.
SetTimer = Callable[[Callable[[], None], float], Callable[[], None]]


def _thread_timer(fn: Callable[[], None], seconds: float) -> Callable[[], None]:
    timer = threading.Timer(seconds, fn)
    timer.daemon = True
    timer.start()
    return timer.cancel


class Heartbeats:
    """One client's heartbeat session (shared by the copies ``with_run`` and ``with_integration`` make)."""

    def __init__(
        self,
        config: Config,
        interval_seconds: int = DEFAULT_HEARTBEAT_SECONDS,
        *,
        send: Callable[[State], int | None] | None = None,
        set_timer: SetTimer = _thread_timer,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._interval = interval_seconds
        self._send_fn = send if send is not None else self._post
        self._set_timer = set_timer
        self._clock = clock
        self._lock = threading.Lock()
        self._last_use = 0.0
        self._cancel: Callable[[], None] | None = None
        #: A ``running`` beat was sent and no ``stopped`` since.
        self._open = False
        self._ended = False
        self._exit_hooked = False

    def use(self) -> None:
        """The client made a call: start the clock towards the next beat if it was not running."""
        with self._lock:
            self._last_use = self._clock()
            if self._cancel is None and not self._ended:
                self._cancel = self._set_timer(self._tick, self._interval)

    def stop(self) -> None:
        """Stops beating and tells the server the client is done (when a session was open)."""
        with self._lock:
            cancel, self._cancel = self._cancel, None
            send = self._open and not self._ended
            self._open = False
        if cancel is not None:
            cancel()
        if send:
            self._send("stopped")

    def _tick(self) -> None:
        with self._lock:
            self._cancel = None
            idle = self._clock() - self._last_use >= IDLE_AFTER_SECONDS
            if idle:
                send_stopped = self._open
                self._open = False
            if self._ended:
                return
        if idle:
            if send_stopped:
                self._send("stopped")
            return
        self._send("running")
        with self._lock:
            if self._ended:
                return
            self._open = True
            if not self._exit_hooked:
                self._exit_hooked = True
                atexit.register(self.stop)
            self._cancel = self._set_timer(self._tick, self._interval)

    def _send(self, state: State) -> None:
        try:
            status = self._send_fn(state)
        except Exception:  # observation: a lost beat is dropped
            return
        if status in (401, 403, 404):
            with self._lock:
                self._ended = True
                self._open = False

    def _post(self, state: State) -> int | None:
        body = {"intervalSeconds": self._interval, "state": state}
        call = Call("POST", "/v1/heartbeat", body)
        with httpx.Client(follow_redirects=False, timeout=min(self._config.timeout, 10.0)) as client:
            response = client.post(
                f"{self._config.base_url}/v1/heartbeat",
                content=json.dumps(body, separators=(",", ":")).encode(),
                headers=request_headers(self._config, call),
            )
            return response.status_code
