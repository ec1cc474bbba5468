"""execute, can_i, gate, wait_for_approval, report, whoami, policies, posture: the sync and the async
client against the real API, each answer checked against docs/openapi.json."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from conftest import Org, wait_until_requested
from shape import assert_shape

from gatehouse import (
    ApprovalTimeoutError,
    AsyncGatehouse,
    AuthenticationError,
    ConflictError,
    DeniedError,
    Gatehouse,
    GatehouseError,
    NotFoundError,
    assert_allowed,
)


def test_execute_answers_each_decision_and_records_it(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        allowed = gh.execute("doc.read", metadata={"doc": 7})
        denied = gh.execute("db.drop", metadata={"table": "users"})
        held = gh.execute("deploy.prod")
        for result in (allowed, denied, held):
            assert_shape(result, "ActionResult")
        assert (allowed["status"], allowed["policyName"]) == ("executed", "reads")
        assert (denied["status"], denied["denialReason"]) == ("denied", "CONDITIONS_DENIED")
        assert held["status"] == "requested" and held["approvalId"].startswith("apr_")
        with pytest.raises(DeniedError) as raised:
            assert_allowed(denied)
        assert (raised.value.reason, raised.value.policy, raised.value.audit_event_id) == ("CONDITIONS_DENIED", "no-drops", denied["auditEventId"])
        listed = gh.audit.list(action_type="doc.read")
        assert_shape(listed, "AuditEventList")
        assert [event["id"] for event in listed["events"]] == [allowed["auditEventId"]]


def test_the_same_event_id_answers_the_same_decision_and_another_action_conflicts(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        first = gh.execute("doc.read", metadata={"doc": 1}, event_id="evt-python-1")
        again = gh.execute("doc.read", metadata={"doc": 1}, event_id="evt-python-1")
        assert again["auditEventId"] == first["auditEventId"]
        with pytest.raises(ConflictError) as raised:
            gh.execute("doc.read", metadata={"doc": 2}, event_id="evt-python-1")
        assert raised.value.status == 409 and raised.value.request_id


def test_can_i_records_nothing(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        cases = {"doc.read": (True, False), "deploy.prod": (False, True), "db.drop": (False, False), "unknown.thing": (False, False)}
        for action, expected in cases.items():
            answer = gh.can_i(action)
            assert_shape(answer, "CheckResult")
            assert (answer["allowed"], answer["needsApproval"]) == expected, action
        assert [event["type"] for event in gh.audit.list()["events"]] == ["agent.created"]


def test_gate_continues_when_a_reviewer_approves_while_it_waits(org: Org) -> None:
    requested: list[dict[str, Any]] = []
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        approving = threading.Thread(target=lambda: org.decide(wait_until_requested(org, "deploy.prod"), "approve", "ship it"))
        approving.start()
        result = gh.gate("deploy.prod", metadata={"service": "api"}, on_requested=requested.append)
        approving.join()
        assert_shape(result, "ActionResult")
        assert result["status"] == "executed" and result["approvalId"] == requested[0]["approvalId"]
        outcome = gh.report(result["auditEventId"], "success", message="deployed")
        assert_shape(outcome, "Outcome")
        assert outcome["status"] == "success"


async def test_async_gate_continues_within_the_push_not_a_poll_interval(org: Org) -> None:
    async with AsyncGatehouse(org.agent_key, base_url=org.server.api) as gh:
        decided_at: list[float] = []
        approve = asyncio.create_task(asyncio.to_thread(lambda: decided_at.append(org.decide(wait_until_requested(org, "deploy.api"), "approve"))))
        result = await gh.gate("deploy.api")
        returned_at = time.monotonic()
        await approve
        assert result["status"] == "executed"
        # Pushed: well inside one long-poll hold (25 s); the latency itself is measured in bench/.
        assert returned_at - decided_at[0] < 5


@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_gate_raises_the_reviewers_denial_with_who_and_why(org: Org, flavor: str) -> None:
    denying = threading.Thread(target=lambda: org.decide(wait_until_requested(org, "deploy.db"), "deny", "not on a Friday"))
    denying.start()
    with pytest.raises(DeniedError) as raised:
        if flavor == "sync":
            with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
                gh.gate("deploy.db")
        else:
            asyncio.run(_async_gate(org, "deploy.db"))
    denying.join()
    error = raised.value
    assert (error.reason, error.decided_by, error.decision_reason) == ("DENIED_BY_REVIEWER", org.approver_email, "not on a Friday")
    assert error.approval_id and error.approval_id.startswith("apr_")
    assert "not on a Friday" in str(error) and org.approver_email in str(error)


async def _async_gate(org: Org, action: str) -> None:
    async with AsyncGatehouse(org.agent_key, base_url=org.server.api) as gh:
        await gh.gate(action)


def test_gate_raises_a_policy_denial_without_waiting(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        with pytest.raises(DeniedError) as raised:
            gh.gate("db.drop")
        assert (raised.value.reason, raised.value.approval_id) == ("CONDITIONS_DENIED", None)


def test_a_gate_past_its_deadline_times_out_and_the_approval_can_still_be_waited_for(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        with pytest.raises(ApprovalTimeoutError) as raised:
            gh.gate("deploy.slow", deadline=0.3)
        approval_id = raised.value.approval_id
        assert gh.approval(approval_id)["status"] == "pending"
        approving = threading.Thread(target=lambda: (time.sleep(0.2), org.decide(approval_id, "approve")))
        approving.start()
        assert gh.wait_for_approval(approval_id, deadline=20)["status"] == "executed"
        approving.join()
        with pytest.raises(GatehouseError) as malformed:
            gh.wait_for_approval("apr_nope")
        assert malformed.value.code == "INVALID_APPROVAL_ID"
        with pytest.raises(NotFoundError):
            gh.wait_for_approval("apr_" + "0" * 22, deadline=5)


def test_report_is_idempotent_and_a_different_outcome_conflicts(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        executed = gh.execute("pr.open")
        first = gh.report(executed["auditEventId"], "failure", message="CI red")
        again = gh.report(executed["auditEventId"], "failure", message="CI red")
        assert (again["reportedAt"], again["status"]) == (first["reportedAt"], "failure")
        with pytest.raises(ConflictError):
            gh.report(executed["auditEventId"], "success")
        with pytest.raises(NotFoundError):
            gh.report("aud_" + "0" * 22, "success")


def test_whoami_policies_and_posture_describe_the_key(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        me = gh.whoami()
        assert_shape(me, "WhoAmI")
        assert (me["org"]["id"], me["agent"]["id"]) == (org.org_id, org.agent_id)
        own = gh.policies()
        assert_shape(own, "PolicyList")
        assert sorted(p["name"] for p in own["policies"]) == ["deploys", "no-drops", "reads", "writes"]
        posture = gh.posture()
        assert_shape(posture, "Posture")
        assert 0 <= posture["score"] <= 100


def test_a_wrong_key_or_base_url_says_what_is_wrong(org: Org) -> None:
    with Gatehouse("gh_" + "x" * 40, base_url=org.server.api) as gh:
        with pytest.raises(AuthenticationError) as wrong_key:
            gh.whoami()
    assert wrong_key.value.status == 401 and "gh_xxxx" not in str(wrong_key.value)
    with Gatehouse(org.agent_key, base_url=f"{org.server.factory}/elsewhere", max_retries=0) as gh:
        with pytest.raises(GatehouseError) as not_gatehouse:
            gh.whoami()
    assert "is base_url" in str(not_gatehouse.value) and "the Gatehouse API" in str(not_gatehouse.value)
    with pytest.raises(GatehouseError) as no_key:
        Gatehouse(api_key="sk-wrong-vendor", base_url=org.server.api)
    assert no_key.value.code == "INVALID_API_KEY" and "sk-wrong" not in str(no_key.value)
