"""How one model call of a provider's official Python client is governed (docs/model-clients.md,
docs/guardrails.md), whatever the provider: its prompt screened in this process, decided by Gatehouse
before a request leaves (``gate``, with the spend it declares and what the screen found), its prompt
rewritten by the rules the decision answers, then settled with the usage the provider reported
(``report``, off the call's path). The twin of ``@gatehouse/sdk/model-call``; the provider-specific parts
are in ``_wrap_openai.py`` and ``_wrap_anthropic.py``.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import inspect
import json
import math
import re
import secrets
import threading
import time
import warnings
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from ._org_detectors import NotingScan, OrgDetectorScan, OrgDetectorWarning, ScannedTexts, listed_names, own_findings
from ._screen import LocalFinding, PlaceholderVault, StreamRestorer, find_in_value, redact_for_provider, screen_answer

if TYPE_CHECKING:
    from ._async_client import AsyncGatehouse
    from ._client import Gatehouse

#: The output tokens a request that states no maximum declares, unless ``default_max_output_tokens`` says otherwise.
DEFAULT_MAX_OUTPUT_TOKENS = 4096
_MAX_TOKENS = 10_000_000
#: The rules a call is held to when the decision's answer names none (an approval's): the strictest that still sends.
_STRICTEST_SENDING: dict[str, str] = {"secrets": "redact", "personalData": "redact"}
#: How much of an answer's text is kept per place for the answer screen.
_MAX_ANSWER_TEXT = 1 << 20
#: How long the list of the org's own detectors, once read, is kept before it is read again (seconds).
ORG_DETECTORS_TTL = 60.0
#: Scans of one screen's texts under way at once in an async client (``POST /v1/scan``, one text each).
_SCANS_AT_ONCE = 4


Status = Literal["success", "failure", "partial"]
#: An answer's screen, run when its outcome is reported: with the org's detectors over its texts, or without them.
AnswerScreen = Callable[[OrgDetectorScan | None], list[LocalFinding]]


def action_type_of(provider: str, model: str) -> str:
    """``llm.<provider>.<model>``: the model lower-cased, every character an action type cannot hold made ``-``."""
    slug = re.sub(r"[^a-z0-9._:-]", "-", model.lower())
    return f"llm.{provider}.{slug or 'unknown'}"[:128]


def estimate_tokens(parts: list[Any]) -> int:
    """One token per 4 characters of the request's parts (strings as they are, anything else as JSON), rounded up."""
    characters = 0
    for part in parts:
        if part is None:
            continue
        characters += len(part) if isinstance(part, str) else len(json.dumps(part, default=str, separators=(",", ":")))
    return min(_MAX_TOKENS, math.ceil(characters / 4))


def token_count(value: float) -> int:
    """A declared maximum as the API takes it: a whole number of tokens from 0 to its limit."""
    return min(_MAX_TOKENS, max(0, math.ceil(value)))


def request_digest(request: Any) -> str:
    """Hex SHA-256 of the request's JSON: tells a conversation's turns apart for loop detection, never holds the prompt."""
    return hashlib.sha256(json.dumps(request, default=str, separators=(",", ":")).encode("utf-8")).hexdigest()


def _random_tag() -> str:
    return secrets.token_hex(4)


@dataclass
class Declared:
    """What a request declares before it is sent."""

    request: Any
    model: str
    input_tokens: int
    max_output_tokens: int
    stream: bool
    #: The parts of the request the model will read, by their keyword in the request: screened, and rewritten by the rules.
    prompt: dict[str, Any]
    tier: str | None = None


@dataclass
class Options:
    """Options of ``wrap_openai`` and ``wrap_anthropic`` (their docstrings say each one's default)."""

    run_id: str | None = None
    run_name: str | None = None
    default_max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    metadata: Mapping[str, Any] | None = None
    on_report_error: Callable[[BaseException, str], Any] | None = None
    restore_personal_data: bool = True
    screen_answers: bool = True
    screen_instructions: bool = True

    def __post_init__(self) -> None:
        if not (isinstance(self.default_max_output_tokens, int) and 0 <= self.default_max_output_tokens <= _MAX_TOKENS):
            raise TypeError(f"default_max_output_tokens must be a whole number from 0 to {_MAX_TOKENS}")


