"""The sync client's waits: the async waits (``_async_waits.py``) on a private event loop in a daemon
thread, shared by every thread's ``gate()``, so any number of threads gating on one client hold one
long-poll, not one each, and a gate joining while a request is in flight re-issues it at once."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any

import httpx

from ._async_http import AsyncHttp
from ._async_waits import AsyncWaits
from ._common import Config
from ._http import Http
from .errors import GatehouseError


class SyncWaits:
    def __init__(self, config: Config, wait_http_client: httpx.AsyncClient | None) -> None:
        self._config = config
        self._client = wait_http_client
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._waits: AsyncWaits | None = None
        self._http: AsyncHttp | None = None
        self._closed = False

    def wait(self, approval_id: str, deadline: float) -> dict[str, Any]:
        if self._closed:
            raise GatehouseError("The client was closed", code="CLIENT_CLOSED")
        loop, waits = self._started()
        future: Future[dict[str, Any]] = asyncio.run_coroutine_threadsafe(waits.wait(approval_id, deadline), loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # a KeyboardInterrupt in the caller's thread takes its wait out of the set
            raise

    def _started(self) -> tuple[asyncio.AbstractEventLoop, AsyncWaits]:
        with self._lock:
            if self._loop is None or self._waits is None:
                loop = asyncio.new_event_loop()
                self._http = AsyncHttp(self._config, self._client)
                self._waits = AsyncWaits(self._http)
                self._thread = threading.Thread(target=loop.run_forever, name="gatehouse-waits", daemon=True)
                self._thread.start()
                self._loop = loop
            return self._loop, self._waits

    def close(self) -> None:
        """Ends the waits under way (``CLIENT_CLOSED``, in whichever thread waits), closes their
        connection and stops their thread."""
        with self._lock:
            self._closed = True
            loop, thread, http, waits = self._loop, self._thread, self._http, self._waits
            self._loop = self._thread = self._waits = self._http = None
        if loop is None or thread is None:
            return

        async def shut() -> None:
            if waits is not None:
                waits.close()
            await asyncio.sleep(0)  # the waiting callers take their error before the connection goes
            if http is not None:
                await http.aclose()

        try:
            asyncio.run_coroutine_threadsafe(shut(), loop).result(timeout=5)
        except Exception:  # closing is best effort: the thread stops either way
            pass
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if not thread.is_alive():
            loop.close()


def sync_waits_for(http: Http, wait_http_client: httpx.AsyncClient | None) -> SyncWaits:
    return SyncWaits(http.config, wait_http_client)
