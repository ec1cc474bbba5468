"""Every verb of the Python SDK's clients on the embedded default (`npm start`: PGlite behind the
multiplexer, no DATABASE_URL), run by scripts/test/start.smoke.test.ts with the package's source on
PYTHONPATH. The demo org's policies decide: pr.open allowed, pr.merge held for a person, db.drop denied.
Approvals are decided with the demo admin key, as the console does. Prints the verbs it ran as one JSON
line, and exits non-zero at the first verb that misbehaves, naming it."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import httpx

from gatehouse import (
    ApprovalTimeoutError,
    BudgetExceededError,
    AsyncDelegatedAgent,
    AsyncGatehouse,
    DelegatedAgent,
    DeniedError,
    Gatehouse,
    flush_reports,
    wrap_openai,
)
from gatehouse._async_client import AsyncAudit
from gatehouse._client import Audit
from gatehouse.verify import verify_bundle

BASE = os.environ["GATEHOUSE_BASE_URL"]
ADMIN = os.environ["GATEHOUSE_ADMIN_KEY"]


def admin(method: str, path: str, **kwargs: Any) -> Any:
    answer = httpx.request(method, f"{BASE}{path}", headers={"authorization": f"Bearer {ADMIN}"}, timeout=30, **kwargs)
    answer.raise_for_status()
    return answer.json()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _hour_ago() -> str:
    return (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()


def _admin_client() -> Gatehouse:
    return Gatehouse(ADMIN, base_url=BASE, heartbeat=False)


def _content_detectors(gh: Gatehouse) -> None:
    # An org's own detector on the embedded default: added by the admin, named to the agent's screen (its pattern is the admin's).
    admin("POST", "/v1/content/detectors", json={"name": "py_smoke_ticket", "class": "secrets", "pattern": "PYSMOKE-[0-9]{6}", "keywords": ["pysmoke-"]})
    served = {d["name"]: d for d in gh.content_detectors()["detectors"]}
    if served.get("py_smoke_ticket") != {"name": "py_smoke_ticket", "class": "secrets"}:
        _fail("content_detectors")


def _coverage() -> None:
    # A member's key reads the org's coverage (an agent's is refused): the demo agent is among its agents.
    with _admin_client() as admin_gh:
        if not admin_gh.coverage()["agents"]:
            _fail("coverage")


async def _async_coverage() -> None:
    async with AsyncGatehouse(ADMIN, base_url=BASE, heartbeat=False) as admin_gh:
        assert (await admin_gh.coverage())["agents"]


async def _async_content_detectors(gh: AsyncGatehouse) -> None:
    names = [d["name"] for d in (await gh.content_detectors())["detectors"]]
    assert "py_smoke_ticket" in names, names


async def _async_article12(html: bool) -> None:
    async with AsyncGatehouse(ADMIN, base_url=BASE, heartbeat=False) as admin_gh:
        if html:
            assert (await admin_gh.audit.article12_html(from_=_hour_ago(), to=_now())).startswith("<!doctype html>")
        else:
            assert (await admin_gh.audit.article12_report(from_=_hour_ago(), to=_now()))["decisions"]["total"] > 0


def decide_soon(approval_id: str, decision: str = "approve") -> None:
    """Decides the approval a moment later, on a thread, while the caller waits (a person in the console)."""

    def run() -> None:
        time.sleep(0.1)
        admin("POST", f"/v1/admin/approvals/{approval_id}/decision", json={"decision": decision})

    threading.Thread(target=run).start()


def verbs() -> list[str]:
    """Every public method of the clients, their audit logs and their delegates, as the cases name them."""

    def public(cls: type, prefix: str = "", own: bool = False) -> set[str]:
        names = vars(cls) if own else {name: getattr(cls, name) for name in dir(cls)}
        return {f"{prefix}{name}" for name, value in names.items() if not name.startswith("_") and callable(value) and not inspect.isclass(value)}

    return sorted(
        public(Gatehouse)
        | public(Audit, "audit.")
        | public(DelegatedAgent, "delegate.", own=True)
        | {f"async {name}" for name in public(AsyncGatehouse) | public(AsyncAudit, "audit.") | public(AsyncDelegatedAgent, "delegate.", own=True)}
    )


def wrapped_model_call(gh: Gatehouse) -> None:
    """wrap_openai on the embedded default (docs/guardrails.md), against a loopback stand-in of OpenAI's API that
    answers with the placeholder it received: neither the email nor the token reaches it, the answer has the
    email back. The official openai package comes from the venv npm test runs with (.ci/run makes it)."""
    try:
        import openai
    except ImportError:
        print("wrap_openai not run: the openai package is not installed in this Python (.ci/run installs it)", file=sys.stderr)
        return
    import re
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[bytes] = []

    class Provider(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            received.append(body)
            found = re.search(rb"\[personal:email#[0-9a-f]{8}\]", body)
            content = f"Wrote to {found.group(0).decode() if found else '?'}."
            answer = {"id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini", "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        email, token = "py.smoke@example.com", "ghp_R7kq2VbX9mWc4LpZs8TnY3dHf6JgA1eQo5Ui"
        client = wrap_openai(openai.OpenAI(api_key="smoke", base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", max_retries=0), gh)
        answer = client.chat.completions.create(model="gpt-4o-mini", max_completion_tokens=50, messages=[{"role": "user", "content": f"Write to {email} with {token}."}])
        flush_reports(client)
        assert answer.choices[0].message.content == f"Wrote to {email}.", answer
        assert all(email.encode() not in body and token.encode() not in body for body in received), received
    finally:
        server.shutdown()
        server.server_close()


def sync_cases(gh: Gatehouse, folder: str) -> dict[str, Callable[[], None]]:
    state: dict[str, Any] = {}

    def execute() -> None:
        state["executed"] = gh.execute("pr.open", metadata={"from": "python"})
        assert state["executed"]["status"] == "executed"
        assert gh.execute("db.drop")["status"] == "denied"

    def gate() -> None:
        result = gh.gate("pr.merge", metadata={"pr": 1}, deadline=60, on_requested=lambda r: decide_soon(r["approvalId"]))
        assert result["status"] == "executed"
        state["gated"] = result

    def wait_for_approval() -> None:
        try:
            gh.gate("pr.merge", metadata={"pr": 2}, deadline=0.2)
            raise AssertionError("expected a timeout")
        except ApprovalTimeoutError as timed_out:
            state["approval_id"] = timed_out.approval_id
        decide_soon(state["approval_id"], "deny")
        try:
            gh.wait_for_approval(state["approval_id"], deadline=60)
            raise AssertionError("expected a denial")
        except DeniedError as denied:
            assert denied.reason == "DENIED_BY_REVIEWER"

    def report() -> None:
        assert gh.report(state["gated"]["auditEventId"], "success")["status"] == "success"

    def delegate() -> None:
        with gh.delegate("py-smoke", capabilities=["pr.*"], ttl="10m") as sub:
            assert sub.execute("pr.open")["status"] == "executed"
            with sub.delegate("py-smoke-nested", capabilities=["pr.open"], ttl=60) as nested:
                assert nested.can_i("pr.open")["allowed"] is True
            state["delegation_id"] = sub.id

    def delegate_revoke() -> None:
        sub = gh.delegate("py-smoke-revoke", capabilities=["pr.open"], ttl=60)
        assert sub.id in sub.revoke()["revoked"]
        assert sub.revoke()["revoked"] == [sub.id]  # answered again without calling

    def audit_export() -> None:
        exported = gh.audit.export(os.path.join(folder, "log.jsonl"))
        report = verify_bundle(exported.path, keys=[k["vkey"] for k in gh.audit.keys()["keys"]])
        assert report.valid, report.problem

    def subscribe() -> None:
        events = gh.subscribe(types=["action.executed"], last_event_id="0")
        assert next(events).type == "action.executed"
        events.close()

    def prices() -> None:
        # The demo's budget on model calls (model-calls-daily): a declared call reserves, its usage settles.
        assert len([m for m in gh.prices()["models"] if m["current"] and m["tier"] == "standard"]) >= 25
        spent = gh.execute("llm.anthropic.claude-haiku-4-5", spend={"model": "claude-haiku-4-5", "inputTokens": 500, "maxOutputTokens": 200})
        assert spent["status"] == "executed", spent
        settled = gh.report(spent["auditEventId"], "success", usage={"inputTokens": 400, "outputTokens": 100})
        assert settled["spend"] == {"model": "claude-haiku-4-5", "tokens": 500, "usd": (400 * 1 + 100 * 5) / 1e6}, settled
        try:
            gh.gate("llm.openai.gpt-4o", spend={"model": "gpt-4o", "inputTokens": 1_000_000, "maxOutputTokens": 1_000_000})
            raise AssertionError("expected BudgetExceededError")
        except BudgetExceededError as refused:
            assert refused.budget is not None and refused.budget["name"] == "model-calls-daily", refused.budget
        wrapped_model_call(gh)

    def run() -> None:
        with gh.run("py-smoke run") as in_run:
            assert in_run.execute("pr.open")["run"]["runId"] == in_run.run_id
            state["run_id"] = in_run.run_id
        assert gh.get_run(state["run_id"])["run"]["status"] == "completed"

    checkpoint: dict[str, Any] = {}
    return {
        "execute": execute,
        "can_i": lambda: None if gh.can_i("pr.merge")["needsApproval"] else _fail("can_i"),
        "scan": lambda: None
        if [f["path"] for f in gh.scan(json={"note": "mail jane.doe@example.com"})["findings"]] == ["json.note"]
        else _fail("scan"),
        "gate": gate,
        "wait_for_approval": wait_for_approval,
        "approval": lambda: None if gh.approval(state["approval_id"])["status"] == "denied" else _fail("approval"),
        "report": report,
        "whoami": lambda: None if gh.whoami()["agent"] else _fail("whoami"),
        "policies": lambda: None if gh.policies()["policies"] else _fail("policies"),
        "posture": lambda: None if 0 <= gh.posture()["score"] <= 100 else _fail("posture"),
        "coverage": _coverage,
        "content_detectors": lambda: _content_detectors(gh),
        "verify": lambda: None if gh.verify()["valid"] else _fail("verify"),
        "with_integration": lambda: None if gh.with_integration("python-smoke/0.1.0").execute("pr.open")["status"] == "executed" else _fail("with_integration"),
        "heartbeat": lambda: None if gh.heartbeat()["presence"] == "live" else _fail("heartbeat"),
        "prices": prices,
        "run": run,
        "with_run": lambda: None if gh.with_run("py-smoke-with-run").execute("pr.comment")["run"]["runId"] == "py-smoke-with-run" else _fail("with_run"),
        "runs": lambda: None if any(r["runId"] == state["run_id"] for r in gh.runs()["runs"]) else _fail("runs"),
        "get_run": lambda: None if gh.get_run(state["run_id"])["timeline"] else _fail("get_run"),
        "end_run": lambda: None if gh.end_run("py-smoke-with-run", "cancelled")["status"] == "cancelled" else _fail("end_run"),
        "delegate": delegate,
        "delegations": lambda: None if any(d["id"] == state["delegation_id"] for d in gh.delegations()) else _fail("delegations"),
        "get_delegation": lambda: None if gh.get_delegation(state["delegation_id"])["revokedAt"] else _fail("get_delegation"),
        "revoke": lambda: None if gh.revoke(state["delegation_id"])["revoked"] == [] else _fail("revoke"),
        "delegate.revoke": delegate_revoke,
        "parallel": lambda: None if Gatehouse.parallel([lambda: gh.can_i("pr.open")["allowed"], gh.whoami])[0] is True else _fail("parallel"),
        "subscribe": subscribe,
        "audit.list": lambda: None if gh.audit.list(limit=5)["events"] else _fail("audit.list"),
        "audit.checkpoint": lambda: checkpoint.update(gh.audit.checkpoint()),
        "audit.checkpoints": lambda: None if gh.audit.checkpoints()["checkpoints"] else _fail("audit.checkpoints"),
        "audit.keys": lambda: None if gh.audit.keys()["keys"] else _fail("audit.keys"),
        "audit.proof": lambda: None if gh.audit.proof(entry_id=state["executed"]["auditEventId"]).verified else _fail("audit.proof"),
        "audit.consistency": lambda: None if gh.audit.consistency(since=checkpoint["note"]).verified else _fail("audit.consistency"),
        "audit.verify": lambda: None if gh.audit.verify()["valid"] else _fail("audit.verify"),
        "audit.export": audit_export,
        "audit.log": lambda: None
        if gh.audit.log("command.ran", {"exitCode": 0}, audit_event_id=state["executed"]["auditEventId"])["kind"] == "command.ran"
        else _fail("audit.log"),
        # The Article 12 report needs a member's key (audit.export): the demo admin's, over the last hour on PGlite.
        "audit.article12_report": lambda: None if _admin_client().audit.article12_report(from_=_hour_ago(), to=_now())["decisions"]["total"] > 0 else _fail("audit.article12_report"),
        "audit.article12_html": lambda: None if _admin_client().audit.article12_html(from_=_hour_ago(), to=_now()).startswith("<!doctype html>") else _fail("audit.article12_html"),
        "close": lambda: None,  # the `with` block closes it
    }


def _fail(verb: str) -> None:
    raise AssertionError(f"{verb} answered what it should not")


async def async_cases(verbs_run: list[str], folder: str) -> None:
    """The async client's verbs, the same calls awaited; its waits are its own (no thread)."""
    async with AsyncGatehouse() as gh:
        async def gate() -> None:
            gates = [gh.gate("pr.merge", metadata={"pr": n}, deadline=60, on_requested=lambda r: decide_soon(r["approvalId"])) for n in (10, 11)]
            results = await AsyncGatehouse.parallel([*gates, gh.can_i("pr.open")])
            assert [r["status"] for r in results[:2]] == ["executed", "executed"], results

        async def delegate() -> None:
            async with gh.delegate("py-smoke-async", capabilities=["pr.*"], ttl=120) as sub:
                assert (await sub.execute("pr.comment"))["status"] == "executed"
            other = await gh.delegate("py-smoke-async-2", capabilities=["pr.open"], ttl=60)
            assert other.id in (await other.revoke())["revoked"]

        async def subscribe() -> None:
            async for event in gh.subscribe(last_event_id="0"):
                assert event.id
                break

        executed = await gh.execute("pr.open")
        saved = await gh.audit.checkpoint()
        cases: dict[str, Callable[[], Any]] = {
            "execute": lambda: gh.execute("pr.comment"),
            "can_i": lambda: gh.can_i("pr.merge"),
            "scan": lambda: gh.scan(text="mail jane.doe@example.com"),
            "gate": gate,
            "parallel": gate,
            "wait_for_approval": lambda: _async_timeout_then_wait(gh),
            "approval": lambda: _async_approval(gh),
            "report": lambda: gh.report(executed["auditEventId"], "success"),
            "whoami": gh.whoami,
            "policies": gh.policies,
            "posture": gh.posture,
            "coverage": _async_coverage,
            "content_detectors": lambda: _async_content_detectors(gh),
            "verify": gh.verify,
            "with_integration": lambda: gh.with_integration("python-smoke/0.1.0").whoami(),
            "delegate": delegate,
            "delegate.revoke": delegate,
            "delegations": gh.delegations,
            "get_delegation": lambda: _async_get_delegation(gh),
            "revoke": lambda: _async_revoke(gh),
            "subscribe": subscribe,
            "audit.list": gh.audit.list,
            "audit.checkpoint": gh.audit.checkpoint,
            "audit.checkpoints": gh.audit.checkpoints,
            "audit.keys": gh.audit.keys,
            "audit.proof": lambda: _verified(gh.audit.proof(entry_id=executed["auditEventId"])),
            "audit.consistency": lambda: _verified(gh.audit.consistency(since=saved["note"])),
            "audit.verify": gh.audit.verify,
            "audit.export": lambda: gh.audit.export(os.path.join(folder, "async.jsonl")),
            "audit.log": lambda: gh.audit.log("command.ran", {"exitCode": 0}, audit_event_id=executed["auditEventId"]),
            "audit.article12_report": lambda: _async_article12(False),
            "audit.article12_html": lambda: _async_article12(True),
            "heartbeat": lambda: gh.heartbeat(state="stopped"),
            "prices": gh.prices,
            "run": lambda: _async_run(gh),
            "with_run": lambda: gh.with_run("py-smoke-async-with-run").execute("pr.comment"),
            "runs": gh.runs,
            "get_run": lambda: gh.get_run("py-smoke-async-with-run"),
            "end_run": lambda: gh.end_run("py-smoke-async-with-run"),
            "aclose": lambda: asyncio.sleep(0),  # the `async with` block closes it
        }
        for verb, run in cases.items():
            try:
                await run()
            except Exception as error:
                raise AssertionError(f"async {verb}: {error!r}") from error
            verbs_run.append(f"async {verb}")


