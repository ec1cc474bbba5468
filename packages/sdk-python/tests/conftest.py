"""The suite runs against a real API process over a real, fresh PostgreSQL database, as the TypeScript
SDK's integration tests do: scripts/python/fixture-server.ts starts both (and a factory that makes a
fresh org per test) and stops them when this session ends. Needs Node and the repository's npm install,
PostgreSQL at DATABASE_URL and Redis at REDIS_URL (the defaults are the local ones)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]

#: What most tests' orgs enforce: reads allowed, deploys held for a person, drops denied.
POLICIES: list[dict[str, Any]] = [
    {"name": "reads", "actions": ["doc.read", "pr.read"], "effect": "allow"},
    {"name": "writes", "actions": ["pr.open", "pr.comment"], "effect": "allow"},
    {"name": "deploys", "actions": ["deploy.*"], "effect": "require_approval"},
    {"name": "no-drops", "actions": ["db.drop"], "effect": "deny"},
]


@dataclass(frozen=True)
class Server:
    api: str
    factory: str

    def org(self, policies: list[dict[str, Any]] | None = None) -> Org:
        answer = httpx.post(f"{self.factory}/orgs", json={"policies": POLICIES if policies is None else policies}, timeout=60)
        answer.raise_for_status()
        made = answer.json()
        return Org(self, made["orgId"], made["agentId"], made["agentKey"], made["adminKey"], made["approverKey"], made["approverEmail"])


@dataclass(frozen=True)
class Org:
    server: Server
    org_id: str
    agent_id: str
    agent_key: str
    admin_key: str
    approver_key: str
    approver_email: str

    def decide(self, approval_id: str, decision: str, reason: str | None = None) -> float:
        """Votes as the approver, as the console does; answers when the decision was recorded (monotonic)."""
        body: dict[str, Any] = {"decision": decision, **({"reason": reason} if reason is not None else {})}
        answer = httpx.post(
            f"{self.server.api}/v1/admin/approvals/{approval_id}/decision",
            json=body,
            headers={"authorization": f"Bearer {self.approver_key}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return time.monotonic()

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.server.api}{path}", headers={"authorization": f"Bearer {self.admin_key}"}, timeout=30, **kwargs)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    command = ["node", "--conditions=@gatehouse/source", "--import", "tsx", "scripts/python/fixture-server.ts"]
    child = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "LOG_LEVEL": "warn"})
    assert child.stdout is not None and child.stdin is not None
    ready, _, _ = select.select([child.stdout], [], [], 120)
    line = child.stdout.readline() if ready else b""
    if not line:
        child.kill()
        raise RuntimeError(f"scripts/python/fixture-server.ts did not start (exit {child.poll()})")
    started = json.loads(line)
    try:
        yield Server(started["api"], started["factory"])
    finally:
        child.stdin.close()  # it stops the API and drops its database
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


@pytest.fixture
def org(server: Server) -> Org:
    return server.org()


def wait_until_requested(org: Org, action_type: str, timeout: float = 10.0) -> str:
    """The id of the pending approval of ``action_type`` once it exists (the console's list)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = org.admin("GET", "/v1/admin/approvals?status=pending").json()
        for approval in answer.get("approvals", []):
            if approval["actionType"] == action_type:
                return str(approval["id"])
        time.sleep(0.02)
    raise AssertionError(f"no pending approval of {action_type}")
