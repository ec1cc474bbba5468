"""Waiting for approvals. Every wait of one client joins a shared set, long-polled with
``POST /v1/approvals/wait`` (up to 1,000 approvals a request), so a thousand gates cost one connection,
not a thousand, and the API's per-key cap on waits bounds connections, never gates (docs/adr/0018).
The same design as ``@gatehouse/sdk``'s ``ApprovalWaits``, on asyncio."""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._async_http import AsyncHttp
from ._common import Attempt, Call, invalid_response
from ._retry import backoff_delay
from .errors import ApprovalTimeoutError, BadRequestError, GatehouseError, NotFoundError, denied_error

#: Longest hold the server grants one wait, seconds.
WAIT_HOLD_MAX = 25.0
#: A full hold is shortened by up to this fraction at random, so clients that started together spread out.
WAIT_HOLD_JITTER = 0.2
#: How much longer than its hold one wait may take before the attempt is given up.
WAIT_GRACE = 10.0
#: Most approvals one request waits on (the server's limit).
MAX_WAIT_IDS = 1000
#: A request whose set grew is re-issued at most this often, so a burst of gates joins one re-issue.
WAIT_REISSUE = 0.05
#: How long after its deadline a wait ends by itself if its lane has not ended it (it normally has).
DEADLINE_GRACE = 1.0
#: Retry delays of a failed wait (connection refused, 5xx): short, so a wait re-attaches as soon as its API is back.
WAIT_RETRY_BASE = 0.25
WAIT_RETRY_MAX = 0.5

_APPROVAL_ID = re.compile(r"^apr_[0-9A-Za-z]{22}$")


@dataclass(eq=False)
class _Entry:
    approval_id: str
    deadline: float
    future: asyncio.Future[dict[str, Any]]


@dataclass(eq=False)
class _Lane:
    ids: set[str] = field(default_factory=set)
    phase: str = "starting"  # starting | polling | sleeping | stopped
    #: The request in flight, or the retry delay: cancelled to re-issue or when nobody waits any more.
    step: asyncio.Task[Any] | None = None
    sent_at: float = 0.0
    hold_end: float = 0.0
    reissue: asyncio.TimerHandle | None = None
    failures: int = 0


