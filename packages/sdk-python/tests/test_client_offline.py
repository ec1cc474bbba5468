"""The clients without a server: every call goes through an ``httpx.MockTransport``, so these tests pin
down what a user relies on when the network misbehaves (retries with one idempotency key, typed errors),
what gets sent (options, headers), how waits for approvals are shared, and the event-stream parser.
The behaviours mirror the TypeScript SDK's unit tests (packages/sdk/test)."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, Sequence, Union

import httpx
import pytest

from gatehouse import (
    DEFAULT_BASE_URL,
    VERSION,
    APIConnectionError,
    APITimeoutError,
    ApprovalTimeoutError,
    AsyncDelegatedAgent,
    AsyncGatehouse,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DelegatedAgent,
    DelegationScopeError,
    DeniedError,
    Event,
    Gatehouse,
    GatehouseError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from gatehouse._common import ttl_seconds
from gatehouse._sse import SseParser

API_KEY = "gh_agent_test0123456789"
CHILD_KEY = "gh_agent_child0123456789"
BASE = "http://gh.test"
#: An approval id of the shape the API issues (the waits check it).
APPROVAL_ID = "apr_0123456789abcdefABCDEF"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
KINDS = ["sync", "async"]

EXECUTED: dict[str, Any] = {"status": "executed", "auditEventId": "aud_1", "policyName": "reads", "conditionsEvaluated": []}
DENIED: dict[str, Any] = {
    "status": "denied",
    "auditEventId": "aud_2",
    "denialReason": "CONDITIONS_DENIED",
    "policyName": "no-drops",
    "conditionsEvaluated": [{"field": "metadata.table", "operator": "eq", "expected": "users", "actual": "users", "result": True}],
}
REQUESTED: dict[str, Any] = {"status": "requested", "auditEventId": "aud_9", "approvalId": APPROVAL_ID, "policyName": "deploys", "conditionsEvaluated": []}
BO = {"id": "mem_2", "name": "Bo", "email": "bo@example.com"}
DELEGATION: dict[str, Any] = {
    "id": "dlg_1",
    "name": "reader",
    "parentAgentId": "agt_1",
    "childAgentId": "agt_child",
    "rootAgentId": "agt_1",
    "capabilities": ["pr.read"],
    "depth": 1,
    "expiresAt": "2025-06-01T12:15:00.000Z",
    "revokedAt": None,
    "createdAt": "2025-06-01T12:00:00.000Z",
}
REVOKED: dict[str, Any] = {"revoked": ["dlg_1"]}


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def api_error(
    status: int, code: str, *, request_id: str | None = None, details: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    """The API's error envelope."""
    error: dict[str, Any] = {"code": code, "message": f"{code} happened", "requestId": request_id or f"req_{status}"}
    if details is not None:
        error["details"] = details
    return httpx.Response(status, json={"error": error}, headers=headers)


def again_now(status: int, code: str = "TRY_AGAIN") -> httpx.Response:
    """A retryable failure that asks for no wait (``Retry-After: 0``), so a test does not sleep."""
    return api_error(status, code, headers={"retry-after": "0"})


def created() -> httpx.Response:
    return ok({"delegation": DELEGATION, "apiKey": CHILD_KEY}, 201)


def id_of(n: int) -> str:
    return f"apr_{n:022d}"


def executed_via(approval_id: str) -> dict[str, Any]:
    return {"status": "executed", "auditEventId": f"aud_{approval_id[-4:]}", "approvalId": approval_id, "conditionsEvaluated": []}


def approved(approval_id: str = APPROVAL_ID) -> dict[str, Any]:
    return {"id": approval_id, "status": "approved", "decidedBy": BO, "decisionReason": "ok", "result": executed_via(approval_id)}


def ended(status: str, reason: str, decided_by: Any = None, decision_reason: str | None = None) -> dict[str, Any]:
    """An approval that ended otherwise than approved: its result is the denial."""
    result = {"status": "denied", "denialReason": reason, "auditEventId": "aud_9", "approvalId": APPROVAL_ID, "policyName": "deploys", "conditionsEvaluated": []}
    return {"id": APPROVAL_ID, "status": status, "decidedBy": decided_by, "decisionReason": decision_reason, "result": result}


def wait_answer(approvals: Iterable[dict[str, Any]] = (), pending: Iterable[str] = (), not_found: Iterable[str] = ()) -> httpx.Response:
    return ok({"approvals": list(approvals), "pending": list(pending), "notFound": list(not_found)})


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


async def hold_then_pending(request: httpx.Request) -> httpx.Response:
    """What the server does with a wait nobody decides: holds it ``timeoutMs``, then answers it pending."""
    body = body_of(request)
    await asyncio.sleep(body["timeoutMs"] / 1000)
    return wait_answer(pending=body["approvalIds"])


AsyncReply = Callable[[httpx.Request], Awaitable[httpx.Response]]
#: One scripted answer: a response, an exception to raise (``httpx.ConnectError``: the network failed),
#: or an async function of the request.
Reply = Union[httpx.Response, Exception, AsyncReply]


