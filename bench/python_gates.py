"""The Python side of bench/python-gates.ts: gates of one ``AsyncGatehouse``, driven over stdin and stdout.

Run by the driver with ``PYTHONPATH=packages/sdk-python/src`` and the client's key and URL in
``GATEHOUSE_API_KEY`` / ``GATEHOUSE_BASE_URL``, as the quickstart does. Prints ``{"ready": ...}``, then
for each ``{"gates": n}`` line on stdin starts n ``gate("deploy.production")`` calls at once on the one
client and prints ``{"approvals": [...]}`` once every call has its approval (the gates then wait), and
``{"resolvedAt": {id: ms}, "outcome": {id: status}, "waitRequests": k}`` once every call has returned:
when each returned, on the wall clock (``time.time()``, the clock the deciding process stamps the
commit with), and how many ``POST /v1/approvals/wait`` requests the client sent meanwhile.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import platform
import sys
import time
from typing import Any

import httpx

from gatehouse import AsyncGatehouse, GatehouseError
from gatehouse.models import ActionResult

CALLS = itertools.count()


def emit(value: object) -> None:
    print(json.dumps(value), flush=True)


class WaitCounter:
    """An httpx request hook counting the client's long-polls."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, request: httpx.Request) -> None:
        if request.url.path == "/v1/approvals/wait":
            self.count += 1


async def fan_out(gh: AsyncGatehouse, count: int, waits: WaitCounter) -> None:
    approvals: list[str] = []
    failures: list[str] = []
    requested = asyncio.Event()
    resolved_at: dict[str, float] = {}
    outcome: dict[str, str] = {}

    async def one(i: int) -> None:
        approval_id = ""

        def on_requested(result: ActionResult) -> None:
            nonlocal approval_id
            approval_id = str(result.get("approvalId"))
            approvals.append(approval_id)
            if len(approvals) == count:
                requested.set()

        status: str
        try:
            # "call" differs across rounds too: the same gate again and again is a loop (docs/loops.md).
            status = (await gh.gate("deploy.production", metadata={"i": i, "call": next(CALLS)}, on_requested=on_requested))["status"]
        except GatehouseError as error:
            status = f"error: {error.code or error}"
        at = round(time.time() * 1000, 2)
        if not approval_id:  # failed before it had an approval: the round cannot go on
            failures.append(status)
            requested.set()
            return
        resolved_at[approval_id] = at
        outcome[approval_id] = status

    waits.count = 0
    gates = [asyncio.create_task(one(i)) for i in range(count)]
    await requested.wait()
    if failures:
        for gate in gates:
            gate.cancel()
        raise RuntimeError(f"{len(failures)} gates failed before their approval: {failures[0]}")
    emit({"approvals": approvals})
    await asyncio.gather(*gates)
    emit({"resolvedAt": resolved_at, "outcome": outcome, "waitRequests": waits.count})


async def main() -> None:
    waits = WaitCounter()
    async with httpx.AsyncClient(event_hooks={"request": [waits]}) as http, AsyncGatehouse(http_client=http) as gh:
        emit({"ready": True, "python": platform.python_version(), "httpx": httpx.__version__})
        while line := await asyncio.to_thread(sys.stdin.readline):
            request: dict[str, Any] = json.loads(line)
            await fan_out(gh, int(request["gates"]), waits)


if __name__ == "__main__":
    asyncio.run(main())
