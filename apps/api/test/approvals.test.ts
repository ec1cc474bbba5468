import { approvalWaiters, db } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, writesOf } from "./helpers";

let app: FastifyInstance;

beforeAll(async () => {
  // No background sweep here: these tests show that every read path records an expiry by itself.
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

const reviewPolicies = (approval: Record<string, unknown> = {}) => [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600, ...approval } },
];

async function requestApproval(org: TestOrg, metadata: Record<string, unknown> = {}, key = org.agent.apiKey): Promise<{ approvalId: string; auditEventId: string }> {
  const response = await call(app, "POST", "/v1/actions", { key, body: { actionType: "pr.merge", metadata } });
  const result = response.json();
  expect(result).toMatchObject({ status: "requested", approvalId: expect.stringMatching(/^apr_/) });
  return result;
}

const decide = (key: string, approvalId: string, decision: "approve" | "deny", reason?: string) =>
  call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key, body: { decision, ...(reason ? { reason } : {}) } });

const approval = (key: string, approvalId: string) => call(app, "GET", `/v1/approvals/${approvalId}`, { key }).then((r) => r.json());

async function auditTypes(orgId: string, subjectId: string): Promise<string[]> {
  const rows = await db().auditEntry.findMany({ where: { orgId, subjectId }, orderBy: { seq: "asc" } });
  return rows.map((r) => r.type);
}

describe("quorum and veto", () => {
  let org: TestOrg;
  let members: TestMember[];
  beforeAll(async () => {
    org = await createTestOrg({ label: "quorum", policies: reviewPolicies({ quorum: 2 }) });
    members = await Promise.all([addTestMember(org, "approver", "a1"), addTestMember(org, "approver", "a2"), addTestMember(org, "admin", "a3")]);
  });

  it("2 of 3: one approval leaves it pending, a second distinct approver approves it, a third is too late", async () => {
    const { approvalId, auditEventId } = await requestApproval(org);
    const [m1, m2, m3] = members as [TestMember, TestMember, TestMember];

    const first = await decide(m1.apiKey, approvalId, "approve", "looks fine");
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: "pending", approvals: 1, quorum: 2, votes: [{ member: { email: m1.email }, decision: "approve", reason: "looks fine" }] });

    const again = await decide(m1.apiKey, approvalId, "approve"); // a retry: same answer, nothing new
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: "pending", approvals: 1 });
    const changedMind = await decide(m1.apiKey, approvalId, "deny");
    expect(changedMind.statusCode).toBe(409);
    expect(changedMind.json().error.message).toContain("already voted");

    const second = await decide(m2.apiKey, approvalId, "approve");
    expect(second.json()).toMatchObject({ status: "approved", approvals: 2, decidedBy: { email: m2.email } });
    expect(second.json().result).toMatchObject({ status: "executed", auditEventId, approvalId });

    const late = await decide(m3.apiKey, approvalId, "approve");
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toContain("already approved");

    expect(await auditTypes(org.org.id, approvalId)).toEqual(["approval.vote", "approval.vote", "approval.decided"]);
    const action = await db().action.findFirstOrThrow({ where: { auditEntryId: auditEventId } });
    expect(action.status).toBe("executed");
  });

  it("any eligible deny ends it (veto), and the agent reads DENIED_BY_REVIEWER with the reason", async () => {
    const { approvalId } = await requestApproval(org);
    const [m1, m2] = members as [TestMember, TestMember];
    await decide(m1.apiKey, approvalId, "approve");
    const veto = await decide(m2.apiKey, approvalId, "deny", "not on a Friday");
    expect(veto.json()).toMatchObject({ status: "denied", decisionReason: "not on a Friday", decidedBy: { email: m2.email } });
    const seen = await approval(org.agent.apiKey, approvalId);
    expect(seen.result).toMatchObject({ status: "denied", denialReason: "DENIED_BY_REVIEWER" });
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, subjectId: approvalId, type: "approval.decided" } });
    expect(JSON.parse(entries[0]?.canonical ?? "{}").data).toMatchObject({ status: "denied", reason: "not on a Friday", decidedBy: { id: m2.membershipId } });
  });

  it("an outcome cannot be reported while the approval is pending, and can once it is approved", async () => {
    const { approvalId, auditEventId } = await requestApproval(org);
    const early = await call(app, "POST", `/v1/actions/${auditEventId}/outcome`, { key: org.agent.apiKey, body: { status: "success" } });
    expect(early.statusCode).toBe(409);
    const [m1, m2] = members as [TestMember, TestMember];
    await decide(m1.apiKey, approvalId, "approve");
    await decide(m2.apiKey, approvalId, "approve");
    const after = await call(app, "POST", `/v1/actions/${auditEventId}/outcome`, { key: org.agent.apiKey, body: { status: "success" } });
    expect(after.statusCode).toBe(200);
  });
});

