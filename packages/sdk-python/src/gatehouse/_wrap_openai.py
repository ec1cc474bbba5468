"""``wrap_openai``: the official OpenAI Python client (``OpenAI`` or ``AsyncOpenAI``), governed. Every chat
completion and every response (``chat.completions.create`` and ``parse``, ``responses.create``, and the SDK's
helpers built on them, such as ``chat.completions.stream()``) is screened and decided by Gatehouse first, as
the action ``llm.openai.<model>`` declaring its spend; a refused call raises the SDK's ``DeniedError`` or
``BudgetExceededError`` and sends nothing. The twin of ``@gatehouse/openai`` (docs/model-clients.md,
docs/guardrails.md).
"""

from __future__ import annotations

import importlib
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
    StreamMeter,
    StreamScreen,
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

INTEGRATION = f"openai/{VERSION}"
C = TypeVar("C")


def wrap_openai(
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
    """Governs ``client``'s model calls with ``gatehouse`` and answers the same client.

    ``OpenAI`` takes a ``Gatehouse``, ``AsyncOpenAI`` an ``AsyncGatehouse``. ``run_id``/``run_name``: the run
    the calls belong to (default: the client's run). ``default_max_output_tokens`` (4096): declared by a request
    that sets no maximum. ``metadata``: added to every decision's. ``on_report_error(error, audit_event_id)``:
    hears a report that failed (default: ignored). ``restore_personal_data`` (True): personal data the rules
    redacted from the prompt comes back in the answer. ``screen_answers`` (True): answers are screened, findings
    recorded on the outcome. ``screen_instructions`` (True): answers are also looked at for instructions aimed
    at the agent (a heuristic). ``flush_reports(client)`` waits for the reports under way."""
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
    resource: Any = client
    is_async = is_async_client(client, resource.chat.completions.create)
    calls: SyncModelCalls | AsyncModelCalls
    if is_async:
        if not inspect.iscoroutinefunction(gatehouse.gate):
            raise TypeError("wrap_openai: an AsyncOpenAI client takes an AsyncGatehouse")
        calls = AsyncModelCalls(cast("AsyncGatehouse", gatehouse), "openai", INTEGRATION, options)
    else:
        if inspect.iscoroutinefunction(gatehouse.gate):
            raise TypeError("wrap_openai: an OpenAI client takes a Gatehouse (an AsyncOpenAI client an AsyncGatehouse)")
        calls = SyncModelCalls(cast("Gatehouse", gatehouse), "openai", INTEGRATION, options)
    completions = resource.chat.completions
    completions.create = _governed(calls, completions.create, _chat_declared, _chat_answer, _chat_stream)
    completions.parse = _governed(calls, completions.parse, _chat_declared, _chat_answer, _chat_stream)
    responses = resource.responses
    responses.create = _governed(calls, responses.create, _responses_declared, _responses_answer, _responses_stream)
    WRAPPED[client] = calls
    return client


def _governed(
    calls: SyncModelCalls | AsyncModelCalls,
    create: Callable[..., Any],
    declare: Callable[[dict[str, Any], int], tuple[Declared, dict[str, Any]]],
    answer: Callable[[ModelCall, Any, str], Any],
    stream_parts: Callable[[ModelCall, bool, str], tuple[StreamMeter[Any], StreamScreen[Any]]],
) -> Callable[..., Any]:
    if isinstance(calls, AsyncModelCalls):
        async_calls = calls

        async def governed_async(**body: Any) -> Any:
            declared, sent = declare(body, async_calls.options.default_max_output_tokens)
            call = await async_calls.decide(declared)
            try:
                raw = await create(**call.outgoing(sent))
            except Exception:
                call.failed()
                raise
            if declared.stream:
                meter, screen = stream_parts(call, sent is not body and "stream_options" not in body, declared.model)
                return AsyncGovernedStream(raw, call, meter, screen)
            return answer(call, raw, declared.model)

        return governed_async

    sync_calls = calls

    def governed(**body: Any) -> Any:
        declared, sent = declare(body, sync_calls.options.default_max_output_tokens)
        call = sync_calls.decide(declared)
        try:
            raw = create(**call.outgoing(sent))
        except Exception:
            call.failed()
            raise
        if declared.stream:
            meter, screen = stream_parts(call, sent is not body and "stream_options" not in body, declared.model)
            return GovernedStream(raw, call, meter, screen)
        return answer(call, raw, declared.model)

    return governed


def _given(value: Any) -> Any:
    """A keyword the caller left out, or set to the SDK's ``omit``/``NOT_GIVEN``, is None here."""
    return None if value is None or type(value).__name__ in ("Omit", "NotGiven") else value


def _tier(value: Any) -> str | None:
    return value if value in ("flex", "priority") else None


def _chat_declared(body: dict[str, Any], default_max: int) -> tuple[Declared, dict[str, Any]]:
    stream = _given(body.get("stream")) is True
    # Usage comes on a stream's last chunk only when asked for: ask, unless the caller chose.
    sent = {**body, "stream_options": {"include_usage": True}} if stream and _given(body.get("stream_options")) is None else body
    maximum = _given(body.get("max_completion_tokens")) or _given(body.get("max_tokens")) or default_max
    declared = Declared(
        request=plain({k: v for k, v in body.items() if _given(v) is not None}),
        model=str(body.get("model")),
        input_tokens=estimate_tokens([plain(_given(body.get(key))) for key in ("messages", "tools", "functions", "response_format") if not isinstance(_given(body.get(key)), type)]),
        max_output_tokens=token_count(maximum * max(1, _given(body.get("n")) or 1)),
        stream=stream,
        prompt={"messages": body.get("messages")},
        tier=_tier(_given(body.get("service_tier"))),
    )
    return declared, sent


def _chat_usage(model: str, usage: Any) -> dict[str, Any] | None:
    if usage is None:
        return None
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    out: dict[str, Any] = {"model": model, "inputTokens": usage.prompt_tokens, "outputTokens": usage.completion_tokens}
    if cached:
        out["cachedInputTokens"] = cached
    return out


def _chat_answer(call: ModelCall, completion: Any, model: str) -> Any:
    for choice in getattr(completion, "choices", None) or []:
        call.screen(plain(choice.message), ["choices", choice.index, "message"])
    restore_object(completion, call.restore)
    call.succeeded(_chat_usage(getattr(completion, "model", None) or model, getattr(completion, "usage", None)))
    return completion


class _ChatMeter:
    def __init__(self, asked_for_usage: bool, model: str) -> None:
        self._asked = asked_for_usage
        self._model = model
        self._usage: dict[str, Any] | None = None

    def see(self, chunk: Any) -> bool:
        if getattr(chunk, "usage", None) is None:
            return True
        self._usage = _chat_usage(getattr(chunk, "model", None) or self._model, chunk.usage)
        return not (self._asked and not chunk.choices)

    def usage(self) -> dict[str, Any] | None:
        return self._usage

    def seen(self) -> dict[str, Any] | None:
        return None

    def failed(self) -> bool:
        return False


class _ChatScreen:
    """Each choice's text and tool-call arguments kept for the answer screen and restored; text held back
    at a choice's end is added to the chunk that ends it, and what is held at the stream's end comes in one
    more chunk like the last."""

    def __init__(self, call: ModelCall) -> None:
        self._call = call
        self._restorers: dict[tuple[int, int | None], StreamRestorer] = {}
        self._last: Any = None

    def _restored(self, choice: int, tool_call: int | None, text: str) -> str:
        if not self._call.restores:
            return text
        restorer = self._restorers.setdefault((choice, tool_call), self._call.restorer())
        return restorer.push(text)

    def _held(self, choice: int | None) -> list[tuple[int, int | None, str]]:
        out = []
        for (index, tool_call), restorer in self._restorers.items():
            if (choice is None or index == choice) and restorer.holding:
                out.append((index, tool_call, restorer.end()))
        return out

    @staticmethod
    def _add(delta: Any, tool_call: int | None, text: str) -> None:
        if tool_call is None:
            delta.content = (delta.content or "") + text
            return
        for call in delta.tool_calls or []:
            if call.index == tool_call and call.function is not None:
                call.function.arguments = (call.function.arguments or "") + text
                return
        types = _chunk_types()
        delta.tool_calls = [*(delta.tool_calls or []), types.ChoiceDeltaToolCall(index=tool_call, function=types.ChoiceDeltaToolCallFunction(arguments=text))]

    def pass_(self, chunk: Any) -> list[Any]:
        self._last = chunk
        for choice in chunk.choices:
            delta = choice.delta
            if isinstance(delta.content, str):
                self._call.streamed(["choices", choice.index, "message", "content"], delta.content)
                delta.content = self._restored(choice.index, None, delta.content)
            for tool_call in delta.tool_calls or []:
                if tool_call.function is None or not isinstance(tool_call.function.arguments, str):
                    continue
                self._call.streamed(["choices", choice.index, "message", "tool_calls", tool_call.index, "function", "arguments"], tool_call.function.arguments)
                tool_call.function.arguments = self._restored(choice.index, tool_call.index, tool_call.function.arguments)
            if choice.finish_reason is not None:
                for _, tool_call_index, text in self._held(choice.index):
                    self._add(delta, tool_call_index, text)
        return [chunk]

    def end(self) -> list[Any]:
        if self._last is None:
            return []
        out = []
        for index, tool_call, text in self._held(None):
            chunk = self._last.model_copy(deep=True)
            chunk.usage = None
            types = _chunk_types()
            delta = types.ChoiceDelta()
            self._add(delta, tool_call, text)
            chunk.choices = [types.Choice(index=index, delta=delta, finish_reason=None)]
            out.append(chunk)
        return out


def _chunk_types() -> Any:
    """The openai package's chunk classes, for a chunk the wrapper adds (held text at a stream's end): imported
    when needed, since the package is the caller's, not a dependency of this one."""
    return importlib.import_module("openai.types.chat.chat_completion_chunk")


def _chat_stream(call: ModelCall, asked_for_usage: bool, model: str) -> tuple[StreamMeter[Any], StreamScreen[Any]]:
    return _ChatMeter(asked_for_usage, model), _ChatScreen(call)


def _responses_declared(body: dict[str, Any], default_max: int) -> tuple[Declared, dict[str, Any]]:
    model = _given(body.get("model")) or "unknown"
    declared = Declared(
        request=plain({k: v for k, v in body.items() if _given(v) is not None}),
        model=str(model),
        input_tokens=estimate_tokens([plain(_given(body.get(key))) for key in ("instructions", "input", "tools", "text", "prompt")]),
        max_output_tokens=token_count(_given(body.get("max_output_tokens")) or default_max),
        stream=_given(body.get("stream")) is True,
        prompt={key: body.get(key) for key in ("instructions", "input") if _given(body.get(key)) is not None},
        tier=_tier(_given(body.get("service_tier"))),
    )
    return declared, body


def _responses_usage(model: str, usage: Any) -> dict[str, Any] | None:
    if usage is None:
        return None
    details = getattr(usage, "input_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    out: dict[str, Any] = {"model": model, "inputTokens": usage.input_tokens, "outputTokens": usage.output_tokens}
    if cached:
        out["cachedInputTokens"] = cached
    return out


def _responses_answer(call: ModelCall, response: Any, model: str) -> Any:
    call.screen(plain(getattr(response, "output", None)), ["output"])
    restore_object(response, call.restore)
    call.succeeded(_responses_usage(getattr(response, "model", None) or model, getattr(response, "usage", None)))
    return response


class _ResponsesMeter:
    def __init__(self, model: str) -> None:
        self._model = model
        self._usage: dict[str, Any] | None = None
        self._failed = False

    def see(self, event: Any) -> bool:
        if event.type in ("response.completed", "response.incomplete", "response.failed"):
            self._usage = _responses_usage(getattr(event.response, "model", None) or self._model, event.response.usage)
            self._failed = event.type == "response.failed"
        return True

    def usage(self) -> dict[str, Any] | None:
        return self._usage

    def seen(self) -> dict[str, Any] | None:
        return None

    def failed(self) -> bool:
        return self._failed


class _ResponsesScreen:
    """Every ``*.delta`` text restored (held text yielded as one more delta of its kind before the ``*.done``
    that ends it), every other event's strings restored, the completed response's output screened."""

    def __init__(self, call: ModelCall) -> None:
        self._call = call
        self._open: dict[str, tuple[StreamRestorer, Any]] = {}

    @staticmethod
    def _key(event: Any, kind: str) -> str:
        return f"{kind}|{getattr(event, 'item_id', None)}|{getattr(event, 'output_index', None)}|{getattr(event, 'content_index', None)}"

    def _flush(self, key: str) -> list[Any]:
        entry = self._open.pop(key, None)
        if entry is None or not entry[0].holding:
            return []
        restorer, last = entry
        held = last.model_copy()
        held.delta = restorer.end()
        return [held]

    def pass_(self, event: Any) -> list[Any]:
        kind: str = event.type
        if kind in ("response.completed", "response.incomplete"):
            self._call.screen(plain(event.response.output), ["output"])
            restore_object(event, self._call.restore)
            return [event]
        if not self._call.restores:
            return [event]
        if kind.endswith(".delta") and isinstance(getattr(event, "delta", None), str):
            key = self._key(event, kind[: -len(".delta")])
            restorer = self._open[key][0] if key in self._open else self._call.restorer()
            self._open[key] = (restorer, event)
            event.delta = restorer.push(event.delta)
            return [event]
        before = self._flush(self._key(event, kind[: -len(".done")])) if kind.endswith(".done") else []
        restore_object(event, self._call.restore)
        return [*before, event]

    def end(self) -> list[Any]:
        return [held for key in list(self._open) for held in self._flush(key)]


def _responses_stream(call: ModelCall, _asked: bool, model: str) -> tuple[StreamMeter[Any], StreamScreen[Any]]:
    return _ResponsesMeter(model), _ResponsesScreen(call)
