"""The one-time warning when a model call's spend is declared by hand, without a model-client wrapper
(docs/model-clients.md, "Calls that bypass the wrappers"): the sync and async clients over ``httpx.MockTransport``."""

from __future__ import annotations

import warnings
from typing import Any, Iterator

import httpx
import pytest

import gatehouse._unwrapped as unwrapped
from gatehouse import AsyncGatehouse, Gatehouse, UnwrappedModelCallWarning

API_KEY = "gh_agent_test0123456789"
BASE = "http://gh.test"
EXECUTED: dict[str, Any] = {"status": "executed", "auditEventId": "aud_1", "conditionsEvaluated": []}
OUTCOME: dict[str, Any] = {"auditEventId": "aud_1", "status": "success", "reportedAt": "2026-11-27T04:00:00.000Z"}
SPEND = {"model": "gpt-4o-mini", "inputTokens": 10, "maxOutputTokens": 5}


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=OUTCOME if request.url.path.endswith("/outcome") else EXECUTED)


def client() -> Gatehouse:
    return Gatehouse(API_KEY, base_url=BASE, heartbeat=False, http_client=httpx.Client(transport=httpx.MockTransport(answer)))


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts as a process that has not warned yet, with the variable unset."""
    monkeypatch.setattr(unwrapped, "_warned", False)
    monkeypatch.delenv(unwrapped.UNWRAPPED_WARNING_ENV, raising=False)
    yield


def caught(action: Any) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        action()
    return [w for w in seen if issubclass(w.category, UnwrappedModelCallWarning)]


def test_spend_declared_on_a_plain_client_warns_once_naming_the_wrappers_and_how_to_silence_it() -> None:
    with client() as gh:

        def calls() -> None:
            gh.execute("llm.openai.gpt-4o-mini", spend=SPEND)
            gh.can_i("llm.openai.gpt-4o-mini", spend=SPEND)
            gh.report("aud_1", "success", usage={"model": "gpt-4o-mini", "inputTokens": 10, "outputTokens": 5})

        seen = caught(calls)
    assert len(seen) == 1
    message = str(seen[0].message)
    assert "wrap_openai" in message and "GATEHOUSE_NO_UNWRAPPED_WARNING=1" in message and "UnwrappedModelCallWarning" in message
    assert seen[0].filename.endswith("test_unwrapped_warning.py")


def test_usage_on_an_outcome_warns() -> None:
    with client() as gh:
        seen = caught(lambda: gh.report("aud_1", "success", usage={"model": "gpt-4o-mini", "inputTokens": 10, "outputTokens": 5}))
    assert len(seen) == 1


def test_calls_without_spend_or_through_a_model_client_wrapper_say_nothing() -> None:
    with client() as gh:

        def calls() -> None:
            gh.execute("pr.open")
            gh.execute("tool.read", tool={"name": "read", "arguments": {}})
            gh.with_integration("openai/0.1.0").execute("llm.openai.gpt-4o-mini", spend=SPEND)
            gh.with_integration("anthropic/0.1.0").execute("llm.anthropic.claude-haiku-4-5", spend=SPEND)

        assert caught(calls) == []


def test_a_framework_adapter_is_not_a_model_client_wrapper() -> None:
    with client() as gh:
        assert len(caught(lambda: gh.with_integration("langchain/0.1.0").execute("llm.openai.gpt-4o-mini", spend=SPEND))) == 1


def test_the_variable_silences_it_and_zero_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(unwrapped.UNWRAPPED_WARNING_ENV, "1")
    with client() as gh:
        assert caught(lambda: gh.execute("llm.openai.gpt-4o-mini", spend=SPEND)) == []
        monkeypatch.setenv(unwrapped.UNWRAPPED_WARNING_ENV, "0")
        assert len(caught(lambda: gh.execute("llm.openai.gpt-4o-mini", spend=SPEND))) == 1


def test_a_filter_that_turns_warnings_into_errors_never_fails_the_call() -> None:
    with client() as gh, warnings.catch_warnings():
        warnings.simplefilter("error", UnwrappedModelCallWarning)
        assert gh.execute("llm.openai.gpt-4o-mini", spend=SPEND)["status"] == "executed"


def test_the_standard_filter_silences_it() -> None:
    with client() as gh, warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=UnwrappedModelCallWarning)
        gh.execute("llm.openai.gpt-4o-mini", spend=SPEND)
    assert [w for w in seen if issubclass(w.category, UnwrappedModelCallWarning)] == []


async def test_the_async_client_warns_the_same() -> None:
    transport = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with AsyncGatehouse(API_KEY, base_url=BASE, heartbeat=False, http_client=transport) as gh:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            result = await gh.execute("llm.openai.gpt-4o-mini", spend=SPEND)
            await gh.execute("llm.openai.gpt-4o-mini", spend=SPEND)
    assert result["status"] == "executed"
    assert len([w for w in seen if issubclass(w.category, UnwrappedModelCallWarning)]) == 1