class Script:
    """A transport that answers from a script, in order, and records every request. When the script
    runs out, ``then`` answers (default: a 418 naming the unexpected call, which the client raises at
    once, so a test never hangs on a call it did not expect)."""

    def __init__(self, *replies: Reply, then: AsyncReply | None = None) -> None:
        self.replies = list(replies)
        self.then = then
        self.requests: list[httpx.Request] = []

    @property
    def bodies(self) -> list[Any]:
        return [body_of(request) for request in self.requests]

    def _next(self, request: httpx.Request) -> Reply:
        self.requests.append(request)
        if self.replies:
            return self.replies.pop(0)
        if self.then is not None:
            return self.then
        return api_error(418, "UNEXPECTED_CALL", request_id=f"{request.method} {request.url}")

    def handle(self, request: httpx.Request) -> httpx.Response:
        reply = self._next(request)
        if isinstance(reply, Exception):
            raise reply
        assert isinstance(reply, httpx.Response), "a sync transport takes responses and exceptions only"
        return reply

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        reply = self._next(request)
        if isinstance(reply, Exception):
            raise reply
        return reply if isinstance(reply, httpx.Response) else await reply(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def async_client(self) -> httpx.AsyncClient:
        return async_client(self.handle_async)


def async_client(handler: AsyncReply) -> httpx.AsyncClient:
    # MockTransport awaits a handler's coroutine; httpx 0.23's annotation only names the sync kind.
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


class Driver:
    """The same awaited calls on a sync ``Gatehouse`` (each on a worker thread) or an ``AsyncGatehouse``,
    so one test body covers both clients: ``await gh.execute(...)``."""

    def __init__(self, client: Gatehouse | AsyncGatehouse) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if isinstance(self.client, Gatehouse):
                return await asyncio.to_thread(method, *args, **kwargs)
            return await method(*args, **kwargs)

        return call


@asynccontextmanager
async def driven(kind: str, script: Script, *, waits: Script | HeldWaits | None = None, **options: Any) -> AsyncIterator[Driver]:
    """A client of ``kind`` whose calls go to ``script`` and whose waits for approvals go to ``waits``."""
    options.setdefault("base_url", BASE)
    wait_client = None if waits is None else async_client(waits.handle_async)
    if kind == "sync":
        client = Gatehouse(API_KEY, http_client=script.client(), wait_http_client=wait_client, **options)
        try:
            yield Driver(client)
        finally:
            client.close()
    else:
        async with AsyncGatehouse(API_KEY, http_client=script.async_client(), wait_http_client=wait_client, **options) as async_gh:
            yield Driver(async_gh)


# --- retries


FAILURES: list[tuple[str, Callable[[], Reply]]] = [
    ("a refused connection", lambda: httpx.ConnectError("connection refused")),  # real backoff: ≤ 0.5 s
    ("408", lambda: again_now(408, "REQUEST_TIMEOUT")),
    ("429 with Retry-After: 0", lambda: again_now(429, "RATE_LIMITED")),
    ("500", lambda: again_now(500, "INTERNAL")),
    ("503", lambda: again_now(503, "UNAVAILABLE")),
    ("a 502 that is not from Gatehouse", lambda: httpx.Response(502, text="Bad Gateway", headers={"retry-after": "0"})),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("failure", [make for _, make in FAILURES], ids=[name for name, _ in FAILURES])
async def test_execute_retries_a_failure_with_the_same_event_id(kind: str, failure: Callable[[], Reply]) -> None:
    script = Script(failure(), ok(EXECUTED))
    async with driven(kind, script) as gh:
        assert await gh.execute("pr.merge", metadata={"pr": 1}) == EXECUTED
    first, second = script.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert UUID.match(first.headers["idempotency-key"])
    assert body_of(first) == body_of(second) == {"actionType": "pr.merge", "metadata": {"pr": 1}, "eventId": first.headers["idempotency-key"]}


@pytest.mark.parametrize("kind", KINDS)
async def test_an_event_id_given_is_the_idempotency_key_and_each_call_gets_its_own_otherwise(kind: str) -> None:
    script = Script(again_now(503), ok(EXECUTED), ok(EXECUTED), ok(EXECUTED))
    async with driven(kind, script) as gh:
        await gh.execute("pr.merge", event_id="evt-7")
        await gh.execute("pr.merge")
        await gh.execute("pr.merge")
    keys = [request.headers["idempotency-key"] for request in script.requests]
    assert keys[:2] == ["evt-7", "evt-7"] and [body["eventId"] for body in script.bodies[:2]] == keys[:2]
    assert keys[2] != keys[3]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("max_retries", "attempts"), [(None, 3), (0, 1), (1, 2), (3, 4)])
async def test_gives_up_after_max_retries_with_the_last_error(kind: str, max_retries: int | None, attempts: int) -> None:
    failures = [api_error(503, f"DOWN_{n}", request_id=f"req_{n}", headers={"retry-after": "0"}) for n in range(attempts)]
    script = Script(*failures, ok(EXECUTED))
    async with driven(kind, script, max_retries=max_retries) as gh:
        with pytest.raises(InternalServerError) as raised:
            await gh.execute("pr.merge")
    assert len(script.requests) == attempts
    assert (raised.value.status, raised.value.code, raised.value.request_id) == (503, f"DOWN_{attempts - 1}", f"req_{attempts - 1}")
    assert len({request.headers["idempotency-key"] for request in script.requests}) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        (lambda: httpx.ConnectError("connection refused"), APIConnectionError),
        (lambda: httpx.ReadTimeout("timed out"), APITimeoutError),
        (lambda: again_now(429, "RATE_LIMITED"), RateLimitError),
    ],
    ids=["network", "timeout", "429"],
)
async def test_the_failure_that_ends_the_retries_is_raised_typed(kind: str, failure: Callable[[], Reply], error_class: type[GatehouseError]) -> None:
    script = Script(failure())
    async with driven(kind, script, max_retries=0) as gh:
        with pytest.raises(error_class) as raised:
            await gh.execute("pr.merge")
    assert type(raised.value) is error_class
    if isinstance(raised.value, APIConnectionError):
        assert isinstance(raised.value.__cause__, httpx.TransportError)
        assert f"{BASE}/v1/actions" in str(raised.value)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [
        (400, "VALIDATION", BadRequestError),
        (401, "INVALID_API_KEY", AuthenticationError),
        (403, "FORBIDDEN", PermissionDeniedError),
        (404, "NOT_FOUND", NotFoundError),
        (409, "EVENT_ID_REUSED", ConflictError),
        (422, "UNPROCESSABLE", UnprocessableEntityError),
    ],
)
async def test_a_client_error_is_never_retried(kind: str, status: int, code: str, error_class: type[GatehouseError]) -> None:
    # Even when it carries Retry-After: a Gatehouse 4xx is an answer a retry cannot change.
    script = Script(api_error(status, code, headers={"retry-after": "0"}), ok(EXECUTED))
    async with driven(kind, script) as gh:
        with pytest.raises(error_class):
            await gh.execute("pr.merge")
    assert len(script.requests) == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_delegate_sends_one_idempotency_key_on_every_retry_and_a_new_one_per_call(kind: str) -> None:
    script = Script(again_now(503), again_now(502), created(), created())
    async with driven(kind, script) as gh:
        await gh.delegate("reader", capabilities=["pr.read"], ttl="1h")
        await gh.delegate("reader", capabilities=["pr.read"], ttl="1h")
    keys = [request.headers["idempotency-key"] for request in script.requests]
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert all(UUID.match(key) for key in keys)
    assert script.bodies == [{"name": "reader", "capabilities": ["pr.read"], "ttlSeconds": 3600}] * 4


