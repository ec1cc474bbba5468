"""Delegation (narrower child, nested, revoke on leaving the block), fan-out, and the event stream with
resume: the sync and the async client against the real API."""

from __future__ import annotations

import asyncio
import threading

import pytest
from conftest import Org, wait_until_requested
from shape import assert_shape

from gatehouse import (
    AsyncGatehouse,
    AuthenticationError,
    DelegationScopeError,
    DeniedError,
    Gatehouse,
    NotFoundError,
)


def test_a_delegate_acts_within_its_capabilities_and_stops_when_its_block_is_left(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        with gh.delegate("reader", capabilities=["pr.*"], ttl="10m") as sub:
            assert_shape(sub.delegation, "Delegation")
            assert sub.capabilities == ["pr.*"] and sub.api_key not in repr(sub)
            assert sub.gate("pr.read")["status"] == "executed"
            with pytest.raises(DeniedError) as outside:
                sub.gate("doc.read")
            assert outside.value.reason == "DELEGATION_SCOPE"
            with sub.delegate("opener", capabilities=["pr.open"], ttl=120) as nested:
                assert nested.execute("pr.open")["status"] == "executed"
                chain = nested.whoami()["delegation"]["chain"]
                assert [link["agentId"] for link in chain] == [org.agent_id, sub.child_agent_id, nested.child_agent_id]
                with pytest.raises(DelegationScopeError) as wider:
                    nested.delegate("wider", capabilities=["pr.open", "deploy.*"], ttl=60)
                assert (wider.value.capability, wider.value.path) == ("deploy.*", "capabilities[1]")
            with pytest.raises(AuthenticationError):
                nested.whoami()
            assert sub.whoami()["delegation"]["id"] == sub.id
        with pytest.raises(AuthenticationError) as revoked:
            sub.whoami()
        assert revoked.value.code == "DELEGATION_REVOKED"
        assert [d["id"] for d in gh.delegations(active_only=True)] == []
        assert gh.get_delegation(sub.id)["revokedAt"] is not None


async def test_async_with_revokes_also_when_the_block_raises_and_revoke_takes_the_tree(org: Org) -> None:
    async with AsyncGatehouse(org.agent_key, base_url=org.server.api) as gh:
        with pytest.raises(RuntimeError):
            async with gh.delegate("crashing", capabilities=["pr.read"], ttl=60) as crashing:
                assert (await crashing.can_i("pr.read"))["allowed"] is True
                raise RuntimeError("the sub-agent crashed")
        with pytest.raises(AuthenticationError):
            await crashing.whoami()

        child = await gh.delegate("child", capabilities=["pr.*"], ttl=300)
        grandchild = await child.delegate("grandchild", capabilities=["pr.read"], ttl=60)
        revoked = await gh.revoke(child.id)
        assert_shape(revoked, "RevokedDelegations")
        assert sorted(revoked["revoked"]) == sorted([child.id, grandchild.id])
        assert (await gh.revoke(child.id))["revoked"] == []
        with pytest.raises(AuthenticationError):
            await grandchild.whoami()
        with pytest.raises(NotFoundError):
            await gh.revoke("dlg_" + "0" * 22)


async def test_parallel_delegates_gate_side_by_side_on_one_wait(org: Org) -> None:
    async with AsyncGatehouse(org.agent_key, base_url=org.server.api) as gh:

        async def review(n: int) -> str:
            async with gh.delegate(f"deployer-{n}", capabilities=["deploy.*"], ttl=120) as sub:
                return (await sub.gate(f"deploy.svc{n}", metadata={"n": n}))["status"]

        async def approve_all() -> None:
            for n in range(3):
                approval_id = await asyncio.to_thread(wait_until_requested, org, f"deploy.svc{n}")
                await asyncio.to_thread(org.decide, approval_id, "approve")

        deciding = asyncio.create_task(approve_all())
        results = await AsyncGatehouse.parallel([lambda n=n: review(n) for n in range(3)] + [gh.execute("db.drop")], concurrency=3)
        await deciding
        assert results[:3] == ["executed", "executed", "executed"]
        assert isinstance(results[3], dict) and results[3]["status"] == "denied"


def test_threads_gating_on_one_sync_client_share_its_waits(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        def decide_all() -> None:
            for n in range(4):
                org.decide(wait_until_requested(org, f"deploy.thread{n}"), "approve" if n % 2 == 0 else "deny")

        deciding = threading.Thread(target=decide_all)
        deciding.start()
        results = Gatehouse.parallel([lambda n=n: gh.gate(f"deploy.thread{n}")["status"] for n in range(4)])
        deciding.join()
        assert results[0] == results[2] == "executed"
        assert isinstance(results[1], DeniedError) and isinstance(results[3], DeniedError)


async def test_subscribe_yields_events_as_they_happen_and_resumes_after_the_last_one_seen(org: Org) -> None:
    async with AsyncGatehouse(org.agent_key, base_url=org.server.api) as gh:
        seen = []

        async def read(count: int, after: str | None) -> None:
            async for event in gh.subscribe(types=["action.executed", "action.denied"], last_event_id=after):
                seen.append(event)
                if len(seen) == count:
                    return

        reading = asyncio.create_task(read(2, None))
        await asyncio.sleep(0.3)
        first = await gh.execute("doc.read")
        second = await gh.execute("db.drop")
        await asyncio.wait_for(reading, 10)
        assert [(e.type, e.data["auditEventId"]) for e in seen] == [("action.executed", first["auditEventId"]), ("action.denied", second["auditEventId"])]
        third = await gh.execute("pr.comment")
        resumed = seen[-1].id
        seen.clear()
        await asyncio.wait_for(read(1, resumed), 10)
        assert [(e.type, e.data["auditEventId"]) for e in seen] == [("action.executed", third["auditEventId"])]


def test_sync_subscribe_is_an_iterator(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        executed = gh.execute("doc.read")
        events = gh.subscribe(last_event_id="0")
        first = next(e for e in events if e.type == "action.executed")
        events.close()
        assert first.data["auditEventId"] == executed["auditEventId"]