@dataclass
class ModelCall:
    """One allowed call: its rules, its placeholders, what the answer screen found; settled once."""

    audit_event_id: str
    declared: Declared
    content: dict[str, str]
    options: Options
    settle: Callable[[Status, Mapping[str, Any] | None, AnswerScreen | None], None]
    vault: PlaceholderVault = field(init=False)
    outgoing_parts: dict[str, Any] = field(default_factory=dict)
    #: The answer's parts as the provider sent them (copies: the caller's answer is restored), screened with the outcome.
    answered: list[tuple[list[str | int], Any]] = field(default_factory=list)
    texts: dict[str, tuple[list[str | int], list[str], int]] = field(default_factory=dict)
    settled: bool = False
    #: The org's own detectors over the prompt's texts, run by Gatehouse (None when the org has none).
    org: OrgDetectorScan | None = None

    def __post_init__(self) -> None:
        self.vault = PlaceholderVault(_random_tag, restore=self.options.restore_personal_data)

    def prepare(self) -> list[LocalFinding]:
        """Rewrites the prompt's parts by the call's rules; answers what a class set to ``deny`` found."""
        if not any(self.content.get(kind) in ("redact", "deny") for kind in ("secrets", "personalData")):
            return []
        denied: list[LocalFinding] = []
        for key, part in self.declared.prompt.items():
            if part is None:
                continue
            value, refused = redact_for_provider(part, ["prompt", key], self.content, self.vault, self.org)
            denied.extend(refused)
            if value is not part:
                self.outgoing_parts[key] = value
        return denied

    def outgoing(self, body: dict[str, Any]) -> dict[str, Any]:
        """The request's keywords as they may leave: the prompt's parts as ``prepare`` rewrote them."""
        return {**body, **self.outgoing_parts} if self.outgoing_parts else body

    @property
    def _answer_screen(self) -> dict[str, bool] | None:
        if not self.options.screen_answers:
            return None
        return {
            "secrets": self.content.get("secrets") != "off",
            "personal_data": self.content.get("personalData") != "off",
            "instructions": self.options.screen_instructions,
        }

    def screen(self, value: Any, path: list[str | int]) -> None:
        """Keeps a part of an answer (as the provider sent it) at ``answer.<path>``, screened when the outcome is reported."""
        if self._answer_screen is not None:
            self.answered.append((path, copy.deepcopy(value)))

    def streamed(self, path: list[str | int], text: str) -> None:
        """Streamed answer text at ``answer.<path>``, kept (up to 1 MiB per place) for the screen when the stream ends."""
        if self._answer_screen is None or not text:
            return
        key = json.dumps(path)
        where, pieces, size = self.texts.get(key, (path, [], 0))
        if size < _MAX_ANSWER_TEXT:
            piece = text[: _MAX_ANSWER_TEXT - size]
            pieces.append(piece)
            size += len(piece)
        self.texts[key] = (where, pieces, size)

    def restore(self, text: str) -> str:
        return self.vault.restore(text)

    def restorer(self) -> StreamRestorer:
        return StreamRestorer(self.vault)

    @property
    def restores(self) -> bool:
        return self.vault.restores

    def succeeded(self, usage: Mapping[str, Any] | None) -> None:
        self._settle("success", usage if usage is not None else self.maximum())

    def stopped(self, seen: Mapping[str, Any] | None = None) -> None:
        self._settle("partial", self.maximum(seen))

    def failed(self) -> None:
        self._settle("failure", None)

    def maximum(self, seen: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The declared maximum as usage, flagged ``estimated``."""
        base: dict[str, Any] = dict(seen) if seen is not None else {"inputTokens": self.declared.input_tokens}
        base["model"] = base.get("model") or self.declared.model
        base["outputTokens"] = max(self.declared.max_output_tokens, int(base.get("outputTokens") or 0))
        base["estimated"] = True
        return base

    def _settle(self, status: Status, usage: Mapping[str, Any] | None) -> None:
        if self.settled:
            return
        self.settled = True
        screen = self._answer_screen
        kept: list[tuple[list[str | int], Any]] = [*self.answered, *((where, "".join(pieces)) for where, pieces, _ in self.texts.values())]
        self.answered = []
        self.texts.clear()
        if screen is None or not kept:
            self.settle(status, usage, None)
            return
        asked = screen

        def screened(org: OrgDetectorScan | None) -> list[LocalFinding]:
            return [found for path, value in kept for found in screen_answer(value, ["answer", *path], **asked, org=org)]

        self.settle(status, usage, screened)


def _spend(declared: Declared) -> dict[str, Any]:
    spend: dict[str, Any] = {"model": declared.model, "inputTokens": declared.input_tokens, "maxOutputTokens": declared.max_output_tokens}
    if declared.tier is not None:
        spend["tier"] = declared.tier
    return spend


def _metadata(provider: str, declared: Declared, options: Options, digest: bool = True) -> dict[str, Any]:
    metadata = {**(options.metadata or {}), "provider": provider, "model": declared.model, "stream": declared.stream}
    if digest:
        metadata["requestDigest"] = request_digest(declared.request)
    return metadata


def _asking(declared: Declared, provider: str, options: Options, asked: dict[str, Any], org: OrgDetectorScan | None) -> dict[str, Any]:
    """What a call's decision is asked with: its spend, its metadata, what the screen found in its prompt (screened
    here, in this process: only detector, class and path go to Gatehouse); a call held for approval answers its
    rules first, into ``asked`` (the approval's answer may not repeat them)."""
    return {
        "spend": _spend(declared),
        "metadata": _metadata(provider, declared, options),
        "screened": find_in_value(declared.prompt, ["prompt"], org),
        "on_requested": lambda requested: asked.update(requested.get("content") or {}),
        "run_id": options.run_id,
        "run_name": options.run_name,
    }


def _allowed(
    result: Mapping[str, Any],
    declared: Declared,
    options: Options,
    asked: dict[str, Any],
    report: Callable[[str, Status, Mapping[str, Any] | None, AnswerScreen | None], None],
    org: OrgDetectorScan | None,
) -> tuple[ModelCall, list[LocalFinding]]:
    """The allowed call, its prompt rewritten by the rules the decision answered; and what a class set to ``deny``
    found that the decision did not see (past its 100 findings), when anything: then the call is failed, and not sent."""
    audit_event_id = str(result["auditEventId"])
    content = dict(result.get("content") or asked or _STRICTEST_SENDING)
    call = ModelCall(audit_event_id, declared, content, options, lambda status, usage, screened: report(audit_event_id, status, usage, screened), org=org)
    denied = call.prepare()
    if denied:
        call.failed()
    return call, denied


def _asking_again(declared: Declared, provider: str, options: Options, denied: list[LocalFinding]) -> dict[str, Any]:
    """A refused value the decision did not see, asked again with just those: Gatehouse refuses and records it,
    and its ``DeniedError`` is raised."""
    return {"spend": _spend(declared), "metadata": _metadata(provider, declared, options, digest=False), "screened": denied[:100], "run_id": options.run_id}


def _noting_prompt(declared: Declared, noting: OrgDetectorScan) -> None:
    """The prompt's screens as a decision runs them (its findings, then its parts rewritten), shown to ``noting``."""
    find_in_value(declared.prompt, ["prompt"], noting)
    vault = PlaceholderVault(_random_tag, restore=False)
    for key, part in declared.prompt.items():
        if part is not None:
            redact_for_provider(part, ["prompt", key], _STRICTEST_SENDING, vault, noting)


def _heard(options: Options, error: BaseException, audit_event_id: str) -> None:
    """Tells ``on_report_error`` of a failure of a report (or of the screen that goes with it); a listener's own error is dropped."""
    listener = options.on_report_error
    if listener is not None:
        try:
            listener(error, audit_event_id)
        except Exception:  # noqa: BLE001
            pass


class _OrgDetectors:
    """The org's own detectors, by name, as one wrapped client last listed them (``GET /v1/content/detectors/screen``:
    names and classes, never patterns), listed again once ORG_DETECTORS_TTL has passed. When they cannot be listed
    (Gatehouse unreachable, an older server), the screens run the built-in table (with the list last read, if any)
    and the call goes on: a call Gatehouse cannot be asked about is refused by ``gate`` anyway. One warning says so."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.names: Sequence[str] = ()
        self.warned = False

    def due(self) -> bool:
        return self.at is None or time.monotonic() - self.at >= ORG_DETECTORS_TTL

    def read(self, answer: Mapping[str, Any]) -> Sequence[str]:
        self.at = time.monotonic()
        try:
            self.names = listed_names(answer)
        except TypeError as error:
            return self.failed(error)
        return self.names

    def failed(self, error: BaseException) -> Sequence[str]:
        self.at = time.monotonic()
        if not self.warned:
            self.warned = True
            warnings.warn(
                f"Gatehouse: the org's content detectors could not be read ({type(error).__name__}: {error}); this client's "
                "screens run the built-in detectors until they can be (docs/guardrails.md, Limits)",
                OrgDetectorWarning,
                stacklevel=4,
            )
        return self.names


class SyncModelCalls:
    """The governed calls of one wrapped sync client: decided with a sync ``Gatehouse``, reported on a worker thread."""

    def __init__(self, gatehouse: Gatehouse, provider: str, integration: str, options: Options) -> None:
        self.gatehouse = gatehouse.with_integration(integration)
        self.provider = provider
        self.options = options
        self._reports = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gatehouse-reports")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._org = _OrgDetectors()
        self._org_lock = threading.Lock()

    def org_detectors(self) -> Sequence[str]:
        """The names of the org's own detectors (docs/content-detectors.md), listed once per ORG_DETECTORS_TTL for every call of this client."""
        with self._org_lock:
            if not self._org.due():
                return self._org.names
            try:
                answer = self.gatehouse.content_detectors()
            except Exception as error:  # noqa: BLE001 - the screen goes on with the table (observation fails open)
                return self._org.failed(error)
            return self._org.read(answer)

    def org_scan(self, walk: Callable[[OrgDetectorScan], object]) -> OrgDetectorScan | None:
        """The org's own detectors for one screen, run by Gatehouse (``POST /v1/scan``) on the texts ``walk`` shows them;
        None when the org has none (then no text leaves). Raises when a text cannot be scanned."""
        names = self.org_detectors()
        if not names:
            return None
        noting = NotingScan(len(names))
        walk(noting)
        found = {text: own_findings(self.gatehouse.scan(text=sent), names) for text, sent in zip(noting.texts, noting.to_scan(), strict=True)}
        return ScannedTexts(len(names), found)

    def decide(self, declared: Declared) -> ModelCall:
        """Asks Gatehouse whether the call may go (at once, or once a person approves); raises the SDK's errors when refused."""
        asked: dict[str, Any] = {}
        # The org's own detectors run in Gatehouse (their patterns are not an agent's to read): when the org has any,
        # the prompt's texts are scanned there first, nothing stored.
        org = self.org_scan(lambda noting: _noting_prompt(declared, noting))
        result = self.gatehouse.gate(action_type_of(self.provider, declared.model), **_asking(declared, self.provider, self.options, asked, org))
        call, denied = _allowed(result, declared, self.options, asked, self.report, org)
        if denied:
            self.gatehouse.gate(action_type_of(self.provider, declared.model), **_asking_again(declared, self.provider, self.options, denied))
            raise RuntimeError("Gatehouse allowed a prompt its content rules deny; nothing was sent")
        return call

    def report(self, audit_event_id: str, status: Status, usage: Mapping[str, Any] | None, screened: AnswerScreen | None) -> None:
        def send() -> None:
            try:
                found: list[LocalFinding] = []
                if screened is not None:
                    # The org's detectors only flag in an answer: when Gatehouse cannot run them, the outcome still goes.
                    try:
                        org = self.org_scan(screened)
                    except Exception as error:  # noqa: BLE001 - heard, and the table's findings go
                        _heard(self.options, error, audit_event_id)
                        org = None
                    found = screened(org)[:100]
                self.gatehouse.report(audit_event_id, status, usage=usage, screened=found or None)
            except BaseException as error:  # noqa: BLE001 - a report never touches the answer
                _heard(self.options, error, audit_event_id)

        future = self._reports.submit(send)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(lambda done: self._discard(done))

    def _discard(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def flush(self) -> None:
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            for future in pending:
                future.result()


class AsyncModelCalls:
    """The governed calls of one wrapped async client: decided with an ``AsyncGatehouse``, reported in tasks."""

    def __init__(self, gatehouse: AsyncGatehouse, provider: str, integration: str, options: Options) -> None:
        self.gatehouse = gatehouse.with_integration(integration)
        self.provider = provider
        self.options = options
        self._pending: set[asyncio.Task[None]] = set()
        self._org = _OrgDetectors()
        self._org_read: asyncio.Future[Sequence[str]] | None = None

    async def org_detectors(self) -> Sequence[str]:
        """``SyncModelCalls.org_detectors``, awaited (calls under way while they are read wait for the one read)."""
        if self._org_read is not None and not self._org_read.done():
            return await asyncio.shield(self._org_read)
        if not self._org.due():
            return self._org.names
        reading: asyncio.Future[Sequence[str]] = asyncio.get_running_loop().create_future()
        self._org_read = reading
        names = self._org.names
        try:
            names = self._org.read(await self.gatehouse.content_detectors())
        except Exception as error:  # noqa: BLE001 - the screen goes on with the table (observation fails open)
            names = self._org.failed(error)
        finally:
            # Also when this call is cancelled: the calls waiting for this read go on with what was read before.
            if not reading.done():
                reading.set_result(names)
        return names

    async def org_scan(self, walk: Callable[[OrgDetectorScan], object]) -> OrgDetectorScan | None:
        """``SyncModelCalls.org_scan``, awaited: at most _SCANS_AT_ONCE texts scanned at once."""
        names = await self.org_detectors()
        if not names:
            return None
        noting = NotingScan(len(names))
        walk(noting)
        at_once = asyncio.Semaphore(_SCANS_AT_ONCE)

        async def scanned(sent: str) -> list[tuple[str, str, int, int]]:
            async with at_once:
                return own_findings(await self.gatehouse.scan(text=sent), names)

        results = await asyncio.gather(*(scanned(sent) for sent in noting.to_scan()))
        return ScannedTexts(len(names), dict(zip(noting.texts, results, strict=True)))

    async def decide(self, declared: Declared) -> ModelCall:
        """``SyncModelCalls.decide``, awaited."""
        asked: dict[str, Any] = {}
        org = await self.org_scan(lambda noting: _noting_prompt(declared, noting))
        result = await self.gatehouse.gate(action_type_of(self.provider, declared.model), **_asking(declared, self.provider, self.options, asked, org))
        call, denied = _allowed(result, declared, self.options, asked, self.report, org)
        if denied:
            await self.gatehouse.gate(action_type_of(self.provider, declared.model), **_asking_again(declared, self.provider, self.options, denied))
            raise RuntimeError("Gatehouse allowed a prompt its content rules deny; nothing was sent")
        return call

    def report(self, audit_event_id: str, status: Status, usage: Mapping[str, Any] | None, screened: AnswerScreen | None) -> None:
        async def send() -> None:
            try:
                found: list[LocalFinding] = []
                if screened is not None:
                    try:
                        org = await self.org_scan(screened)
                    except Exception as error:  # noqa: BLE001 - heard, and the table's findings go
                        _heard(self.options, error, audit_event_id)
                        org = None
                    found = screened(org)[:100]
                await self.gatehouse.report(audit_event_id, status, usage=usage, screened=found or None)
            except BaseException as error:  # noqa: BLE001 - a report never touches the answer
                _heard(self.options, error, audit_event_id)

        task = asyncio.get_running_loop().create_task(send())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def flush(self) -> None:
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)


Item = TypeVar("Item")
Seen = TypeVar("Seen", contravariant=True)


class StreamMeter(Protocol[Seen]):
    """What watches a stream's events for its usage."""

    def see(self, item: Seen) -> bool:
        """Reads one event; False for one only the wrapper asked for (the caller does not see it)."""
        ...

    def usage(self) -> dict[str, Any] | None: ...

    def seen(self) -> dict[str, Any] | None: ...

    def failed(self) -> bool: ...


class StreamScreen(Protocol[Item]):
    """What a stream's events go through on their way to the caller: restored, held text yielded before what ends it."""

    def pass_(self, item: Item) -> list[Item]: ...

    def end(self) -> list[Item]: ...


def _settle_ended(call: ModelCall, meter: StreamMeter[Any], aborted: bool) -> None:
    if aborted:
        call.stopped(meter.seen())
    elif meter.failed():
        call.failed()
    else:
        usage = meter.usage()
        call.succeeded(usage if usage is not None else call.maximum(meter.seen()))


class GovernedStream(Generic[Item]):
    """The provider's sync stream as the caller gets it: every event as it came, restored; settled when it ends,
    ``partial`` when the caller stops early (``close()``, leaving a ``with``), ``failure`` when it fails."""

    def __init__(self, raw: Any, call: ModelCall, meter: StreamMeter[Item], screen: StreamScreen[Item]) -> None:
        self._raw = raw
        self._call = call
        self._meter = meter
        self._screen = screen
        self._iterator = self._events()

    def _events(self) -> Generator[Item, None, None]:
        ended = False
        try:
            for item in self._raw:
                if self._meter.see(item):
                    yield from self._screen.pass_(item)
            yield from self._screen.end()
            ended = True
        except Exception:
            self._call.failed()
            raise
        finally:
            if not ended:
                self._call.stopped(self._meter.seen())
        _settle_ended(self._call, self._meter, False)

    def __iter__(self) -> Iterator[Item]:
        return self._iterator

    def __next__(self) -> Item:
        return next(self._iterator)

    def __enter__(self) -> GovernedStream[Item]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._iterator.close()
        self._raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class AsyncGovernedStream(Generic[Item]):
    """The provider's async stream as the caller gets it (see ``GovernedStream``)."""

    def __init__(self, raw: Any, call: ModelCall, meter: StreamMeter[Item], screen: StreamScreen[Item]) -> None:
        self._raw = raw
        self._call = call
        self._meter = meter
        self._screen = screen
        self._iterator = self._events()

    async def _events(self) -> AsyncGenerator[Item, None]:
        ended = False
        try:
            async for item in self._raw:
                if self._meter.see(item):
                    for out in self._screen.pass_(item):
                        yield out
            for out in self._screen.end():
                yield out
            ended = True
        except Exception:
            self._call.failed()
            raise
        finally:
            if not ended:
                self._call.stopped(self._meter.seen())
        _settle_ended(self._call, self._meter, False)

    def __aiter__(self) -> AsyncIterator[Item]:
        return self._iterator

    async def __anext__(self) -> Item:
        return await self._iterator.__anext__()

    async def __aenter__(self) -> AsyncGovernedStream[Item]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._iterator.aclose()
        await self._raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


#: Each wrapped client's governed calls, for ``flush_reports``.
WRAPPED: weakref.WeakKeyDictionary[Any, SyncModelCalls | AsyncModelCalls] = weakref.WeakKeyDictionary()


def flush_reports(client: Any) -> None:
    """Waits until every outcome the wrapped sync ``client`` is reporting has been answered (reports go out
    after the model call returns, without holding it up): before a process exits, or in a test."""
    calls = WRAPPED.get(client)
    if isinstance(calls, AsyncModelCalls):
        raise TypeError("an async client's reports are awaited: await aflush_reports(client)")
    if calls is not None:
        calls.flush()


async def aflush_reports(client: Any) -> None:
    """``flush_reports`` for an async client (``AsyncOpenAI``, ``AsyncAnthropic``)."""
    calls = WRAPPED.get(client)
    if isinstance(calls, SyncModelCalls):
        calls.flush()
    elif calls is not None:
        await calls.flush()


def is_async_client(client: Any, method: Callable[..., Any]) -> bool:
    """Whether a provider's client is its async one: its method is a coroutine function, or (the SDKs wrap their
    methods in plain functions that answer coroutines) its class is named ``Async…`` (``AsyncOpenAI``, ``AsyncAnthropic``)."""
    return inspect.iscoroutinefunction(method) or any(cls.__name__.startswith("Async") for cls in type(client).__mro__)