# --- errors


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, PayloadTooLargeError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (599, InternalServerError),
        (418, GatehouseError),
    ],
)
async def test_each_status_is_its_error_class_carrying_the_envelope(status: int, error_class: type[GatehouseError]) -> None:
    details = {"issues": [{"path": "actionType", "message": "Required"}]}
    script = Script(api_error(status, "SOME_CODE", request_id="req_9", details=details, headers={"x-request-id": "req_header"}))
    async with driven("async", script, max_retries=0) as gh:
        with pytest.raises(GatehouseError) as raised:
            await gh.execute("pr.merge")
    error = raised.value
    assert type(error) is error_class
    assert (error.status, error.code, error.message, error.request_id, error.details) == (status, "SOME_CODE", "SOME_CODE happened", "req_9", details)
    assert str(error) == "SOME_CODE happened"


@pytest.mark.parametrize("kind", KINDS)
async def test_the_request_id_falls_back_to_the_x_request_id_header(kind: str) -> None:
    script = Script(httpx.Response(401, json={"error": {"code": "INVALID_API_KEY", "message": "no"}}, headers={"x-request-id": "req_hdr"}))
    async with driven(kind, script) as gh:
        with pytest.raises(AuthenticationError) as raised:
            await gh.whoami()
    assert (raised.value.code, raised.value.request_id) == ("INVALID_API_KEY", "req_hdr")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("answer", "error_class"),
    [
        (lambda: httpx.Response(200, text="<html>welcome</html>", headers={"x-request-id": "req_html"}), GatehouseError),
        (lambda: httpx.Response(404, text="<html>not found</html>", headers={"x-request-id": "req_html"}), NotFoundError),
    ],
    ids=["200", "404"],
)
async def test_an_answer_that_is_not_the_api_asks_whether_base_url_is_gatehouse(
    kind: str, answer: Callable[[], httpx.Response], error_class: type[GatehouseError]
) -> None:
    script = Script(answer(), ok(EXECUTED))
    async with driven(kind, script) as gh:
        with pytest.raises(GatehouseError) as raised:
            await gh.whoami()
    assert type(raised.value) is error_class
    assert f"is base_url {BASE} the Gatehouse API?" in str(raised.value)
    assert raised.value.request_id == "req_html"
    assert len(script.requests) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("path", "capability"), [("capabilities[1]", "pr.*"), ("ttlSeconds", None)])
async def test_a_refused_delegation_is_a_delegation_scope_error_naming_the_capability(kind: str, path: str, capability: str | None) -> None:
    details = {"issues": [{"path": path, "message": "not covered"}]}
    script = Script(api_error(403, "DELEGATION_SCOPE", details=details, request_id="req_1"))
    async with driven(kind, script) as gh:
        with pytest.raises(DelegationScopeError) as raised:
            await gh.delegate("reader", capabilities=["pr.open", "pr.*"], ttl=60)
    error = raised.value
    assert isinstance(error, PermissionDeniedError)
    assert (error.capability, error.path, error.status, error.code, error.request_id) == (capability, path, 403, "DELEGATION_SCOPE", "req_1")
    assert len(script.requests) == 1


async def test_the_api_key_never_appears_in_an_error_or_a_repr() -> None:
    secret = "gh_agent_secret_do_not_log"
    script = Script(
        api_error(401, "INVALID_API_KEY"),
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.Response(200, text="<html/>"),
        httpx.Response(404, text="<html/>"),
        ok(DENIED),
        created(),
    )
    errors: list[BaseException] = []
    async with AsyncGatehouse(secret, base_url=BASE, max_retries=0, http_client=script.async_client()) as gh:
        for _ in range(5):
            with pytest.raises(GatehouseError) as raised:
                await gh.whoami()
            errors.append(raised.value)
        with pytest.raises(DeniedError) as denied:
            await gh.gate("db.drop")
        errors.append(denied.value)
        sub = await gh.delegate("reader", capabilities=["pr.read"], ttl=60)
        shown = [repr(gh), str(gh), repr(sub), str(sub)]
    with pytest.raises(GatehouseError) as refused:
        Gatehouse("sk_live_" + secret)
    errors.append(refused.value)
    shown += [text for error in errors for text in (str(error), repr(error), repr(error.__cause__))]
    assert sub.api_key == CHILD_KEY
    assert not [text for text in shown if secret in text or CHILD_KEY in text]


# --- options


