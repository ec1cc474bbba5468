import { addTestMember, createTestOrg, testDatabaseUrl, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { stopApp } from "./helpers";
import { spawnApi, type ApiProcess } from "./spawn-api";

/** A gate waits on one API process; the decision is made through another. */
const policies = [{ name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } }];

async function requested(api: ApiProcess, org: TestOrg): Promise<string> {
  const response = await fetch(`${api.url}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType: "pr.merge" }),
  });
  const body = (await response.json()) as { status: string; approvalId: string };
  expect(body.status).toBe("requested");
  return body.approvalId;
}

function wait(api: ApiProcess, org: TestOrg, approvalId: string, timeoutMs: number): Promise<{ status: string; result: { status: string } }> {
  return fetch(`${api.url}/v1/approvals/${approvalId}/wait?timeoutMs=${timeoutMs}`, { headers: { authorization: `Bearer ${org.agent.apiKey}` } }).then(
    (r) => r.json() as Promise<{ status: string; result: { status: string } }>,
  );
}

function decide(api: ApiProcess, member: TestMember, approvalId: string, decision: "approve" | "deny"): Promise<Response> {
  return fetch(`${api.url}/v1/admin/approvals/${approvalId}/decision`, {
    method: "POST",
    headers: { authorization: `Bearer ${member.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ decision }),
  });
}

/** Resolves once `api` has parked a waiter (its wait is in flight), so the decision cannot land before it. */
const parked = () => new Promise((r) => setTimeout(r, 300));

describe("waiting on one process, deciding on another", () => {
  const processes: ApiProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await stopApp(undefined);
  });

  it("with Redis: the waiter on A is woken by a decision made through B", async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
    const [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
    processes.push(a, b);
    const org = await createTestOrg({ label: "wake-redis", policies });
    const approver = await addTestMember(org, "approver");
    const approvalId = await requested(a, org);
    const waiting = wait(a, org, approvalId, 20_000);
    await parked();
    expect((await decide(b, approver, approvalId, "approve")).status).toBe(200);
    expect(await waiting).toMatchObject({ status: "approved", result: { status: "executed" } });
  }, 60_000);

  it("without Redis: the database poll wakes the waiter on A after a decision through B", async () => {
    const env = { DATABASE_URL: testDatabaseUrl() };
    const [a, b] = await Promise.all([spawnApi(env, ["REDIS_URL"]), spawnApi(env, ["REDIS_URL"])]);
    processes.push(a, b);
    const org = await createTestOrg({ label: "wake-poll", policies });
    const approver = await addTestMember(org, "approver");
    const approvalId = await requested(a, org);
    const waiting = wait(a, org, approvalId, 20_000);
    await parked();
    expect((await decide(b, approver, approvalId, "deny")).status).toBe(200);
    // Answered with the decision, not with `pending` at the end of the 20 s hold.
    expect(await waiting).toMatchObject({ status: "denied", result: { status: "denied" } });
  }, 60_000);
});
