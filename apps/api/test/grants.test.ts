import { addTestMember, createTestOrg, testDatabaseUrl, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import { updateOrgSettings } from "@gatehouse/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopApp } from "./helpers";
import { spawnApi, type ApiProcess } from "./spawn-api";

// Standing grants (docs/approvals.md, Standing grants) across two API processes: a grant given through
// A lets the next matching call through B execute without a person, naming the grant; a call whose
// arguments do not match waits; a revocation through A holds for the very next call through B. And the
// attacker's table: the requester granting their own request, a role that may not approve, bounds past
// the org's settings, humanEachTime, a quorum of two, another org's approval, the last use raced.

const POLICIES = [
  { name: "deploys", actions: ["deploy.prod"], effect: "require_approval", approval: { timeoutSeconds: 600 } },
  { name: "wipes", actions: ["db.wipe"], effect: "require_approval", approval: { humanEachTime: true } },
  { name: "releases", actions: ["release.cut"], effect: "require_approval", approval: { quorum: 2 } },
];

let a: ApiProcess;
let b: ApiProcess;
let org: TestOrg;
let approver: TestMember;
let viewer: TestMember;

beforeAll(async () => {
  const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
  [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
  org = await createTestOrg({ label: "grants", policies: POLICIES });
  await updateOrgSettings({ ctx: org.ctx, input: { loops: { enabled: false }, grants: { maxDurationSeconds: 3600, maxUses: 20 } } });
  approver = await addTestMember(org, "approver", "grants-approver");
  viewer = await addTestMember(org, "viewer", "grants-viewer");
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await stopApp(undefined);
});

async function execute(api: ApiProcess, body: object, key = org.agent.apiKey): Promise<{ status: string; approvalId?: string; grant?: { id: string; usesLeft: number } }> {
  const response = await fetch(`${api.url}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json() as Promise<{ status: string; approvalId?: string; grant?: { id: string; usesLeft: number } }>;
}

async function admin(api: ApiProcess, member: { apiKey: string }, method: string, path: string, body?: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${member.apiKey}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("a standing grant across two API processes", () => {
  it("lets the next matching call through without a person, keeps a non-matching one waiting, and stops at once when revoked", async () => {
    const first = await execute(a, { actionType: "deploy.prod", metadata: { service: "payments", env: "prod" } });
    expect(first.status).toBe("requested");
    const granted = await admin(a, approver, "POST", `/v1/admin/approvals/${first.approvalId}/grant`, { durationSeconds: 600, uses: 5, match: { service: "payments" } });
    expect(granted.status).toBe(200);
    expect(granted.json).toMatchObject({
      approval: { status: "approved" },
      grant: { status: "active", uses: 0, maxUses: 5, actionType: "deploy.prod", match: { service: "payments" } },
    });
    const grantId = (granted.json.grant as { id: string }).id;
    // Posture shows it while it lives.
    const posture = await admin(a, { apiKey: org.adminKey.apiKey }, "GET", "/v1/posture");
    const findings = Object.values(posture.json.components as Record<string, { findings: Array<{ id: string }> }>).flatMap((c) => c.findings.map((x) => x.id));
    expect(findings).toContain("oversight.standing_grants");

    // canI answers what execute will do — allowed, naming the grant — and takes no use.
    const asked = await fetch(`${b.url}/v1/actions/check`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ actionType: "deploy.prod", metadata: { service: "payments", env: "prod", build: 2 } }),
    });
    expect(await asked.json()).toMatchObject({ status: "executed", allowed: true, needsApproval: false, grant: { id: grantId, usesLeft: 4 } });
    const covered = await execute(b, { actionType: "deploy.prod", metadata: { service: "payments", env: "prod", build: 2 } });
    expect(covered).toMatchObject({ status: "executed", grant: { id: grantId, usesLeft: 4 } });
    expect((await execute(b, { actionType: "deploy.prod", metadata: { service: "search" } })).status).toBe("requested");
    // Another agent of the org: not covered.
    const other = await admin(a, { apiKey: org.adminKey.apiKey }, "POST", "/v1/admin/agents", { name: "other-agent" });
    expect((await execute(b, { actionType: "deploy.prod", metadata: { service: "payments" } }, String(other.json.apiKey))).status).toBe("requested");

    expect((await admin(a, approver, "DELETE", `/v1/admin/grants/${grantId}`)).json).toMatchObject({ status: "revoked" });
    // The very next call through the other process waits for a person again.
    expect((await execute(b, { actionType: "deploy.prod", metadata: { service: "payments", build: 3 } })).status).toBe("requested");
    const listed = await admin(b, viewer, "GET", "/v1/admin/grants?status=all");
    expect((listed.json.grants as Array<{ id: string; uses: number; status: string }>).find((g) => g.id === grantId)).toMatchObject({ uses: 1, status: "revoked" });
  }, 60_000);

  it("lets exactly its uses through when many calls race for them on both processes", async () => {
    const first = await execute(a, { actionType: "deploy.prod", metadata: { service: "race" } });
    expect((await admin(a, approver, "POST", `/v1/admin/approvals/${first.approvalId}/grant`, { durationSeconds: 600, uses: 3 })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => execute(i % 2 ? a : b, { actionType: "deploy.prod", metadata: { service: "race" } })));
    expect(answers.filter((r) => r.status === "executed")).toHaveLength(3);
    expect(answers.filter((r) => r.status === "requested")).toHaveLength(9);
  }, 60_000);
});

describe("grants that are refused", () => {
  it.each([
    ["the requester granting their own request", "deploy.prod", { requestedBy: "self" }, {}, 403],
    ["a viewer (may not approve)", "deploy.prod", {}, { as: "viewer" }, 403],
    ["a duration past the org's maximum", "deploy.prod", {}, { durationSeconds: 7200 }, 400],
    ["more uses than the org's maximum", "deploy.prod", {}, { uses: 21 }, 400],
    ["an action its policy marks humanEachTime", "db.wipe", {}, {}, 403],
    ["an approval that needs two votes", "release.cut", {}, {}, 403],
  ] as const)("%s: refused, nothing granted, the request still pending", async (_name, actionType, metadata, options, status) => {
    const requested = await execute(a, { actionType, metadata: { ...("requestedBy" in metadata ? { requestedBy: approver.email } : {}), n: Math.random() } });
    expect(requested.status).toBe("requested");
    const as = "as" in options && options.as === "viewer" ? viewer : approver;
    const body = { durationSeconds: "durationSeconds" in options ? options.durationSeconds : 600, ...("uses" in options ? { uses: options.uses } : {}) };
    const answer = await admin(a, as, "POST", `/v1/admin/approvals/${requested.approvalId}/grant`, body);
    expect(answer.status).toBe(status);
    const approval = await fetch(`${a.url}/v1/approvals/${requested.approvalId}`, { headers: { authorization: `Bearer ${org.agent.apiKey}` } }).then(
      (r) => r.json() as Promise<{ status: string }>,
    );
    expect(approval.status).toBe("pending");
    const grants = (await admin(a, approver, "GET", "/v1/admin/grants?status=all")).json.grants as Array<{ approvalId: string }>;
    expect(grants.some((g) => g.approvalId === requested.approvalId)).toBe(false);
  });

  it("another org's approval: 404; the org's settings turning grants off: 403", async () => {
    const elsewhere = await createTestOrg({ label: "grants-other", policies: POLICIES });
    const theirs = await execute(a, { actionType: "deploy.prod", metadata: {} }, elsewhere.agent.apiKey);
    expect((await admin(a, approver, "POST", `/v1/admin/approvals/${theirs.approvalId}/grant`, { durationSeconds: 600 })).status).toBe(404);
    await updateOrgSettings({ ctx: elsewhere.ctx, input: { grants: { enabled: false } } });
    const owner = { apiKey: elsewhere.adminKey.apiKey };
    expect((await admin(a, owner, "POST", `/v1/admin/approvals/${theirs.approvalId}/grant`, { durationSeconds: 600 })).status).toBe(403);
  });
});
