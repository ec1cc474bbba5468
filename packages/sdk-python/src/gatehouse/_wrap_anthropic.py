"""``wrap_anthropic``: the official Anthropic Python client (``Anthropic`` or ``AsyncAnthropic``), governed.
Every message (``messages.create``, streamed or not, and the ``messages.stream()`` helper) is screened and
decided by Gatehouse first, as the action ``llm.anthropic.<model>`` declaring its spend; a refused call
raises the SDK's ``DeniedError`` or ``BudgetExceededError`` and sends nothing. The twin of
``@gatehouse/anthropic`` (docs/model-clients.md, docs/guardrails.md).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ._model_calls import (
    WRAPPED,
    AsyncGovernedStream,
    AsyncModelCalls,
    Declared,
    GovernedStream,
    ModelCall,
    Options,
    SyncModelCalls,
    estimate_tokens,
    is_async_client,
    token_count,
)
from ._objects import plain, restore_object
from ._screen import StreamRestorer
from ._version import VERSION

if TYPE_CHECKING:
    from ._async_client import AsyncGatehouse
    from ._client import Gatehouse

INTEGRATION = f"anthropic/{VERSION}"
C = TypeVar("C")


def wrap_anthropic(
    client: C,
    gatehouse: Gatehouse | AsyncGatehouse,
    *,
    run_id: str | None = None,
    run_name: str | None = None,
    default_max_output_tokens: int = 4096,
    metadata: dict[str, Any] | None = None,
    on_report_error: Callable[[BaseException, str], Any] | None = None,
    restore_personal_data: bool = True,
    screen_answers: bool = True,
    screen_instructions: bool = True,
) -> C:
    """Governs ``client``'s messages with ``gatehouse`` and answers the same client: ``Anthropic`` takes a
    ``Gatehouse``, ``AsyncAnthropic`` an ``AsyncGatehouse``. The options are ``wrap_openai``'s."""
    options = Options(
        run_id=run_id if run_id is not None else gatehouse.run_id,
        run_name=run_name,
        default_max_output_tokens=default_max_output_tokens,
        metadata=metadata,
        on_report_error=on_report_error,
        restore_personal_data=restore_personal_data,
        screen_answers=screen_answers,
        screen_instructions=screen_instructions,
    )
    messages: Any = cast(Any, client).messages
    is_async = is_async_client(client, messages.create)
    if is_async != inspect.iscoroutinefunction(gatehouse.gate):
        raise TypeError("wrap_anthropic: an Anthropic client takes a Gatehouse, an AsyncAnthropic client an AsyncGatehouse")
    create, stream = messages.create, messages.stream
    if is_async:
        async_calls = AsyncModelCalls(cast("AsyncGatehouse", gatehouse), "anthropic", INTEGRATION, options)

        async def governed_async(**body: Any) -> Any:
            declared = _declared(body, options.default_max_output_tokens)
            call = await async_calls.decide(declared)
            try:
                raw = await create(**call.outgoing(body))
            except Exception:
                call.failed()
                raise
            return AsyncGovernedStream(raw, call, _Meter(declared.model), _Screen(call)) if declared.stream else _answer(call, raw, declared.model)

        def governed_stream_async(**body: Any) -> _AsyncManager:
            async def open_manager() -> Any:
                declared = _declared({**body, "stream": True}, options.default_max_output_tokens)
                call = await async_calls.decide(declared)
                manager = stream(**call.outgoing(body))
                request = _private(manager, "_AsyncMessageStreamManager__api_request")

                async def governed_request() -> Any:
                    try:
                        raw = await request
                    except Exception:
                        call.failed()
                        raise
                    return AsyncGovernedStream(raw, call, _Meter(declared.model), _Screen(call))

                manager._AsyncMessageStreamManager__api_request = governed_request()
                return manager

            return _AsyncManager(open_manager)

        messages.create = governed_async
        messages.stream = governed_stream_async
        WRAPPED[client] = async_calls
        return client

    sync_calls = SyncModelCalls(cast("Gatehouse", gatehouse), "anthropic", INTEGRATION, options)

    def governed(**body: Any) -> Any:
        declared = _declared(body, options.default_max_output_tokens)
        call = sync_calls.decide(declared)
        try:
            raw = create(**call.outgoing(body))
        except Exception:
            call.failed()
            raise
        return GovernedStream(raw, call, _Meter(declared.model), _Screen(call)) if declared.stream else _answer(call, raw, declared.model)

    def governed_stream(**body: Any) -> _Manager:
        def open_manager() -> Any:
            declared = _declared({**body, "stream": True}, options.default_max_output_tokens)
            call = sync_calls.decide(declared)
            manager = stream(**call.outgoing(body))
            request = _private(manager, "_MessageStreamManager__api_request")

            def governed_request() -> Any:
                try:
                    raw = request()
                except Exception:
                    call.failed()
                    raise
                return GovernedStream(raw, call, _Meter(declared.model), _Screen(call))

            manager._MessageStreamManager__api_request = governed_request
            return manager

        return _Manager(open_manager)

    messages.create = governed
    messages.stream = governed_stream
    WRAPPED[client] = sync_calls
    return client