@pytest.mark.parametrize("kind", KINDS)
async def test_the_key_and_base_url_come_from_the_environment_unless_given(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEHOUSE_API_KEY", API_KEY)
    monkeypatch.setenv("GATEHOUSE_BASE_URL", "https://env.example/")
    script = Script(ok({}), ok({}))
    if kind == "sync":
        with Gatehouse(http_client=script.client()) as gh, Gatehouse("gh_given", base_url="https://given.example", http_client=script.client()) as given:
            gh.whoami()
            given.whoami()
    else:
        async with AsyncGatehouse(http_client=script.async_client()) as agh, AsyncGatehouse(
            "gh_given", base_url="https://given.example", http_client=script.async_client()
        ) as agiven:
            await agh.whoami()
            await agiven.whoami()
    assert [(str(r.url), r.headers["authorization"]) for r in script.requests] == [
        ("https://env.example/v1/whoami", f"Bearer {API_KEY}"),
        ("https://given.example/v1/whoami", "Bearer gh_given"),
    ]


async def test_the_default_base_url_is_the_local_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATEHOUSE_BASE_URL", raising=False)
    script = Script(ok({}))
    async with AsyncGatehouse(API_KEY, http_client=script.async_client()) as gh:
        await gh.whoami()
    assert str(script.requests[0].url) == f"{DEFAULT_BASE_URL}/v1/whoami" == "http://localhost:4000/v1/whoami"


@pytest.mark.parametrize("client_class", [Gatehouse, AsyncGatehouse])
@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"api_key": None}, "MISSING_API_KEY"),
        ({"api_key": ""}, "MISSING_API_KEY"),
        ({"api_key": "sk_live_0123456789"}, "INVALID_API_KEY"),
        ({"base_url": "localhost:4000"}, "INVALID_OPTION"),
        ({"base_url": "ftp://gh.test"}, "INVALID_OPTION"),
        ({"base_url": "http://"}, "INVALID_OPTION"),
        ({"timeout": 0}, "INVALID_OPTION"),
        ({"timeout": -1}, "INVALID_OPTION"),
        ({"timeout": float("inf")}, "INVALID_OPTION"),
        ({"timeout": float("nan")}, "INVALID_OPTION"),
        ({"timeout": True}, "INVALID_OPTION"),
        ({"max_retries": -1}, "INVALID_OPTION"),
        ({"max_retries": True}, "INVALID_OPTION"),
        ({"max_retries": 1.5}, "INVALID_OPTION"),
        ({"integration": "CrewAI/0.1.0"}, "INVALID_OPTION"),
        ({"integration": "crewai/"}, "INVALID_OPTION"),
        ({"integration": "crew ai"}, "INVALID_OPTION"),
        ({"integration": ""}, "INVALID_OPTION"),
    ],
)
def test_a_bad_option_is_a_gatehouse_error_with_its_code(
    client_class: type[Gatehouse] | type[AsyncGatehouse], options: dict[str, Any], code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEHOUSE_API_KEY", raising=False)
    monkeypatch.delenv("GATEHOUSE_BASE_URL", raising=False)
    settings: dict[str, Any] = {"api_key": API_KEY, **options}
    with pytest.raises(GatehouseError) as raised:
        client_class(**settings)
    assert type(raised.value) is GatehouseError
    assert raised.value.code == code
    assert "sk_live_0123456789" not in str(raised.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_every_call_names_the_key_and_the_sdk_and_with_integration_names_the_adapter(kind: str) -> None:
    script = Script(ok(EXECUTED), ok(EXECUTED), ok(EXECUTED))
    async with driven(kind, script) as gh:
        adapter = Driver(gh.client.with_integration("crewai/0.1.0"))
        await gh.execute("pr.merge")
        await adapter.execute("pr.merge")
        await gh.execute("pr.merge")
        with pytest.raises(GatehouseError) as raised:
            gh.client.with_integration("Crew AI")
    assert raised.value.code == "INVALID_OPTION"
    for request in script.requests:
        assert request.headers["authorization"] == f"Bearer {API_KEY}"
        assert request.headers["x-gatehouse-sdk"] == f"python/{VERSION}"
        assert request.headers["content-type"] == "application/json"
    assert [request.headers.get("x-gatehouse-integration") for request in script.requests] == [None, "crewai/0.1.0", None]


@pytest.mark.parametrize("kind", KINDS)
async def test_the_callers_trace_context_goes_with_every_call_and_a_bad_one_is_left_out(kind: str) -> None:
    """``trace_context`` (docs/telemetry.md): its ``traceparent`` and ``tracestate`` on each request, so the agent's
    trace continues through Gatehouse; a malformed value, or a hook that raises, sends none and fails nothing."""
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    contexts: list[Any] = [
        {"traceparent": f"00-{trace}-00f067aa0ba902b7-01", "tracestate": "vendor=1"},
        {"traceparent": f"00-{'0' * 32}-00f067aa0ba902b7-01"},
        {"traceparent": "00-zz\r\nx-injected: 1"},
        RuntimeError("no active span"),
        "not a mapping",
    ]

    def current() -> Any:
        context = contexts.pop(0)
        if isinstance(context, Exception):
            raise context
        return context

    script = Script(ok(EXECUTED), ok(EXECUTED), ok(EXECUTED), ok(EXECUTED), ok(EXECUTED))
    async with driven(kind, script, trace_context=current) as gh:
        for _ in range(5):
            await gh.execute("pr.merge")
    sent = [(r.headers.get("traceparent"), r.headers.get("tracestate"), r.headers.get("x-injected")) for r in script.requests]
    assert sent == [(f"00-{trace}-00f067aa0ba902b7-01", "vendor=1", None)] + [(None, None, None)] * 4
    with pytest.raises(GatehouseError) as raised:
        Gatehouse(API_KEY, base_url=BASE, trace_context="00-abc")  # type: ignore[arg-type]
    assert raised.value.code == "INVALID_OPTION"


# --- ttl


@pytest.mark.parametrize(
    ("ttl", "seconds"),
    [(900, 900), ("900", 900), ("90s", 90), ("15m", 900), ("2h", 7200), ("1h30m", 5400), ("1d", 86400), (" 15M ", 900)],
)
def test_a_ttl_is_whole_seconds_or_a_duration(ttl: int | str, seconds: int) -> None:
    assert ttl_seconds(ttl) == seconds


@pytest.mark.parametrize("ttl", [0, -1, 1.5, True, "", "0m", "1x", "15x", "1.5h", "h", "1h 30m", "-5m", None])
def test_any_other_ttl_is_refused(ttl: Any) -> None:
    with pytest.raises(GatehouseError, match="Invalid ttl") as raised:
        ttl_seconds(ttl)
    assert raised.value.code == "INVALID_OPTION"


@pytest.mark.parametrize("kind", KINDS)
async def test_delegate_sends_the_ttl_in_seconds_and_refuses_a_bad_one_before_calling(kind: str) -> None:
    script = Script(created())
    async with driven(kind, script) as gh:
        with pytest.raises(GatehouseError, match="Invalid ttl"):
            await gh.delegate("reader", capabilities=["pr.read"], ttl="15x")
        with pytest.raises(GatehouseError, match="Invalid capabilities"):
            await gh.delegate("reader", capabilities="pr.read", ttl=60)
        await gh.delegate("reader", capabilities=["pr.read"], ttl="15m", metadata={"task": "review"})
    assert script.bodies == [{"name": "reader", "capabilities": ["pr.read"], "ttlSeconds": 900, "metadata": {"task": "review"}}]


# --- gate


@pytest.mark.parametrize("kind", KINDS)
async def test_gate_answers_an_executed_action_at_once(kind: str) -> None:
    actions, waits = Script(ok(EXECUTED)), Script()
    async with driven(kind, actions, waits=waits) as gh:
        assert await gh.gate("doc.read", metadata={"doc": 7}) == EXECUTED
    assert [(r.method, r.url.path) for r in actions.requests] == [("POST", "/v1/actions")]
    assert actions.bodies[0]["metadata"] == {"doc": 7}
    assert waits.requests == []


@pytest.mark.parametrize("kind", KINDS)
async def test_gate_raises_a_policy_denial_without_waiting(kind: str) -> None:
    waits = Script()
    async with driven(kind, Script(ok(DENIED)), waits=waits) as gh:
        with pytest.raises(DeniedError) as raised:
            await gh.gate("db.drop")
    error = raised.value
    assert (error.reason, error.policy, error.audit_event_id, error.conditions) == ("CONDITIONS_DENIED", "no-drops", "aud_2", DENIED["conditionsEvaluated"])
    assert str(error) == 'Action denied by policy "no-drops": CONDITIONS_DENIED'
    assert waits.requests == []


@pytest.mark.parametrize("kind", KINDS)
async def test_gate_waits_for_the_approval_and_answers_the_executed_result(kind: str) -> None:
    waits = Script(wait_answer([approved()]))
    told: list[Any] = []
    async with driven(kind, Script(ok(REQUESTED)), waits=waits) as gh:
        result = await gh.gate("deploy.prod", on_requested=told.append, deadline=10)
    assert result == executed_via(APPROVAL_ID)
    assert told == [REQUESTED]
    (wait,) = waits.requests
    assert (wait.method, str(wait.url), wait.headers["authorization"]) == ("POST", f"{BASE}/v1/approvals/wait", f"Bearer {API_KEY}")
    assert body_of(wait)["approvalIds"] == [APPROVAL_ID]
    assert 0 < body_of(wait)["timeoutMs"] <= 25_000


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("member", "decided_by"),
    [(BO, "bo@example.com"), ({"id": "mem_2", "name": "Bo", "email": None}, "Bo"), ({"id": "mem_2"}, "mem_2"), (None, None)],
    ids=["email", "name", "id", "nobody"],
)
async def test_gate_raises_a_reviewers_denial_naming_the_reviewer(kind: str, member: Any, decided_by: str | None) -> None:
    waits = Script(wait_answer([ended("denied", "DENIED_BY_REVIEWER", member, "not today")]))
    async with driven(kind, Script(ok(REQUESTED)), waits=waits) as gh:
        with pytest.raises(DeniedError) as raised:
            await gh.gate("deploy.prod", deadline=10)
    error = raised.value
    assert (error.reason, error.approval_id, error.decided_by, error.decision_reason) == ("DENIED_BY_REVIEWER", APPROVAL_ID, decided_by, "not today")
    assert str(error).endswith(f'DENIED_BY_REVIEWER ({f"by {decided_by}: " if decided_by else ""}"not today")')


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("answer", "error_class", "code"),
    [
        (lambda: wait_answer([ended("expired", "APPROVAL_EXPIRED")]), DeniedError, "APPROVAL_EXPIRED"),
        (lambda: wait_answer([ended("cancelled", "DELEGATION_REVOKED")]), DeniedError, "DELEGATION_REVOKED"),
        (lambda: wait_answer(not_found=[APPROVAL_ID]), NotFoundError, "NOT_FOUND"),
        (lambda: api_error(401, "INVALID_API_KEY"), AuthenticationError, "INVALID_API_KEY"),
    ],
    ids=["expired", "cancelled", "not found", "401"],
)
async def test_a_wait_that_ends_otherwise_raises_at_once(kind: str, answer: Callable[[], httpx.Response], error_class: type[GatehouseError], code: str) -> None:
    waits = Script(answer())
    async with driven(kind, Script(ok(REQUESTED)), waits=waits) as gh:
        with pytest.raises(error_class) as raised:
            await gh.gate("deploy.prod", deadline=10)
    assert raised.value.code == code
    assert len(waits.requests) == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_a_failed_wait_is_retried_until_answered_whatever_max_retries_says(kind: str) -> None:
    # The 500 has no Retry-After: the wait's own short backoff (≤ 0.25 s) applies.
    waits = Script(api_error(500, "INTERNAL"), httpx.ConnectError("connection refused"), again_now(503), wait_answer([approved()]))
    async with driven(kind, Script(ok(REQUESTED)), waits=waits, max_retries=0) as gh:
        assert await gh.gate("deploy.prod", deadline=10) == executed_via(APPROVAL_ID)
    assert len(waits.requests) == 4
    assert all(body["approvalIds"] == [APPROVAL_ID] for body in waits.bodies)


