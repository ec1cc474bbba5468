"""The Python client against the contracts and itself: every agent route of docs/openapi.json has a
method on both clients (a route added to the contracts and not here is reported), the sync client is
the current twin of the async one, and the package passes ``mypy --strict``."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gatehouse import AsyncGatehouse, Gatehouse
from gatehouse._async_client import AsyncAudit
from gatehouse._client import Audit

PACKAGE = Path(__file__).resolve().parents[1]
OPENAPI = PACKAGE.parents[1] / "docs" / "openapi.json"

#: Each operation an agent's key may call, and the method of both clients that calls it.
COVERED = {
    "execute": "execute",
    "canI": "can_i",
    "scan": "scan",
    "reportOutcome": "report",
    "getApproval": "approval",
    "waitForApprovals": "wait_for_approval",
    "listAuditEntries": "audit.list",
    "getCheckpoint": "audit.checkpoint",
    "listCheckpoints": "audit.checkpoints",
    "listSigningKeys": "audit.keys",
    "getAuditProof": "audit.proof",
    "verifyAuditLog": "audit.verify",
    "exportAuditLog": "audit.export",
    "logEvidence": "audit.log",
    "createDelegation": "delegate",
    "listDelegations": "delegations",
    "getDelegation": "get_delegation",
    "revokeDelegation": "revoke",
    "streamEvents": "subscribe",
    "listPolicies": "policies",
    "getPosture": "posture",
    "whoami": "whoami",
    "listRuns": "runs",
    "getRun": "get_run",
    "endRun": "end_run",
    "heartbeat": "heartbeat",
    "listPrices": "prices",
}
#: Agent routes the client does not call, and why.
NOT_COVERED = {
    "waitForApproval": "the single-approval long-poll; the client waits on sets (POST /v1/approvals/wait), ADR 0018",
    "codingAgentHook": "called by coding agents' hook runners (gatehouse hook), not by agent code",
    "health": "no key: for load balancers",
    "openApi": "no key: the document itself",
    "slackInteractions": "called by Slack (signed with the org's Slack signing secret), not by agent code",
    "slackEvents": "called by Slack (its url_verification proves the org's Slack app), not by agent code",
    "startCliLogin": "no key: the `gatehouse login --web` device flow's start, called by the CLI before it holds a key",
    "collectCliLogin": "no key: the `gatehouse login --web` poll, which hands the CLI its key once a member confirms",
    "listBudgets": "members only (posture.read); an agent reads the budgets it is held to in each answer's `budget`",
    "screenContentDetectors": "the org's own detectors are not run by the Python screen: Python's re is a backtracking engine (docs/content-detectors.md)",
}


def agent_operations() -> set[str]:
    document = json.loads(OPENAPI.read_text())
    return {
        operation["operationId"]
        for path, methods in document["paths"].items()
        if not path.startswith("/v1/orgs")
        for operation in methods.values()
        # A member's admin key only (x-gatehouse-key: admin): GatehouseAdmin's, not the agent client's.
        if operation.get("x-gatehouse-key") != "admin"
    }


def test_every_agent_route_of_the_contracts_has_a_method_or_a_reason() -> None:
    operations = agent_operations()
    unaccounted = operations - COVERED.keys() - NOT_COVERED.keys()
    assert not unaccounted, f"routes in docs/openapi.json the Python client does not call: {sorted(unaccounted)}"
    gone = (COVERED.keys() | NOT_COVERED.keys()) - operations
    assert not gone, f"routes no longer in the contracts: {sorted(gone)}"


@pytest.mark.parametrize("method", sorted(set(COVERED.values())))
def test_both_clients_have_the_method_with_the_same_parameters(method: str) -> None:
    def resolve(client: type, audit: type) -> object:
        owner, _, name = method.rpartition(".")
        return getattr(audit if owner == "audit" else client, name)

    sync, asynchronous = resolve(Gatehouse, Audit), resolve(AsyncGatehouse, AsyncAudit)
    assert list(inspect.signature(sync).parameters) == list(inspect.signature(asynchronous).parameters)  # type: ignore[arg-type]


def test_the_sync_client_is_the_current_twin_of_the_async_one() -> None:
    checked = subprocess.run([sys.executable, str(PACKAGE / "tools" / "unasync.py"), "--check"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_package_passes_mypy_strict() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed for this Python (Debian: python3-mypy)")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "src/gatehouse"], cwd=PACKAGE, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
