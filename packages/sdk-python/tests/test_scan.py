"""scan: the standalone content scan (``POST /v1/scan``, docs/content.md, "Standalone scan") on the sync
and the async client against the real API: a text or a JSON value, findings by detector, class and path
(a text's with offsets), never the values; nothing recorded; exactly one of text and json."""

from __future__ import annotations

import asyncio
import secrets
import string

import pytest
from conftest import Org
from shape import assert_shape

from gatehouse import AsyncGatehouse, AuthenticationError, BadRequestError, Gatehouse, GatehouseError


def _token() -> str:
    """A GitHub token of the documented shape, new for this run."""
    return "ghp_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))


def _email() -> str:
    return f"jane.{secrets.token_hex(4)}@example.com"


def _newest_entries(org: Org) -> list[str]:
    """The ids of the org's newest audit entries: a scan adds none."""
    answer = org.admin("GET", "/v1/audit?limit=100")
    assert answer.status_code == 200, answer.text
    return [event["id"] for event in answer.json()["events"]]


def test_a_text_answers_each_finding_with_its_offsets_and_never_the_value(org: Org) -> None:
    token, email = _token(), _email()
    text = f"deploy with {token}, then mail {email}"
    before = _newest_entries(org)
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        result = gh.scan(text=text)
    assert_shape(result, "ScanResult")
    assert result == {
        "findings": [
            {"detector": "github_token", "class": "secrets", "path": "text", "start": 12, "end": 12 + len(token), "confidence": "high"},
            {"detector": "email", "class": "personalData", "path": "text", "start": text.index(email), "end": text.index(email) + len(email), "confidence": "high"},
        ],
        "truncated": False,
    }
    assert token not in str(result) and email not in str(result)
    assert _newest_entries(org) == before


def test_json_answers_paths_and_the_async_client_does_the_same(org: Org) -> None:
    token, email = _token(), _email()
    document = {"ticket": {"summary": f"customer {email}"}, "items": [f"use {token}"]}
    expected = {
        "findings": [
            {"detector": "email", "class": "personalData", "path": "json.ticket.summary", "confidence": "high"},
            {"detector": "github_token", "class": "secrets", "path": "json.items[0]", "confidence": "high"},
        ],
        "truncated": False,
    }
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        assert gh.scan(json=document) == expected
        assert gh.scan(json=[token])["findings"] == [{"detector": "github_token", "class": "secrets", "path": "json[0]", "confidence": "high"}]

    async def run() -> None:
        async with AsyncGatehouse(org.agent_key, base_url=org.server.api) as gh:
            answer = await gh.scan(json=document)
            assert_shape(answer, "ScanResult")
            assert answer == expected

    asyncio.run(run())


def test_a_members_admin_key_scans_too(org: Org) -> None:
    with Gatehouse(org.admin_key, base_url=org.server.api) as gh:
        assert [f["detector"] for f in gh.scan(text=f"mail {_email()}")["findings"]] == ["email"]


def test_exactly_one_of_text_and_json_and_the_limits_name_the_field(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        with pytest.raises(GatehouseError) as neither:
            gh.scan()
        with pytest.raises(GatehouseError) as both:
            gh.scan(text="a", json={"b": 1})
        assert (neither.value.code, both.value.code) == ("INVALID_OPTION", "INVALID_OPTION")
        with pytest.raises(BadRequestError) as too_long:
            gh.scan(text="x" * (256 * 1024 + 1))
        assert [issue["path"] for issue in too_long.value.details["issues"]] == ["text"]
        deep: object = "leaf"
        for _ in range(33):
            deep = {"a": deep}
        with pytest.raises(BadRequestError) as too_deep:
            gh.scan(json=deep)
        assert too_deep.value.details["issues"][0]["path"].startswith("json.a")
    with Gatehouse("gh_agent_" + "x" * 32, base_url=org.server.api) as wrong:
        with pytest.raises(AuthenticationError):
            wrong.scan(text="anything")