@pytest.mark.parametrize("kind", KINDS)
async def test_gate_raises_approval_timeout_when_the_deadline_passes(kind: str) -> None:
    waits = Script(then=hold_then_pending)
    started = time.monotonic()
    async with driven(kind, Script(ok(REQUESTED)), waits=waits) as gh:
        with pytest.raises(ApprovalTimeoutError) as raised:
            await gh.gate("deploy.prod", deadline=0.3)
    assert 0.25 <= time.monotonic() - started < 2
    assert (raised.value.approval_id, raised.value.code, raised.value.__cause__) == (APPROVAL_ID, "APPROVAL_TIMEOUT", None)
    assert body_of(waits.requests[0])["timeoutMs"] <= 300  # the server never holds past the deadline


@pytest.mark.parametrize("kind", KINDS)
async def test_an_approval_timeout_while_the_api_is_down_carries_the_last_failure(kind: str) -> None:
    async def down(request: httpx.Request) -> httpx.Response:
        return api_error(503, "UNAVAILABLE")

    waits = Script(then=down)
    async with driven(kind, Script(ok(REQUESTED)), waits=waits) as gh:
        with pytest.raises(ApprovalTimeoutError) as raised:
            await gh.gate("deploy.prod", deadline=0.4)
    assert isinstance(raised.value.__cause__, InternalServerError)
    assert len(waits.requests) >= 2


# --- shared waits


@dataclass(eq=False)
class Held:
    ids: list[str]
    timeout_ms: int
    reply: asyncio.Future[httpx.Response]
    cancelled: bool = False
    done: bool = False