class AsyncWaits:
    """The waits of one client, on the event loop they were first made on."""

    def __init__(self, http: AsyncHttp) -> None:
        self._http = http
        self._entries: dict[str, list[_Entry]] = {}
        self._lane_of: dict[str, _Lane] = {}
        self._lanes: list[_Lane] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def wait(self, approval_id: str, deadline: float) -> dict[str, Any]:
        """Waits until the approval is decided: answers the executed result, or raises ``DeniedError``;
        ``ApprovalTimeoutError`` when ``deadline`` (monotonic seconds) passes first. Cancelling the
        caller leaves the set."""
        if not isinstance(approval_id, str) or not _APPROVAL_ID.match(approval_id):
            raise BadRequestError("Invalid approval_id: expected apr_ and 22 letters or digits", code="INVALID_APPROVAL_ID")
        if self._closed:
            raise _closed()
        entry = _Entry(approval_id, deadline, asyncio.get_running_loop().create_future())
        self._entries.setdefault(approval_id, []).append(entry)
        self._join(approval_id, deadline)
        try:
            # The lane ends a wait at its deadline; this bound holds even if the lane cannot.
            return await asyncio.wait_for(entry.future, max(0.0, deadline - time.monotonic()) + DEADLINE_GRACE)
        except asyncio.TimeoutError:
            raise ApprovalTimeoutError(approval_id) from None
        finally:
            self._end(entry)

    def close(self) -> None:
        """Ends every wait under way with ``CLIENT_CLOSED``, and the requests that serve them."""
        self._closed = True
        for entries in list(self._entries.values()):
            for entry in list(entries):
                _settle(entry, error=_closed())
        for lane in list(self._lanes):
            self._drop_settled(lane)
            if lane.step is not None:
                lane.step.cancel()

    def _join(self, approval_id: str, deadline: float) -> None:
        lane = self._lane_of.get(approval_id)
        is_new = lane is None
        if lane is None:
            lane = next((l for l in self._lanes if l.phase != "stopped" and len(l.ids) < MAX_WAIT_IDS), None)
            if lane is None:
                lane = _Lane()
                self._lanes.append(lane)
                task = asyncio.get_running_loop().create_task(self._run(lane))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            lane.ids.add(approval_id)
            self._lane_of[approval_id] = lane
        # A request in flight covers this wait when it asks for the approval and holds no longer than the caller waits.
        if lane.phase == "polling" and (is_new or deadline < lane.hold_end):
            self._schedule_reissue(lane)

    def _schedule_reissue(self, lane: _Lane) -> None:
        if lane.reissue is not None:
            return
        delay = max(0.0, lane.sent_at + WAIT_REISSUE - time.monotonic())

        def reissue() -> None:
            lane.reissue = None
            if lane.phase == "polling" and lane.step is not None:
                lane.step.cancel()

        lane.reissue = asyncio.get_running_loop().call_later(delay, reissue)

    async def _run(self, lane: _Lane) -> None:
        """Long-polls the lane until nobody waits on it. Whatever breaks it (an answer of the wrong
        shape, a closed client) ends its waits with that error rather than leaving them waiting."""
        try:
            await self._poll(lane)
        except Exception as error:
            failure = error if isinstance(error, GatehouseError) else invalid_response("the wait with something it could not read")
            failure.__cause__ = error if failure is not error else None
            for approval_id in list(lane.ids):
                for entry in list(self._entries.get(approval_id, [])):
                    _settle(entry, error=failure)
        finally:
            lane.phase = "stopped"
            for approval_id in list(lane.ids):
                if self._lane_of.get(approval_id) is lane:
                    del self._lane_of[approval_id]
            if lane in self._lanes:
                self._lanes.remove(lane)

    async def _poll(self, lane: _Lane) -> None:
        random = self._http.config.random
        while lane.ids:
            ids = sorted(lane.ids)
            now = time.monotonic()
            full_hold = WAIT_HOLD_MAX * (1 - WAIT_HOLD_JITTER * random())
            hold = max(0.0, min(full_hold, self._soonest_deadline(ids) - now))
            call = Call(
                "POST",
                "/v1/approvals/wait",
                {"approvalIds": ids, "timeoutMs": math.floor(hold * 1000)},
                timeout=hold + WAIT_GRACE,
            )
            lane.phase, lane.sent_at, lane.hold_end = "polling", now, now + hold
            lane.step = asyncio.ensure_future(self._http.attempt(call))
            attempt = await _settled(lane.step)
            lane.step = None
            if lane.reissue is not None:
                lane.reissue.cancel()
                lane.reissue = None
            if attempt is None:  # cancelled: the set changed, or nobody waits any more
                continue
            if attempt.ok:
                lane.failures = 0
                self._answered(wait_answer(attempt.value))
                self._time_out(lane, time.monotonic() + 0.001, None)
                await asyncio.sleep(0)
                continue
            if not attempt.retry:
                for entry in [e for i in list(lane.ids) for e in self._entries.get(i, [])]:
                    _settle(entry, error=attempt.failure())
                self._drop_settled(lane)
                continue
            # A Retry-After shorter than the backoff does not make the waits spin.
            delay = max(attempt.retry_after or 0.0, backoff_delay(lane.failures, random, WAIT_RETRY_BASE, WAIT_RETRY_MAX))
            lane.failures += 1
            self._time_out(lane, time.monotonic() + delay + 0.001, attempt.error)
            if not lane.ids:
                break
            lane.phase = "sleeping"
            lane.step = asyncio.ensure_future(asyncio.sleep(delay))
            await _settled(lane.step)
            lane.step = None

    def _soonest_deadline(self, ids: list[str]) -> float:
        return min((e.deadline for i in ids for e in self._entries.get(i, [])), default=math.inf)

    def _answered(self, result: dict[str, Any]) -> None:
        for approval in result.get("approvals") or []:
            if approval.get("status") == "pending":
                continue
            try:
                outcome: dict[str, Any] | None = settle(approval)
                error: GatehouseError | None = None
            except GatehouseError as failed:
                outcome, error = None, failed
            for entry in list(self._entries.get(approval.get("id"), [])):
                _settle(entry, outcome, error)
        for approval_id in result.get("notFound") or []:
            for entry in list(self._entries.get(approval_id, [])):
                _settle(entry, error=NotFoundError("approval not found", status=404, code="NOT_FOUND"))
        for lane in self._lanes:
            self._drop_settled(lane)

    def _time_out(self, lane: _Lane, by: float, cause: GatehouseError | None) -> None:
        """Ends, with ``ApprovalTimeoutError``, the waits of this lane whose deadline comes before ``by``."""
        for approval_id in list(lane.ids):
            for entry in list(self._entries.get(approval_id, [])):
                if entry.deadline < by:
                    error = ApprovalTimeoutError(approval_id)
                    error.__cause__ = cause
                    _settle(entry, error=error)
        self._drop_settled(lane)

    def _drop_settled(self, lane: _Lane) -> None:
        for entries in [self._entries.get(i, []) for i in list(lane.ids)]:
            for entry in list(entries):
                if entry.future.done():
                    self._end(entry)

    def _end(self, entry: _Entry) -> None:
        """Takes a settled (or abandoned) caller out of the set; an approval nobody waits on leaves its lane."""
        entries = self._entries.get(entry.approval_id)
        if entries is None or entry not in entries:
            return
        entries.remove(entry)
        if entries:
            return
        del self._entries[entry.approval_id]
        lane = self._lane_of.pop(entry.approval_id, None)
        if lane is not None:
            lane.ids.discard(entry.approval_id)
            if not lane.ids and lane.step is not None:
                lane.step.cancel()