describe("who may decide", () => {
  it("the member named in metadata.requestedBy cannot approve their own request; another member can", async () => {
    const org = await createTestOrg({ label: "sod", policies: reviewPolicies() });
    const alice = await addTestMember(org, "approver", "alice");
    const bob = await addTestMember(org, "approver", "bob");
    const { approvalId } = await requestApproval(org, { requestedBy: alice.email });
    const own = await decide(alice.apiKey, approvalId, "approve");
    expect(own.statusCode).toBe(403);
    expect(own.json().error.message).toContain("separation of duties");
    const ownDeny = await decide(alice.apiKey, approvalId, "deny");
    expect(ownDeny.statusCode).toBe(403);
    expect((await call(app, "GET", `/v1/admin/approvals/${approvalId}`, { key: alice.apiKey })).json().viewer).toMatchObject({ canDecide: false });
    expect((await decide(bob.apiKey, approvalId, "approve")).json().status).toBe("approved");
  });

  it("with excludeAgentOwner, the member who created the agent cannot approve its actions", async () => {
    const org = await createTestOrg({ label: "owner", policies: reviewPolicies({ excludeAgentOwner: true }) });
    const creator = await addTestMember(org, "admin", "creator");
    const other = await addTestMember(org, "approver", "other");
    const created = await call(app, "POST", "/v1/admin/agents", { key: creator.apiKey, body: { name: "owned-bot" } });
    expect(created.statusCode).toBe(201);
    const { approvalId } = await requestApproval(org, {}, created.json().apiKey);
    const byOwner = await decide(creator.apiKey, approvalId, "approve");
    expect(byOwner.statusCode).toBe(403);
    expect(byOwner.json().error.message).toContain("created this agent");
    expect((await decide(other.apiKey, approvalId, "approve")).json().status).toBe("approved");
  });

  it("a member whose role may not approve gets 403 and changes nothing", async () => {
    const org = await createTestOrg({ label: "role", policies: reviewPolicies() });
    const viewer = await addTestMember(org, "viewer");
    const { approvalId } = await requestApproval(org);
    const before = await writesOf(org.org.id);
    const response = await decide(viewer.apiKey, approvalId, "approve");
    expect(response.statusCode).toBe(403);
    expect(await writesOf(org.org.id)).toEqual(before);
    expect((await approval(org.agent.apiKey, approvalId)).status).toBe("pending");
  });

  it("another org's approval is a 404 for its members and its agents; another agent's is a 404 too", async () => {
    const org = await createTestOrg({ label: "mine", policies: reviewPolicies() });
    const other = await createTestOrg({ label: "theirs", policies: reviewPolicies() });
    const { approvalId } = await requestApproval(org);
    expect((await decide(other.adminKey.apiKey, approvalId, "approve")).statusCode).toBe(404);
    expect((await call(app, "GET", `/v1/admin/approvals/${approvalId}`, { key: other.adminKey.apiKey })).statusCode).toBe(404);
    expect((await call(app, "GET", `/v1/approvals/${approvalId}`, { key: other.agent.apiKey })).statusCode).toBe(404);
    expect((await call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=0`, { key: other.agent.apiKey })).statusCode).toBe(404);
    const sibling = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "sibling" } });
    expect((await call(app, "GET", `/v1/approvals/${approvalId}`, { key: sibling.json().apiKey })).statusCode).toBe(404);
  });

  it("an agent key cannot decide, and a malformed decision is a 400 naming the field", async () => {
    const org = await createTestOrg({ label: "agentdecide", policies: reviewPolicies() });
    const { approvalId } = await requestApproval(org);
    expect((await decide(org.agent.apiKey, approvalId, "approve")).statusCode).toBe(403);
    const bad = await call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key: org.adminKey.apiKey, body: { decision: "maybe" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe("decision");
  });
});

describe("expiry and cancellation", () => {
  it("an approval past its deadline is recorded as expired (APPROVAL_EXPIRED, never a human denial) and cannot be decided", async () => {
    const org = await createTestOrg({ label: "expiry", policies: reviewPolicies() });
    const { approvalId } = await requestApproval(org);
    await db().approval.update({ where: { id: approvalId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const waited = await call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=0`, { key: org.agent.apiKey });
    expect(waited.json()).toMatchObject({ status: "expired", decidedBy: null, result: { status: "denied", denialReason: "APPROVAL_EXPIRED" } });
    const late = await decide(org.adminKey.apiKey, approvalId, "approve");
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toContain("expired");
    expect(await auditTypes(org.org.id, approvalId)).toEqual(["approval.expired"]);
  });

  it("the pending list never shows an approval past its deadline", async () => {
    const org = await createTestOrg({ label: "expirylist", policies: reviewPolicies() });
    const { approvalId } = await requestApproval(org);
    await db().approval.update({ where: { id: approvalId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const pending = (await call(app, "GET", "/v1/admin/approvals", { key: org.adminKey.apiKey })).json();
    expect(pending.approvals).toEqual([]);
    const expired = (await call(app, "GET", "/v1/admin/approvals?status=expired", { key: org.adminKey.apiKey })).json();
    expect(expired.approvals.map((a: { id: string }) => a.id)).toEqual([approvalId]);
  });

  it("a waiter parked on an approval is answered when its deadline passes", async () => {
    const org = await createTestOrg({ label: "expirywait", policies: reviewPolicies() });
    const { approvalId } = await requestApproval(org);
    await db().approval.update({ where: { id: approvalId }, data: { expiresAt: new Date(Date.now() + 300) } });
    const waited = await call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=10000`, { key: org.agent.apiKey });
    expect(waited.json()).toMatchObject({ status: "expired", result: { denialReason: "APPROVAL_EXPIRED" } });
  });

  it("halting the agent cancels its pending approvals and wakes their waiters with AGENT_HALTED", async () => {
    const org = await createTestOrg({ label: "haltcancel", policies: reviewPolicies() });
    const { approvalId } = await requestApproval(org);
    const waiting = call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=20000`, { key: org.agent.apiKey });
    await new Promise((r) => setTimeout(r, 100));
    const halted = await call(app, "POST", `/v1/admin/agents/${org.agent.id}/halt`, { key: org.adminKey.apiKey, body: { reason: "incident 7" } });
    expect(halted.statusCode).toBe(200);
    const woken = (await waiting).json();
    expect(woken).toMatchObject({ status: "cancelled", decisionReason: "incident 7", result: { status: "denied", denialReason: "AGENT_HALTED" } });
    expect(await auditTypes(org.org.id, approvalId)).toEqual(["approval.cancelled"]);
    expect((await decide(org.adminKey.apiKey, approvalId, "approve")).statusCode).toBe(409);
  });
});

describe("long-poll", () => {
  it("answers a decided approval at once, and holds a pending one until it is decided", async () => {
    const org = await createTestOrg({ label: "wait", policies: reviewPolicies() });
    const { approvalId } = await requestApproval(org);
    const immediate = await call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=0`, { key: org.agent.apiKey });
    expect(immediate.json().status).toBe("pending");

    let answered = false;
    const waiting = call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=20000`, { key: org.agent.apiKey }).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(answered).toBe(false);
    await decide(org.adminKey.apiKey, approvalId, "approve");
    const woken = await waiting;
    expect(woken.json()).toMatchObject({ status: "approved", result: { status: "executed" } });
  });

  it("one bulk decision answers every wait, several on one approval among them, and empties the parking lot", async () => {
    const org = await createTestOrg({ label: "waitmany", policies: reviewPolicies() });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await requestApproval(org)).approvalId);
    const waitOn = (id: string) => call(app, "GET", `/v1/approvals/${id}/wait?timeoutMs=20000`, { key: org.agent.apiKey }).then((r) => r.json().status);
    const waits = [...ids.map(waitOn), waitOn(ids[0] as string), waitOn(ids[0] as string)];
    await new Promise((r) => setTimeout(r, 200));
    expect(approvalWaiters().size).toBe(5);
    await call(app, "POST", "/v1/admin/approvals/decision", { key: org.adminKey.apiKey, body: { approvalIds: ids, decision: "approve" } });
    expect(await Promise.all(waits)).toEqual(["approved", "approved", "approved", "approved", "approved"]);
    expect(approvalWaiters().size).toBe(0);
  });

  it("a wait that times out answers the approval still pending", async () => {
    const org = await createTestOrg({ label: "waittimeout", policies: reviewPolicies() });
    const { approvalId } = await requestApproval(org);
    const response = await call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=150`, { key: org.agent.apiKey });
    expect(response.statusCode).toBe(200);
    expect(response.json().status).toBe("pending");
  });

  it("refuses a timeout that is not a whole number of milliseconds", async () => {
    const org = await createTestOrg({ label: "waitbad", policies: reviewPolicies() });
    const { approvalId } = await requestApproval(org);
    const response = await call(app, "GET", `/v1/approvals/${approvalId}/wait?timeoutMs=soon`, { key: org.agent.apiKey });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues[0].path).toBe("timeoutMs");
  });
});

describe("admin list and bulk decisions", () => {
  it("lists pending approvals newest first with keyset pages, filters by action type, and decides several at once", async () => {
    const org = await createTestOrg({ label: "list", policies: [...reviewPolicies(), { name: "review-deploys", actions: ["deploy.prod"], effect: "require_approval" }] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await requestApproval(org, { n: i })).approvalId);
    await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "deploy.prod" } });
    const first = (await call(app, "GET", "/v1/admin/approvals?limit=2&actionType=pr.merge", { key: org.adminKey.apiKey })).json();
    expect(first.approvals.map((a: { id: string }) => a.id)).toEqual([ids[2], ids[1]]);
    const second = (await call(app, "GET", `/v1/admin/approvals?limit=2&actionType=pr.merge&cursor=${first.nextCursor}`, { key: org.adminKey.apiKey })).json();
    expect(second).toMatchObject({ approvals: [{ id: ids[0] }], nextCursor: null });

    const bulk = await call(app, "POST", "/v1/admin/approvals/decision", {
      key: org.adminKey.apiKey,
      body: { approvalIds: [ids[0], ids[1], "apr_0000000000doesnotexist"], decision: "approve" },
    });
    expect(bulk.json().results).toEqual([
      { approvalId: ids[0], status: "approved" },
      { approvalId: ids[1], status: "approved" },
      { approvalId: "apr_0000000000doesnotexist", error: { code: "NOT_FOUND", message: "approval not found" } },
    ]);
    const pending = (await call(app, "GET", "/v1/admin/approvals", { key: org.adminKey.apiKey })).json();
    expect(pending.approvals.map((a: { actionType: string }) => a.actionType).sort()).toEqual(["deploy.prod", "pr.merge"]);
    const bad = await call(app, "GET", "/v1/admin/approvals?status=maybe", { key: org.adminKey.apiKey });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe("status");
  });

  it("an auditor cannot read approvals (audit only)", async () => {
    const org = await createTestOrg({ label: "auditor", policies: reviewPolicies() });
    const auditor = await addTestMember(org, "auditor");
    expect((await call(app, "GET", "/v1/admin/approvals", { key: auditor.apiKey })).statusCode).toBe(403);
  });
});
