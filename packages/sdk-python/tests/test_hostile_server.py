"""The clients against a hostile or broken server: answers of the wrong shape, forged approval outcomes,
bodies too large or too slow, event streams built to wedge or spin the client, a client closed under a
waiting gate, and exports racing a planted file. Whatever the server does, a user gets a typed
``GatehouseError`` (or the documented outcome) in bounded time and memory, and never a "go ahead" the
server did not give. Every server here is an ``httpx.MockTransport`` except the trickling one, a real
socket."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import threading
import time
import types
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator, cast

import httpx
import pytest

from gatehouse import (
    APITimeoutError,
    ApprovalTimeoutError,
    AsyncGatehouse,
    AuthenticationError,
    DeniedError,
    Event,
    Gatehouse,
    GatehouseError,
    assert_allowed,
)
from gatehouse import _async_client, _client

API_KEY = "gh_agent_test0123456789"
BASE = "http://gh.test"
APPROVAL_ID = "apr_0123456789abcdefABCDEF"
OTHER_ID = "apr_ZZZZ456789abcdefABCDEF"
KINDS = ["sync", "async"]
MIB = 1024 * 1024

REQUESTED: dict[str, Any] = {"status": "requested", "auditEventId": "aud_9", "approvalId": APPROVAL_ID, "conditionsEvaluated": []}

Handler = Callable[[httpx.Request], httpx.Response]
AsyncHandler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def raw(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "application/json"})


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def executed_via(approval_id: str) -> dict[str, Any]:
    return {"status": "executed", "auditEventId": f"aud_{approval_id[-4:]}", "approvalId": approval_id, "conditionsEvaluated": []}


def approve_all(request: httpx.Request) -> httpx.Response:
    """An honest wait answer: every approval asked for is approved and its action executed."""
    ids = body_of(request)["approvalIds"]
    return ok({"approvals": [{"id": i, "status": "approved", "result": executed_via(i)} for i in ids], "pending": [], "notFound": []})


async def hold_then_pending(request: httpx.Request) -> httpx.Response:
    """What the server does with a wait nobody decides: holds it ``timeoutMs``, then answers it pending."""
    body = body_of(request)
    await asyncio.sleep(body["timeoutMs"] / 1000)
    return ok({"approvals": [], "pending": body["approvalIds"], "notFound": []})


def requested(request: httpx.Request) -> httpx.Response:
    return ok(REQUESTED)


def async_client(handler: Handler | AsyncHandler) -> httpx.AsyncClient:
    # MockTransport awaits a handler's coroutine; httpx 0.23's annotation only names the sync kind.
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body for either client, served chunk by chunk (``pause`` seconds apart); ``served``
    counts the chunks the client pulled, so a test sees whether it stopped reading."""

    def __init__(self, chunks: Iterable[bytes], pause: float = 0.0) -> None:
        self.chunks = chunks
        self.pause = pause
        self.served = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.served += 1
            yield chunk
            time.sleep(self.pause)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.served += 1
            yield chunk
            await asyncio.sleep(self.pause)


class Driver:
    """The same awaited calls on a sync ``Gatehouse`` (each on a worker thread) or an ``AsyncGatehouse``."""

    def __init__(self, client: Gatehouse | AsyncGatehouse) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if isinstance(self.client, Gatehouse):
                return await asyncio.to_thread(method, *args, **kwargs)
            return await method(*args, **kwargs)

        return call

    async def export(self, path: Path, **options: Any) -> _client.ExportResult | _async_client.ExportResult:
        if isinstance(self.client, Gatehouse):
            return await asyncio.to_thread(self.client.audit.export, path, **options)
        return await self.client.audit.export(path, **options)


@asynccontextmanager
async def driven(kind: str, handler: Handler | None, *, waits: Handler | AsyncHandler | None = None, **options: Any) -> AsyncIterator[Driver]:
    """A client of ``kind`` whose calls go to ``handler`` (``None``: its own connection to ``base_url``)
    and whose waits for approvals go to ``waits``."""
    options.setdefault("base_url", BASE)
    wait_client = None if waits is None else async_client(waits)
    if kind == "sync":
        client = Gatehouse(
            API_KEY, http_client=None if handler is None else httpx.Client(transport=httpx.MockTransport(handler)), wait_http_client=wait_client, **options
        )
        try:
            yield Driver(client)
        finally:
            client.close()
    else:
        async with AsyncGatehouse(
            API_KEY, http_client=None if handler is None else async_client(handler), wait_http_client=wait_client, **options
        ) as async_gh:
            yield Driver(async_gh)