async def _settled(step: asyncio.Future[Any]) -> Attempt | None:
    """What the step ended with, or ``None`` when it was cancelled (not the caller: that propagates)."""
    try:
        await asyncio.wait({step})
    except asyncio.CancelledError:
        step.cancel()
        raise
    if step.cancelled():
        return None
    result = step.result()
    return result if isinstance(result, Attempt) else None


def _settle(entry: _Entry, outcome: dict[str, Any] | None = None, error: BaseException | None = None) -> None:
    if entry.future.done():
        return
    if error is not None:
        entry.future.set_exception(error)
    else:
        entry.future.set_result(outcome or {})


def wait_answer(value: Any) -> dict[str, Any]:
    """The wait's answer when it has the contract's shape (approvals with ids, lists of ids), else ``INVALID_RESPONSE``."""
    if not isinstance(value, dict):
        raise invalid_response("the wait with something that is not an object")
    approvals, not_found = value.get("approvals"), value.get("notFound", [])
    if not isinstance(approvals, list) or not all(isinstance(a, dict) and isinstance(a.get("id"), str) for a in approvals):
        raise invalid_response("the wait with approvals that are not objects with an id")
    if not isinstance(not_found, list) or not all(isinstance(i, str) for i in not_found):
        raise invalid_response("the wait with notFound that is not a list of ids")
    return value


def settle(approval: dict[str, Any]) -> dict[str, Any]:
    """The action's result when the approval was approved; otherwise raises the ``DeniedError`` it ended
    with. An approval said approved whose result is not this approval's executed action is
    ``INVALID_RESPONSE``: it never lets the action go ahead."""
    result = approval.get("result")
    if not isinstance(result, dict):
        raise invalid_response(f"approval {approval.get('id')} without its action's result")
    if approval.get("status") == "approved":
        if result.get("status") != "executed" or result.get("approvalId", approval.get("id")) != approval.get("id"):
            raise invalid_response(f"approval {approval.get('id')} approved with a result that is not its executed action")
        return dict(result)
    member = approval.get("decidedBy")
    decided_by = (member.get("email") or member.get("name") or member.get("id")) if isinstance(member, dict) else None
    raise denied_error(
        result,
        approval_id=approval.get("id"),
        decided_by=decided_by,
        decision_reason=approval.get("decisionReason"),
    )


def _closed() -> GatehouseError:
    return GatehouseError("The client was closed while waiting for the approval", code="CLIENT_CLOSED")


def wait_http(http: AsyncHttp, wait_http_client: httpx.AsyncClient | None) -> AsyncHttp:
    """The transport the waits use: ``wait_http_client`` when given, else the client's own."""
    return http if wait_http_client is None else AsyncHttp(http.config, wait_http_client)


def async_waits_for(http: AsyncHttp, wait_http_client: httpx.AsyncClient | None) -> AsyncWaits:
    return AsyncWaits(wait_http(http, wait_http_client))
