"""Runs (docs/runs.md) from Python: ``run()`` as a context manager on both clients, against the real
API (a gate approved while the run waits, a delegate in the run, the run read back and ended), and
offline (what is sent, and how the end is sent whatever the block does)."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from conftest import Org, wait_until_requested
from shape import assert_shape

from gatehouse import AsyncGatehouse, Gatehouse, NotFoundError

RUN = {"id": "run_0123456789abcdefABCDEF", "runId": "triage-4512"}
EXECUTED = {"status": "executed", "auditEventId": "aud_1", "conditionsEvaluated": [], "message": "Allowed.", "run": RUN}


def test_a_run_records_its_calls_its_approval_and_its_delegate_then_ends_completed(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        with gh.run("triage #4512") as run:
            run_id = run.run_id
            assert run_id is not None and run_id.startswith("triage-4512-")
            run.gate("pr.open")
            approving = threading.Thread(target=lambda: org.decide(wait_until_requested(org, "deploy.prod"), "approve", "ship it"))
            approving.start()
            run.gate("deploy.prod")
            approving.join()
            with run.delegate("reviewer", capabilities=["pr.*"], ttl=60) as sub:
                sub.gate("pr.comment")
        detail = gh.get_run(run_id)
        assert_shape(detail, "RunDetail")
        assert detail["run"]["status"] == "completed" and detail["run"]["name"] == "triage #4512"
        kinds = [f"{item['type']}:{item.get('actionType', '')}:{item['status']}" for item in detail["timeline"]]
        assert kinds == ["decision:pr.open:executed", "decision:deploy.prod:requested", "approval:deploy.prod:approved", "decision:pr.comment:executed", "ended::completed"]
        approval = next(item for item in detail["timeline"] if item["type"] == "approval")
        assert approval["votes"][0]["member"]["email"] == org.approver_email and approval["votes"][0]["reason"] == "ship it"
        listed = gh.runs(status="completed")
        assert_shape(listed, "RunList")
        assert [r["runId"] for r in listed["runs"]] == [run_id]


async def test_an_async_run_that_raises_ends_failed_and_the_error_goes_on(org: Org) -> None:
    async with AsyncGatehouse(org.agent_key, base_url=org.server.api) as gh:
        with pytest.raises(RuntimeError, match="tool crashed"):
            async with gh.run("deploy", run_id="deploy-1") as run:
                await run.execute("pr.open")
                raise RuntimeError("tool crashed")
        assert (await gh.get_run("deploy-1"))["run"]["status"] == "failed"
        ended = await gh.end_run("deploy-1", "cancelled")
        assert_shape(ended, "Run")
        assert ended["status"] == "cancelled"
        with pytest.raises(NotFoundError):
            await gh.get_run("never-used")


def _recording(replies: list[httpx.Response]) -> tuple[httpx.Client, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return replies[len(sent) - 1]

    return httpx.Client(transport=httpx.MockTransport(handle)), sent


def _body(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def test_offline_every_call_of_a_run_carries_it_and_a_call_may_name_another() -> None:
    client, sent = _recording([httpx.Response(200, json=EXECUTED), httpx.Response(200, json={**EXECUTED, "allowed": True, "needsApproval": False, "dryRun": True}), httpx.Response(200, json=EXECUTED), httpx.Response(200, json={**RUN, "status": "completed"})])
    with Gatehouse("gh_agent_test", base_url="http://gatehouse.test", http_client=client) as gh:
        with gh.run("triage", run_id="triage-4512") as run:
            run.execute("pr.open")
            run.can_i("pr.open")
            run.execute("pr.open", run_id="other", run_name="other run")
    assert (_body(sent[0])["runId"], _body(sent[0])["runName"]) == ("triage-4512", "triage")
    assert _body(sent[1])["runId"] == "triage-4512" and "runName" not in _body(sent[1])
    assert (_body(sent[2])["runId"], _body(sent[2])["runName"]) == ("other", "other run")
    assert (sent[3].method, sent[3].url.path, _body(sent[3])) == ("POST", "/v1/runs/triage-4512/end", {"status": "completed"})


def test_offline_a_client_without_a_run_sends_none_and_report_sends_one_only_when_asked() -> None:
    outcome = {"auditEventId": "aud_1", "status": "success", "message": None, "reportedAt": "2030-01-01T00:00:00Z"}
    client, sent = _recording([httpx.Response(200, json={**EXECUTED, "run": None}), httpx.Response(200, json=outcome), httpx.Response(200, json=outcome)])
    with Gatehouse("gh_agent_test", base_url="http://gatehouse.test", http_client=client) as gh:
        assert gh.run_id is None
        gh.execute("pr.open")
        gh.report("aud_1", "success")
        gh.report("aud_1", "success", run_id="triage-4512")
    assert "runId" not in _body(sent[0])
    assert _body(sent[1]) == {"status": "success"}
    assert _body(sent[2]) == {"status": "success", "runId": "triage-4512"}


@pytest.mark.parametrize(
    ("end_reply", "heard"),
    [
        (httpx.Response(404, json={"error": {"code": "NOT_FOUND", "message": "run not found", "requestId": "r"}}), 0),
        (httpx.Response(403, json={"error": {"code": "FORBIDDEN", "message": "no", "requestId": "r"}}), 1),
    ],
)
def test_offline_ending_is_bookkeeping_a_404_is_no_failure_and_another_error_goes_to_on_end_error(end_reply: httpx.Response, heard: int) -> None:
    errors: list[BaseException] = []
    client, sent = _recording([end_reply])
    with Gatehouse("gh_agent_test", base_url="http://gatehouse.test", http_client=client, max_retries=0) as gh:
        with gh.run("nothing", on_end_error=errors.append):
            pass
    assert len(sent) == 1 and len(errors) == heard


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("Triage #4512: label & route", "triage-4512-label-route-"), ("!!!", "run-"), ("x" * 100, "x" * 60 + "-")],
)
def test_offline_a_run_id_is_made_from_the_name(name: str, prefix: str) -> None:
    with Gatehouse("gh_agent_test", base_url="http://gatehouse.test") as gh:
        run_id = gh.with_run("x").run_id
        assert run_id == "x"
        made = gh.run(name)
        with made as run:
            assert run.run_id is not None and run.run_id.startswith(prefix) and len(run.run_id) == len(prefix) + 12
            run._run = None  # nothing was sent: leave without ending


def test_a_heartbeat_makes_the_agent_live_and_stopped_closes_its_session(org: Org) -> None:
    with Gatehouse(org.agent_key, base_url=org.server.api) as gh:
        beat = gh.heartbeat(interval_seconds=10)
        assert_shape(beat, "Heartbeat")
        assert (beat["presence"], beat["session"], beat["nextHeartbeatSeconds"]) == ("live", "open", 10)
        assert gh.heartbeat(state="stopped")["session"] == "closed"