class HeldWaits:
    """``POST /v1/approvals/wait`` that holds each request until the test answers it (``held.reply``),
    the client cancels it, or its ``timeoutMs`` passes (then it answers pending, as the server does).
    With ``approve``, a request carrying every one of those ids is approved at once."""

    def __init__(self, approve: Iterable[str] = ()) -> None:
        self.approve = set(approve)
        self.requests: list[Held] = []
        self.most_open = 0

    def open(self) -> list[Held]:
        return [held for held in self.requests if not held.done]

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        held = Held(body["approvalIds"], body["timeoutMs"], asyncio.get_running_loop().create_future())
        self.requests.append(held)
        self.most_open = max(self.most_open, len(self.open()))
        if self.approve and self.approve <= set(held.ids):
            held.reply.set_result(wait_answer([approved(i) for i in held.ids]))
        try:
            return await asyncio.wait_for(asyncio.shield(held.reply), held.timeout_ms / 1000)
        except asyncio.TimeoutError:
            return wait_answer(pending=held.ids)
        except asyncio.CancelledError:
            held.cancelled = True
            raise
        finally:
            held.done = True


def requested_by_number(request: httpx.Request) -> httpx.Response:
    """``POST /v1/actions`` holding every action for approval ``id_of(metadata.n)``."""
    approval_id = id_of(body_of(request)["metadata"]["n"])
    return ok({**REQUESTED, "approvalId": approval_id})


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the condition"
        await asyncio.sleep(0.005)


async def test_fifty_async_gates_share_one_wait_at_a_time() -> None:
    ids = [id_of(n) for n in range(50)]
    waits = HeldWaits(approve=ids)
    actions = httpx.AsyncClient(transport=httpx.MockTransport(requested_by_number))
    async with AsyncGatehouse(API_KEY, base_url=BASE, http_client=actions, wait_http_client=async_client(waits.handle_async)) as gh:
        results = await asyncio.gather(*(gh.gate("deploy.prod", metadata={"n": n}, deadline=5) for n in range(50)))
    assert [result["approvalId"] for result in results] == ids
    # Shared: one request open at a time, re-issued (at most every 50 ms) as gates join, never one per gate.
    assert waits.most_open == 1
    assert len(waits.requests) <= 5
    assert waits.requests[-1].ids == ids


def test_twenty_threads_gating_on_one_sync_client_share_its_waits() -> None:
    ids = [id_of(n) for n in range(20)]
    waits = HeldWaits(approve=ids)
    actions = httpx.Client(transport=httpx.MockTransport(requested_by_number))
    with Gatehouse(API_KEY, base_url=BASE, http_client=actions, wait_http_client=async_client(waits.handle_async)) as gh:
        tasks = [partial(gh.gate, "deploy.prod", metadata={"n": n}, deadline=5) for n in range(20)]
        results: Sequence[object] = Gatehouse.parallel(tasks)
    assert [result["approvalId"] for result in results if isinstance(result, dict)] == ids
    # However the threads are scheduled: one request open at a time, fewer requests than gates.
    assert waits.most_open == 1
    assert len(waits.requests) < len(ids)
    assert waits.requests[-1].ids == ids


async def test_a_gate_joining_a_wait_in_flight_reissues_it_with_both_ids() -> None:
    waits = HeldWaits()
    async with AsyncGatehouse(API_KEY, base_url=BASE, http_client=Script().async_client(), wait_http_client=async_client(waits.handle_async)) as gh:
        first = asyncio.create_task(gh.wait_for_approval(id_of(1), deadline=5))
        await until(lambda: len(waits.requests) == 1)
        second = asyncio.create_task(gh.wait_for_approval(id_of(2), deadline=5))
        await until(lambda: len(waits.requests) == 2)
        assert waits.requests[0].cancelled and waits.open() == [waits.requests[1]]
        assert waits.requests[1].ids == [id_of(1), id_of(2)]
        waits.requests[1].reply.set_result(wait_answer([approved(id_of(1)), approved(id_of(2))]))
        assert await asyncio.wait_for(asyncio.gather(first, second), 5) == [executed_via(id_of(1)), executed_via(id_of(2))]
    assert len(waits.requests) == 2


async def test_a_cancelled_gate_leaves_the_set_and_the_last_one_cancels_the_request() -> None:
    waits = HeldWaits()
    async with AsyncGatehouse(API_KEY, base_url=BASE, http_client=Script().async_client(), wait_http_client=async_client(waits.handle_async)) as gh:
        stays = asyncio.create_task(gh.wait_for_approval(id_of(1), deadline=5))
        leaves = asyncio.create_task(gh.wait_for_approval(id_of(2), deadline=5))
        await until(lambda: any(held.ids == [id_of(1), id_of(2)] for held in waits.open()))
        leaves.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leaves
        (carrying_both,) = waits.open()
        carrying_both.reply.set_result(wait_answer(pending=carrying_both.ids))
        await until(lambda: len(waits.open()) == 1 and waits.open()[0] is not carrying_both)
        (after,) = waits.open()
        assert after.ids == [id_of(1)]
        stays.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stays
        await until(lambda: after.cancelled)
        await asyncio.sleep(0.1)
    assert waits.open() == [] and waits.requests[-1] is after


# --- the event stream