# --- waits for approvals


MALFORMED_WAITS: list[tuple[str, bytes]] = [
    ("null", b"null"),
    ("a list", b"[]"),
    ("approvals not a list", b'{"approvals":"x"}'),
    ("an approved result that is not an object", json.dumps({"approvals": [{"id": APPROVAL_ID, "status": "approved", "result": [1]}]}).encode()),
    ("notFound holding a list", b'{"approvals":[],"pending":[],"notFound":[["x"]]}'),
    ("JSON nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("body", [body for _, body in MALFORMED_WAITS], ids=[name for name, _ in MALFORMED_WAITS])
async def test_a_malformed_wait_answer_fails_the_gate_at_once_and_the_next_gate_works(kind: str, body: bytes) -> None:
    answers = [raw(body)]

    def waits(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else approve_all(request)

    async with driven(kind, requested, waits=waits) as gh:
        started = time.monotonic()
        with pytest.raises(GatehouseError) as raised:
            await asyncio.wait_for(gh.gate("deploy.prod", deadline=5), 8)
        assert time.monotonic() - started < 2
        assert raised.value.code == "INVALID_RESPONSE"
        assert await asyncio.wait_for(gh.gate("deploy.prod", deadline=5), 8) == executed_via(APPROVAL_ID)


FORGED: list[tuple[str, dict[str, Any]]] = [
    ("no result", {}),
    ("a null result", {"result": None}),
    ("a denial as the result", {"result": {"status": "denied", "denialReason": "CONDITIONS_DENIED", "auditEventId": "aud_9", "approvalId": APPROVAL_ID}}),
    ("a result still requested", {"result": {"status": "requested", "approvalId": APPROVAL_ID}}),
    ("another approval's executed result", {"result": {"status": "executed", "auditEventId": "aud_OTHER", "approvalId": OTHER_ID}}),
]
GENUINE: list[tuple[str, dict[str, Any]]] = [
    ("naming this approval", executed_via(APPROVAL_ID)),
    ("naming no approval", {"status": "executed", "auditEventId": "aud_1", "conditionsEvaluated": []}),
]


def answering(approval: dict[str, Any]) -> Handler:
    def waits(request: httpx.Request) -> httpx.Response:
        return ok({"approvals": [approval], "pending": [], "notFound": []})

    return waits


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("forged", [fields for _, fields in FORGED], ids=[name for name, _ in FORGED])
async def test_an_approval_said_approved_without_its_executed_action_never_lets_the_gate_through(kind: str, forged: dict[str, Any]) -> None:
    async with driven(kind, requested, waits=answering({"id": APPROVAL_ID, "status": "approved", **forged})) as gh:
        with pytest.raises(GatehouseError) as raised:
            await asyncio.wait_for(gh.gate("deploy.prod", deadline=5), 8)
    assert type(raised.value) is GatehouseError
    assert raised.value.code == "INVALID_RESPONSE"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("result", [result for _, result in GENUINE], ids=[name for name, _ in GENUINE])
async def test_an_approval_approved_with_its_executed_action_answers_it(kind: str, result: dict[str, Any]) -> None:
    async with driven(kind, requested, waits=answering({"id": APPROVAL_ID, "status": "approved", "result": result})) as gh:
        assert await asyncio.wait_for(gh.gate("deploy.prod", deadline=5), 8) == result


@pytest.mark.parametrize("kind", KINDS)
async def test_a_wait_answered_503_with_retry_after_0_does_not_spin(kind: str) -> None:
    asked: list[float] = []

    def busy(request: httpx.Request) -> httpx.Response:
        asked.append(time.monotonic())
        return httpx.Response(503, text="busy", headers={"retry-after": "0"})

    async with driven(kind, requested, waits=busy) as gh:
        with pytest.raises(ApprovalTimeoutError):
            await gh.gate("deploy.prod", deadline=1)
    assert 2 <= len(asked) <= 10


def test_close_ends_a_gate_waiting_in_another_thread() -> None:
    asked = threading.Event()

    async def held(request: httpx.Request) -> httpx.Response:
        asked.set()
        return await hold_then_pending(request)

    gh = Gatehouse(API_KEY, base_url=BASE, http_client=httpx.Client(transport=httpx.MockTransport(requested)), wait_http_client=async_client(held))
    raised: list[BaseException] = []

    def gate() -> None:
        try:
            gh.gate("deploy.prod", deadline=30)
        except BaseException as error:
            raised.append(error)

    waiting = threading.Thread(target=gate, daemon=True)
    waiting.start()
    assert asked.wait(5)
    closed = time.monotonic()
    gh.close()
    waiting.join(max(0.0, closed + 2 - time.monotonic()))
    assert not waiting.is_alive()
    (error,) = raised
    assert isinstance(error, GatehouseError) and error.code == "CLIENT_CLOSED"


@pytest.mark.parametrize("shared", [True, False], ids=["waits on the client's connection", "waits on wait_http_client"])
async def test_aclose_ends_a_gate_waiting(shared: bool) -> None:
    asked = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v1/approvals/wait":
            return requested(request)
        asked.set()
        return await hold_then_pending(request)

    gh = AsyncGatehouse(API_KEY, base_url=BASE, http_client=async_client(handler), wait_http_client=None if shared else async_client(handler))
    gate = asyncio.create_task(gh.gate("deploy.prod", deadline=30))
    await asyncio.wait_for(asked.wait(), 5)
    await gh.aclose()
    with pytest.raises(GatehouseError) as raised:
        await asyncio.wait_for(gate, 2)
    assert raised.value.code == "CLIENT_CLOSED"


# --- decisions


@pytest.mark.parametrize(
    ("result", "raises", "code"),
    [
        ({}, GatehouseError, "INVALID_RESPONSE"),
        ({"status": "error"}, GatehouseError, "INVALID_RESPONSE"),
        ({"status": "DENIED"}, GatehouseError, "INVALID_RESPONSE"),
        ({"status": "denied", "denialReason": "CONDITIONS_DENIED", "auditEventId": "aud_2"}, DeniedError, "CONDITIONS_DENIED"),
        ({"status": "executed"}, None, None),
        ({"status": "requested"}, None, None),
    ],
    ids=["empty", "error", "DENIED", "denied", "executed", "requested"],
)
def test_assert_allowed_passes_only_executed_and_requested(result: dict[str, Any], raises: type[GatehouseError] | None, code: str | None) -> None:
    if raises is None:
        assert_allowed(result)
        return
    with pytest.raises(GatehouseError) as raised:
        assert_allowed(result)
    assert (type(raised.value), raised.value.code) == (raises, code)


NOT_DECISIONS: list[tuple[str, bytes]] = [
    ("null", b"null"),
    ("a list", b"[]"),
    ("a string", b'"executed"'),
    ("an empty object", b"{}"),
    ("an unknown status", b'{"status":"EXECUTED"}'),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("verb", ["execute", "can_i", "gate"])
@pytest.mark.parametrize("body", [body for _, body in NOT_DECISIONS], ids=[name for name, _ in NOT_DECISIONS])
async def test_an_answer_that_is_not_a_decision_is_invalid_response(kind: str, verb: str, body: bytes) -> None:
    async with driven(kind, lambda request: raw(body)) as gh:
        with pytest.raises(GatehouseError) as raised:
            await getattr(gh, verb)("deploy.prod")
    assert type(raised.value) is GatehouseError
    assert raised.value.code == "INVALID_RESPONSE"


# --- bodies


@pytest.mark.parametrize("kind", KINDS)
async def test_a_body_over_32_mib_is_refused_unread_and_not_retried(kind: str) -> None:
    bodies: list[Chunks] = []

    def huge(request: httpx.Request) -> httpx.Response:
        mib = b"A" * MIB
        bodies.append(Chunks(itertools.chain([b'{"x":"'], itertools.repeat(mib, 40), [b'"}'])))
        return httpx.Response(200, stream=bodies[-1], headers={"content-type": "application/json"})

    async with driven(kind, huge) as gh:
        with pytest.raises(GatehouseError) as raised:
            await gh.whoami()
    assert raised.value.code == "RESPONSE_TOO_LARGE"
    (body,) = bodies
    assert body.served < 40


@asynccontextmanager
async def trickling_server() -> AsyncIterator[str]:
    """A real server answering every request with its headers, then a body of one byte every 0.3 s:
    each read arrives well within a read timeout, so only a bound on the whole answer ends it."""
    handlers: set[asyncio.Task[Any]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n")
            while True:
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.3)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_body_trickling_in_times_out_as_a_whole(kind: str) -> None:
    async with trickling_server() as url:
        async with driven(kind, None, base_url=url, timeout=1, max_retries=0) as gh:
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                await asyncio.wait_for(gh.whoami(), 6)
            assert time.monotonic() - started < 3


# --- the event stream


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The reconnection delays ``subscribe()`` asks for, in seconds, without waiting them out."""
    delays: list[float] = []
    real_sleep = asyncio.sleep

    async def async_sleep(seconds: float) -> None:
        delays.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(_async_client, "asyncio", types.SimpleNamespace(**{**vars(asyncio), "sleep": async_sleep}))
    monkeypatch.setattr(_client, "time", types.SimpleNamespace(**{**vars(time), "sleep": delays.append}))
    return delays


def streams(*bodies: str | Chunks) -> tuple[Handler, list[httpx.Request]]:
    """Answers each connection with the next body as an event stream, then 401: a ``subscribe()`` that
    does not get the events it should ends in ``AuthenticationError`` rather than hanging."""
    left = list(bodies)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if not left:
            return ok({"error": {"code": "INVALID_API_KEY", "message": "no"}}, 401)
        body = left.pop(0)
        stream = body if isinstance(body, Chunks) else Chunks([body.encode()])
        return httpx.Response(200, stream=stream, headers={"content-type": "text/event-stream"})

    return handle, seen


async def first_events(kind: str, handler: Handler, count: int) -> list[Event]:
    """The first ``count`` events ``subscribe()`` yields."""
    if kind == "sync":

        def run() -> list[Event]:
            with Gatehouse(API_KEY, base_url=BASE, http_client=httpx.Client(transport=httpx.MockTransport(handler))) as gh:
                events = cast(Generator[Event, None, None], gh.subscribe())
                try:
                    return list(itertools.islice(events, count))
                finally:
                    events.close()

        return await asyncio.to_thread(run)
    async with AsyncGatehouse(API_KEY, base_url=BASE, http_client=async_client(handler)) as gh:
        async_events = cast(AsyncGenerator[Event, None], gh.subscribe())
        try:
            return [await async_events.__anext__() for _ in range(count)]
        finally:
            await async_events.aclose()


@pytest.mark.usefixtures("slept")
@pytest.mark.parametrize("kind", KINDS)
async def test_a_line_over_1_mib_drops_the_stream_and_it_reconnects(kind: str) -> None:
    endless = Chunks(itertools.chain([b"data: " + b"A" * MIB], itertools.repeat(b"A" * MIB, 7)))
    handler, seen = streams(endless, 'id: 1\ndata: {"n":1}\n\n')
    events = await first_events(kind, handler, 1)
    assert [(e.id, e.data) for e in events] == [("1", {"n": 1})]
    assert endless.served < 8  # given up once too long, not read to the end
    assert len(seen) == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("retry", "least", "most"),
    [("1500", 1.5, 1.5), ("99999999999999", 0.0, 60.0), ("9" * 5000, 0.0, 60.0)],
    ids=["1.5 s", "3,000 years", "5,000 digits"],
)
async def test_retry_sets_the_reconnection_delay_up_to_a_minute(kind: str, retry: str, least: float, most: float, slept: list[float]) -> None:
    handler, _ = streams(f"retry: {retry}\n\nid: 1\ndata: {{}}\n\n", "id: 2\ndata: {}\n\n")
    events = await first_events(kind, handler, 2)
    assert [e.id for e in events] == ["1", "2"]
    (delay,) = slept
    assert least <= delay <= most


@pytest.mark.usefixtures("slept")
@pytest.mark.parametrize("kind", KINDS)
async def test_an_id_that_is_not_ascii_is_ignored(kind: str) -> None:
    handler, seen = streams('id: 7\ndata: {"n":1}\n\nid: é\ndata: {"n":2}\n\n', 'id: 8\ndata: {"n":3}\n\n')
    events = await first_events(kind, handler, 3)
    assert [(e.id, e.data) for e in events] == [("7", {"n": 1}), ("7", {"n": 2}), ("8", {"n": 3})]
    assert [request.headers.get("last-event-id") for request in seen] == [None, "7"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "answer",
    [
        lambda: httpx.Response(503, text="busy", headers={"retry-after": "0"}),
        lambda: httpx.Response(200, content=b"", headers={"content-type": "text/event-stream"}),
    ],
    ids=["503 with Retry-After: 0", "a stream that ends at once"],
)
async def test_subscribe_reconnects_at_most_a_few_times_a_second(kind: str, answer: Callable[[], httpx.Response]) -> None:
    asked: list[float] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(time.monotonic())
        if asked[-1] - asked[0] > 1:
            return ok({"error": {"code": "INVALID_API_KEY", "message": "no"}}, 401)
        return answer()

    with pytest.raises(AuthenticationError):
        await first_events(kind, handle, 1)
    assert 2 <= len(asked) - 1 <= 5


# --- audit export


def bundle_response(body: bytes | Chunks, headers: Iterable[tuple[bytes, bytes]] = ()) -> httpx.Response:
    stream = body if isinstance(body, Chunks) else Chunks([body])
    return httpx.Response(200, stream=stream, headers=[(b"content-type", b"application/x-ndjson"), *headers])


@pytest.mark.parametrize("kind", KINDS)
async def test_export_never_writes_through_a_file_planted_beside_the_target(kind: str, tmp_path: Path) -> None:
    victim = tmp_path / "victim.conf"
    victim.write_text("precious=1\n")
    target = tmp_path / "bundle.jsonl"
    (tmp_path / "bundle.jsonl.part").symlink_to(victim)
    bundle = b'{"type":"entry","seq":0}\n'
    async with driven(kind, lambda request: bundle_response(bundle)) as gh:
        result = await gh.export(target)
    assert victim.read_text() == "precious=1\n"
    assert not target.is_symlink() and target.read_bytes() == bundle
    assert (result.path, result.size) == (os.fspath(target), len(bundle))


@pytest.mark.parametrize("kind", KINDS)
async def test_two_exports_to_one_path_each_write_a_whole_bundle(kind: str, tmp_path: Path) -> None:
    bodies = {tag: [f'{{"from":"{tag}","line":{n}}}\n'.encode() for n in range(lines)] for tag, lines in (("A", 20), ("B", 10))}

    def slow(request: httpx.Request) -> httpx.Response:
        return bundle_response(Chunks(bodies[request.url.params["type"]], pause=0.01))

    target = tmp_path / "bundle.jsonl"
    async with driven(kind, slow) as gh:
        first, second = await asyncio.gather(gh.export(target, type="A"), gh.export(target, type="B"))
    whole = {tag: b"".join(lines) for tag, lines in bodies.items()}
    assert (first.size, second.size) == (len(whole["A"]), len(whole["B"]))
    assert target.read_bytes() in whole.values()
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("header", "tree_size"), [(b"42", 42), ("²".encode("latin-1"), None), (b"9" * 5000, None)], ids=["42", "superscript two", "5,000 digits"])
async def test_the_tree_size_is_read_only_from_plain_digits(kind: str, header: bytes, tree_size: int | None, tmp_path: Path) -> None:
    target = tmp_path / "bundle.jsonl"
    async with driven(kind, lambda request: bundle_response(b"{}\n", [(b"x-gatehouse-tree-size", header)])) as gh:
        result = await gh.export(target)
    assert result.tree_size == tree_size
    assert target.read_bytes() == b"{}\n"