def _private(manager: Any, name: str) -> Any:
    """The stream manager's request, which the wrapper takes over; a version of the SDK without it is refused (fail closed)."""
    if not hasattr(manager, name):
        raise TypeError("This version of the anthropic SDK is not one the Gatehouse wrapper knows: its stream manager has no request to govern")
    return getattr(manager, name)


class _Manager:
    """``messages.stream()`` governed: the decision is asked when the ``with`` block is entered."""

    def __init__(self, open_manager: Callable[[], Any]) -> None:
        self._open = open_manager
        self._inner: Any = None

    def __enter__(self) -> Any:
        self._inner = self._open()
        return self._inner.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        return self._inner.__exit__(*exc) if self._inner is not None else None


class _AsyncManager:
    """``messages.stream()`` of an async client governed: the decision is asked when the ``async with`` block is entered."""

    def __init__(self, open_manager: Callable[[], Any]) -> None:
        self._open = open_manager
        self._inner: Any = None

    async def __aenter__(self) -> Any:
        self._inner = await self._open()
        return await self._inner.__aenter__()

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._inner.__aexit__(*exc) if self._inner is not None else None


def _given(value: Any) -> Any:
    return None if value is None or type(value).__name__ in ("Omit", "NotGiven") else value


def _declared(body: dict[str, Any], default_max: int) -> Declared:
    maximum = _given(body.get("max_tokens"))
    return Declared(
        request=plain({k: v for k, v in body.items() if _given(v) is not None}),
        model=str(body.get("model")),
        input_tokens=estimate_tokens([plain(_given(body.get(key))) for key in ("system", "messages", "tools")]),
        max_output_tokens=token_count(maximum if isinstance(maximum, int) else default_max),
        stream=_given(body.get("stream")) is True,
        prompt={key: body.get(key) for key in ("system", "messages") if _given(body.get(key)) is not None},
    )


def _usage(model: str, usage: Any) -> dict[str, Any]:
    """Anthropic counts cache reads and writes apart from ``input_tokens``; Gatehouse's ``inputTokens`` is all three."""
    read = getattr(usage, "cache_read_input_tokens", None) or 0
    written = getattr(usage, "cache_creation_input_tokens", None) or 0
    out: dict[str, Any] = {"model": model, "inputTokens": (getattr(usage, "input_tokens", None) or 0) + read + written, "outputTokens": usage.output_tokens}
    if read:
        out["cachedInputTokens"] = read
    if written:
        out["cacheWriteTokens"] = written
    return out


def _answer(call: ModelCall, message: Any, model: str) -> Any:
    call.screen(plain(getattr(message, "content", None)), ["content"])
    restore_object(message, call.restore)
    usage = getattr(message, "usage", None)
    call.succeeded(_usage(getattr(message, "model", None) or model, usage) if usage is not None else None)
    return message


class _Meter:
    """``message_start`` carries the input's usage, ``message_delta`` the output's; complete with ``message_delta``."""

    def __init__(self, model: str) -> None:
        self._model = model
        self._counts: Any = None
        self._output: int | None = None
        self._complete = False

    def see(self, event: Any) -> bool:
        if event.type == "message_start":
            self._model = getattr(event.message, "model", None) or self._model
            self._counts = event.message.usage
        elif event.type == "message_delta":
            self._output = event.usage.output_tokens
            self._complete = True
        return True

    def _now(self) -> dict[str, Any] | None:
        if self._counts is None:
            return None
        counts = _usage(self._model, self._counts)
        if self._output is not None:
            counts["outputTokens"] = self._output
        return counts

    def usage(self) -> dict[str, Any] | None:
        return self._now() if self._complete else None

    def seen(self) -> dict[str, Any] | None:
        return self._now()

    def failed(self) -> bool:
        return False


class _Screen:
    """Each content block's text and tool input kept for the answer screen and restored; text held back at
    a block's end is yielded as one more delta of its kind before the ``content_block_stop``."""

    def __init__(self, call: ModelCall) -> None:
        self._call = call
        self._open: dict[int, tuple[StreamRestorer, Any]] = {}

    def _flush(self, index: int) -> list[Any]:
        entry = self._open.pop(index, None)
        if entry is None or not entry[0].holding:
            return []
        restorer, last = entry
        held = last.model_copy(deep=True)
        text = restorer.end()
        if held.delta.type == "text_delta":
            held.delta.text = text
        else:
            held.delta.partial_json = text
        return [held]

    def _restored(self, event: Any, text: str) -> str:
        if not self._call.restores:
            return text
        restorer = self._open[event.index][0] if event.index in self._open else self._call.restorer()
        self._open[event.index] = (restorer, event)
        return restorer.push(text)

    def pass_(self, event: Any) -> list[Any]:
        if event.type == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta":
                self._call.streamed(["content", event.index, "text"], delta.text)
                delta.text = self._restored(event, delta.text)
            elif delta.type == "input_json_delta":
                self._call.streamed(["content", event.index, "input"], delta.partial_json)
                delta.partial_json = self._restored(event, delta.partial_json)
            return [event]
        if event.type == "content_block_stop":
            return [*self._flush(event.index), event]
        restore_object(event, self._call.restore)
        return [event]

    def end(self) -> list[Any]:
        return [held for index in list(self._open) for held in self._flush(index)]