def messages_of(*chunks: bytes, last_event_id: str = "") -> tuple[list[tuple[str, str, str]], SseParser]:
    parser = SseParser(last_event_id)
    return [message for chunk in chunks for message in parser.feed(chunk)], parser


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: 1\nevent: action.executed\ndata: {}\n\n", [("1", "action.executed", "{}")]),
        ("data: x\n\n", [("", "message", "x")]),
        ("data: a\ndata: b\ndata:\n\n", [("", "message", "a\nb\n")]),
        ("data:  two\n\n", [("", "message", " two")]),
        ("data\ndata\n\n", [("", "message", "\n")]),
        ("data: a: b\n\n", [("", "message", "a: b")]),
        (": ping\ndata: x\n: more\n\n", [("", "message", "x")]),
        (": ping\n\n", []),
        ("foo: bar\ndata: x\n\n", [("", "message", "x")]),
        ("id: 7\r\nevent: e\r\ndata: x\r\n\r\n", [("7", "e", "x")]),
        ("id: 7\revent: e\rdata: x\r\r", [("7", "e", "x")]),
        ("id: 7\revent: e\r\ndata: x\n\r\n", [("7", "e", "x")]),
        ("id: 3\nevent: e\n\n", []),
        ("data: x\n", []),
        ("id: 4\ndata: a\n\ndata: b\n\n", [("4", "message", "a"), ("4", "message", "b")]),
        ("id: 4\ndata: a\n\nid\ndata: b\n\n", [("4", "message", "a"), ("", "message", "b")]),
        ("id: 4\ndata: a\n\nid: 5\0\ndata: b\n\n", [("4", "message", "a"), ("4", "message", "b")]),
        ("event: e\ndata: a\n\ndata: b\n\n", [("", "e", "a"), ("", "message", "b")]),
        ("\ufeffdata: x\n\n", [("", "message", "x")]),
        ("data: a\n\n\ufeffdata: b\n\n", [("", "message", "a")]),
        ("Data: x\ndata: y\n\n", [("", "message", "y")]),
        ("data: café ✓ 🚀\n\n", [("", "message", "café ✓ 🚀")]),
    ],
    ids=[
        "one event",
        "no event field: message",
        "data lines joined with LF",
        "one leading space dropped",
        "a field without a colon",
        "a colon in the value",
        "comments",
        "a comment alone",
        "unknown fields",
        "CRLF",
        "CR",
        "mixed line ends",
        "no data: nothing",
        "an unfinished event",
        "the id carries over",
        "an empty id resets it",
        "an id with NUL is ignored",
        "the type resets",
        "a leading BOM",
        "only a leading BOM",
        "field names are case-sensitive",
        "non-ASCII",
    ],
)
def test_the_parser_reads_an_event_stream(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert messages_of(text.encode())[0] == expected


def test_an_id_without_data_moves_the_last_event_id_and_a_cut_off_event_does_not() -> None:
    messages, parser = messages_of(b"id: 9\n\n", last_event_id="8")
    assert (messages, parser.last_event_id) == ([], "9")
    assert parser.feed(b"data: x\n\n") == [("9", "message", "x")]
    assert messages_of(b"id: 9\ndata: x\n", last_event_id="8")[1].last_event_id == "8"


@pytest.mark.parametrize(("line", "seconds"), [("retry: 3000\n", 3.0), ("retry: 0\n", 0.0), ("retry: 3s\n", None), ("retry: -1\n", None), ("retry: ²\n", None)])
def test_retry_sets_the_reconnection_time_when_it_is_digits(line: str, seconds: float | None) -> None:
    # "²" is a digit to str.isdigit() but not an ASCII digit: the standard says ignore the field.
    assert messages_of(line.encode())[1].retry == seconds


STREAM = "".join(
    [
        "\ufeff: hello\r\n",
        "retry: 1500\r\n",
        'id: 1\r\nevent: approval.requested\r\ndata: {"note":"café ✓"}\r\n\r\n',
        "id: 2\revent: approval.voted\rdata: a\rdata: b\r\r",
        ": ping\n",
        "id: 3\nevent: approval.decided\ndata: 🚀\n\n",
        "id: 4\ndata: cut",
    ]
).encode()
STREAM_MESSAGES = [("1", "approval.requested", '{"note":"café ✓"}'), ("2", "approval.voted", "a\nb"), ("3", "approval.decided", "🚀")]


def test_the_parser_reads_the_stream_split_anywhere() -> None:
    for offset in range(1, len(STREAM)):
        messages, parser = messages_of(STREAM[:offset], STREAM[offset:])
        assert (messages, parser.last_event_id, parser.retry) == (STREAM_MESSAGES, "3", 1.5), f"split at byte {offset}"
    assert messages_of(*(bytes([byte]) for byte in STREAM))[0] == STREAM_MESSAGES


ROCKET = "🚀".encode()


@pytest.mark.parametrize(
    ("chunks", "data"),
    [
        ([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"], "a\nb"),
        ([b"data: a\r", b"", b"\ndata: b\n\n"], "a\nb"),
        ([b"data: a\r", b"\ndata: " + ROCKET[:2], ROCKET[2:] + b"\r", b"\n\r", b"\n"], "a\n🚀"),
        ([b"data: a\r", ROCKET[:1], ROCKET[1:] + b"\n\n"], "a"),
    ],
    ids=["CR then LF across chunks", "CR, empty chunk, LF", "CR LF around a split character", "CR then a split character"],
)
def test_a_cr_and_the_lf_after_it_are_one_line_break_across_chunks(chunks: list[bytes], data: str) -> None:
    assert messages_of(*chunks)[0] == [("", "message", data)]


def test_a_character_split_across_chunks_is_decoded_whole() -> None:
    assert messages_of(b"data: ", ROCKET[:1], ROCKET[1:3], ROCKET[3:], b"\n\n")[0] == [("", "message", "🚀")]


def event_stream(text: str) -> httpx.Response:
    return httpx.Response(200, content=text.encode(), headers={"content-type": "text/event-stream"})


async def subscribed(kind: str, script: Script, **options: Any) -> tuple[list[Event], BaseException]:
    """The events ``subscribe(**options)`` yields before it raises, and what it raises."""
    events: list[Event] = []
    if kind == "sync":

        def run() -> BaseException:
            with Gatehouse(API_KEY, base_url=BASE, http_client=script.client()) as gh:
                try:
                    for event in gh.subscribe(**options):
                        events.append(event)
                except GatehouseError as error:
                    return error
            raise AssertionError("subscribe() ended without raising")

        return events, await asyncio.to_thread(run)
    async with AsyncGatehouse(API_KEY, base_url=BASE, http_client=script.async_client()) as gh:
        try:
            async for event in gh.subscribe(**options):
                events.append(event)
        except GatehouseError as error:
            return events, error
    raise AssertionError("subscribe() ended without raising")


@pytest.mark.parametrize("kind", KINDS)
async def test_subscribe_reconnects_after_the_last_event_filters_types_and_raises_on_401(kind: str) -> None:
    first = (
        ": ping\n\n"
        'id: 11\nevent: action.executed\ndata: {"n":1}\n\n'
        'id: 12\nevent: approval.requested\ndata: {"n":2}\n\n'
        'id: 13\nevent: replay.truncated\ndata: {"n":3}\n\n'
        "id: 14\nevent: stream.closed\ndata: {}\n\n"
    )
    second = 'id: 15\nevent: action.executed\ndata: {"n":5}\n\nid: 16\nevent: action.executed\ndata: {"n":'
    script = Script(event_stream(first), again_now(503), event_stream(second), api_error(401, "INVALID_API_KEY"))
    events, error = await subscribed(kind, script, types=["action.executed"], last_event_id="10")
    assert [(e.id, e.type, e.data) for e in events] == [
        ("11", "action.executed", {"n": 1}),
        ("13", "replay.truncated", {"n": 3}),
        ("15", "action.executed", {"n": 5}),
    ]
    assert isinstance(error, AuthenticationError)
    assert [r.headers.get("last-event-id") for r in script.requests] == ["10", "14", "14", "15"]
    assert all(r.url.params["types"] == "action.executed" and r.headers["accept"] == "text/event-stream" for r in script.requests)


@pytest.mark.parametrize("kind", KINDS)
async def test_subscribe_without_types_yields_every_event_but_the_servers_stream_closed(kind: str) -> None:
    text = 'id: 1\nevent: approval.requested\ndata: {"n":1}\n\nid: 2\nevent: stream.closed\ndata: {}\n\n'
    script = Script(event_stream(text), api_error(401, "INVALID_API_KEY"))
    events, error = await subscribed(kind, script)
    assert [(e.id, e.type) for e in events] == [("1", "approval.requested")]
    assert isinstance(error, AuthenticationError)
    assert "types" not in script.requests[0].url.params and "last-event-id" not in script.requests[0].headers


# --- parallel


async def test_async_parallel_keeps_order_answers_exceptions_and_bounds_concurrency() -> None:
    running, most = 0, 0

    async def task(n: int) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        if n == 2:
            raise ValueError("task 2 failed")
        return n * 10

    results = await AsyncGatehouse.parallel([partial(task, n) for n in range(6)], concurrency=2)
    assert [r if isinstance(r, int) else str(r) for r in results] == [0, 10, "task 2 failed", 30, 40, 50]
    assert most == 2
    running, most = 0, 0
    made: Sequence[object] = await AsyncGatehouse.parallel([task(1), task(3)])
    assert made == [10, 30]  # awaitables already made run at once
    assert most == 2


def test_sync_parallel_keeps_order_answers_exceptions_and_bounds_concurrency() -> None:
    lock = threading.Lock()
    running, most = 0, 0

    def task(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        if n == 2:
            raise ValueError("task 2 failed")
        return n * 10

    results = Gatehouse.parallel([partial(task, n) for n in range(6)], concurrency=2)
    assert [r if isinstance(r, int) else str(r) for r in results] == [0, 10, "task 2 failed", 30, 40, 50]
    assert most == 2
    assert Gatehouse.parallel([]) == []


@pytest.mark.parametrize("concurrency", [0, -1, True, 1.5])
async def test_parallel_refuses_a_concurrency_that_is_not_a_whole_number_from_one(concurrency: Any) -> None:
    async def task() -> int:
        return 1

    with pytest.raises(GatehouseError) as refused:
        Gatehouse.parallel([lambda: 1], concurrency=concurrency)
    with pytest.raises(GatehouseError) as async_refused:
        await AsyncGatehouse.parallel([task], concurrency=concurrency)
    assert refused.value.code == async_refused.value.code == "INVALID_OPTION"


def test_sync_parallel_refuses_coroutine_functions() -> None:
    async def task() -> int:
        return 1

    with pytest.raises(GatehouseError, match="plain functions"):
        Gatehouse.parallel([task])


# --- delegated agents


@pytest.mark.parametrize("kind", KINDS)
async def test_revoke_uses_the_parents_key_once_and_the_delegate_acts_with_its_own(kind: str) -> None:
    script = Script(created(), ok(EXECUTED), ok(REVOKED))
    async with driven(kind, script) as gh:
        made = await gh.delegate("reader", capabilities=["pr.read"], ttl=60)
        sub = Driver(made)
        await sub.execute("pr.read")
        assert await sub.revoke() == REVOKED
        assert await sub.revoke() == REVOKED
    assert isinstance(made, DelegatedAgent if kind == "sync" else AsyncDelegatedAgent)
    assert (made.id, made.child_agent_id, made.capabilities, made.api_key) == ("dlg_1", "agt_child", ["pr.read"], CHILD_KEY)
    assert CHILD_KEY not in repr(made)
    assert [(r.method, r.url.path, r.headers["authorization"]) for r in script.requests] == [
        ("POST", "/v1/delegations", f"Bearer {API_KEY}"),
        ("POST", "/v1/actions", f"Bearer {CHILD_KEY}"),
        ("DELETE", "/v1/delegations/dlg_1", f"Bearer {API_KEY}"),
    ]


@pytest.mark.parametrize("fails", [False, True], ids=["left normally", "left by an exception"])
def test_leaving_with_revokes_the_delegation(fails: bool) -> None:
    script = Script(created(), ok(REVOKED))
    with Gatehouse(API_KEY, base_url=BASE, http_client=script.client()) as gh:
        try:
            with gh.delegate("reader", capabilities=["pr.read"], ttl=60) as sub:
                assert sub.id == "dlg_1"
                if fails:
                    raise RuntimeError("the sub-agent crashed")
        except RuntimeError as error:
            assert fails and str(error) == "the sub-agent crashed"
    assert [(r.method, r.url.path, r.headers["authorization"]) for r in script.requests] == [
        ("POST", "/v1/delegations", f"Bearer {API_KEY}"),
        ("DELETE", "/v1/delegations/dlg_1", f"Bearer {API_KEY}"),
    ]


@pytest.mark.parametrize("fails", [False, True], ids=["left normally", "left by an exception"])
async def test_leaving_async_with_revokes_the_delegation(fails: bool) -> None:
    script = Script(created(), ok(REVOKED))
    async with AsyncGatehouse(API_KEY, base_url=BASE, http_client=script.async_client()) as gh:
        try:
            async with gh.delegate("reader", capabilities=["pr.read"], ttl=60) as sub:
                assert sub.id == "dlg_1"
                if fails:
                    raise RuntimeError("the sub-agent crashed")
        except RuntimeError as error:
            assert fails and str(error) == "the sub-agent crashed"
    assert [(r.method, r.url.path, r.headers["authorization"]) for r in script.requests] == [
        ("POST", "/v1/delegations", f"Bearer {API_KEY}"),
        ("DELETE", "/v1/delegations/dlg_1", f"Bearer {API_KEY}"),
    ]