async def _async_timeout_then_wait(gh: AsyncGatehouse) -> None:
    try:
        await gh.gate("pr.merge", metadata={"pr": 20}, deadline=0.2)
        raise AssertionError("expected a timeout")
    except ApprovalTimeoutError as timed_out:
        decide_soon(timed_out.approval_id)
        assert (await gh.wait_for_approval(timed_out.approval_id, deadline=60))["status"] == "executed"


async def _async_approval(gh: AsyncGatehouse) -> None:
    held = await gh.execute("pr.merge", metadata={"pr": 30})
    assert (await gh.approval(held["approvalId"]))["status"] == "pending"
    admin("POST", f"/v1/admin/approvals/{held['approvalId']}/decision", json={"decision": "deny"})


async def _async_run(gh: AsyncGatehouse) -> None:
    async with gh.run("py-smoke async run", run_id="py-smoke-async-run") as run:
        await run.execute("pr.open")
    assert (await gh.get_run("py-smoke-async-run"))["run"]["status"] == "completed"


async def _async_get_delegation(gh: AsyncGatehouse) -> None:
    sub = await gh.delegate("py-smoke-get", capabilities=["pr.open"], ttl=60)
    assert (await gh.get_delegation(sub.id))["name"] == "py-smoke-get"
    await sub.revoke()


async def _async_revoke(gh: AsyncGatehouse) -> None:
    sub = await gh.delegate("py-smoke-revoke-by-id", capabilities=["pr.open"], ttl=60)
    assert (await gh.revoke(sub.id))["revoked"] == [sub.id]


async def _verified(check: Any) -> None:
    result = await check
    assert result.verified, result.problem


def main() -> int:
    ran: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        with Gatehouse() as gh:
            for verb, run in sync_cases(gh, folder).items():
                try:
                    run()
                except Exception as error:
                    print(f"{verb}: {error!r}", file=sys.stderr)
                    return 1
                ran.append(verb)
        try:
            asyncio.run(async_cases(ran, folder))
        except AssertionError as error:
            print(str(error), file=sys.stderr)
            return 1
    print(json.dumps({"ran": sorted(set(ran)), "verbs": verbs()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
