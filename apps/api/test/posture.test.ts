import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { db, rollUpDecisions } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// GET /v1/posture against an org built through the real API, compared with docs/posture.md's formulas.
//
// The decision counts come from decision_rollups, which the worker's rollup job (rollUpDecisions)
// keeps from the audit log: the test runs that job after the decisions, as the worker would. Org B's
// thousand denials are inserted as rollup rows with SQL (volume, not behaviour, is what they add).

let app: FastifyInstance;
let a: TestOrg;
let b: TestOrg;

const POLICIES = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
  { name: "try-docs", actions: ["docs.*"], effect: "allow", mode: "monitor" },
];

interface Finding {
  id: string;
  points: number;
  message: string;
}
interface Posture {
  score: number;
  windowDays: number;
  components: Record<string, { score: number; max: number; findings: Finding[] }>;
}

const posture = async (key: string): Promise<Posture> => {
  const response = await call(app, "GET", "/v1/posture", { key });
  expect(response.statusCode).toBe(200);
  return response.json() as Posture;
};
const ids = (p: Posture): Record<string, string[]> => Object.fromEntries(Object.entries(p.components).map(([name, c]) => [name, c.findings.map((f) => f.id)]));

async function insertRollup(
  orgId: string,
  agentId: string,
  actionType: string,
  counts: { executed?: number; denied?: number; requested?: number; noPolicy?: number; outcomes?: number },
) {
  await db().pool.query(
    `INSERT INTO decision_rollups (org_id, period, bucket, agent_id, action_type, executed, denied, requested, no_policy, outcomes)
     VALUES ($1, 'hour', date_trunc('hour', now()), $2, $3, $4, $5, $6, $7, $8), ($1, 'day', date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', $2, $3, $4, $5, $6, $7, $8)`,
    [orgId, agentId, actionType, counts.executed ?? 0, counts.denied ?? 0, counts.requested ?? 0, counts.noPolicy ?? 0, counts.outcomes ?? 0],
  );
}

beforeAll(async () => {
  app = await startApp();
  a = await createTestOrg({ label: "posture-a" });
  b = await createTestOrg({ label: "posture-b" });
  const admin = a.adminKey.apiKey;
  const agent = a.agent.apiKey;
  expect((await call(app, "PUT", "/v1/admin/policies", { key: admin, body: { policies: POLICIES } })).statusCode).toBe(200);

  // 3 executed pr.open (one outcome reported), 1 repo.delete denied with NO_POLICY, 2 pr.merge requested.
  const opened = [];
  for (let i = 0; i < 3; i += 1) opened.push((await call(app, "POST", "/v1/actions", { key: agent, body: { actionType: "pr.open", metadata: { i } } })).json());
  expect(opened.map((o) => o.status)).toEqual(["executed", "executed", "executed"]);
  expect((await call(app, "POST", `/v1/actions/${opened[0].auditEventId}/outcome`, { key: agent, body: { status: "success" } })).statusCode).toBe(200);
  const denied = (await call(app, "POST", "/v1/actions", { key: agent, body: { actionType: "repo.delete" } })).json();
  expect(denied.denialReason).toBe("NO_POLICY");
  const merge = (await call(app, "POST", "/v1/actions", { key: agent, body: { actionType: "pr.merge", metadata: { pr: 1 } } })).json();
  const own = (await call(app, "POST", "/v1/actions", { key: agent, body: { actionType: "pr.merge", metadata: { pr: 2, requestedBy: a.owner.email } } })).json();
  expect([merge.status, own.status]).toEqual(["requested", "requested"]);

  // The owner approves one, and is refused on the one they requested (separation of duties: recorded).
  expect((await call(app, "POST", `/v1/admin/approvals/${merge.approvalId}/decision`, { key: admin, body: { decision: "approve" } })).statusCode).toBe(200);
  expect((await call(app, "POST", `/v1/admin/approvals/${own.approvalId}/decision`, { key: admin, body: { decision: "approve" } })).statusCode).toBe(403);

  // The worker's rollup job counts them (3 executed pr.open with 1 outcome, 1 NO_POLICY denial, 2 requested).
  while ((await rollUpDecisions()) > 0);
  // Org B: a thousand NO_POLICY denials of its own, which must never count for A.
  await insertRollup(b.org.id, b.agent.id, "db.drop", { denied: 1_000, noPolicy: 1_000 });
});

afterAll(async () => {
  await stopApp(app);
});

describe("GET /v1/posture", () => {
  it("scores the org by docs/posture.md; an agent key and an admin key get the same answer", async () => {
    const byAgent = await posture(a.agent.apiKey);
    const byAdmin = await posture(a.adminKey.apiKey);
    expect(byAgent.components).toEqual(byAdmin.components);
    expect(byAdmin.windowDays).toBe(30);
    expect(ids(byAdmin)).toEqual({
      // NO_POLICY 1 of 6: ceil(30 × 1/6) = 5; repo.delete is named by no enforce-mode policy: 2 → 18
      policyCoverage: ["coverage.no_policy_denials", "coverage.uncovered_action_types"],
      // one refused self-approval: 1; review-merges (pr.merge, quorum 1): 2 → 22
      humanOversight: ["oversight.self_approval_attempts", "oversight.high_risk_single_quorum"],
      // the agent's key never expires: 1; SSO not required: 1 → 23
      identityAccess: ["identity.agent_keys_without_expiry", "identity.sso_not_required"],
      // never verified: 10; no auditor export: 3 → 12
      auditIntegrity: ["audit.not_verified", "audit.no_auditor_export"],
    });
    expect(byAdmin.components.policyCoverage?.findings.map((f) => f.points)).toEqual([5, 2]);
    expect(byAdmin.components.policyCoverage?.findings[0]).toMatchObject({ message: "1 of 6 decisions (17 %) in the last 30 days were denied with NO_POLICY." });
    expect(Object.fromEntries(Object.entries(byAdmin.components).map(([name, c]) => [name, c.score]))).toEqual({
      policyCoverage: 18,
      humanOversight: 22,
      identityAccess: 23,
      auditIntegrity: 12,
    });
    expect(byAdmin.score).toBe(75);
  });

  it("counts verifications and exports: an owner's verify clears not_verified, only an auditor's export clears no_auditor_export", async () => {
    const verified = await call(app, "POST", "/v1/audit/verify", { key: a.adminKey.apiKey });
    expect(verified.statusCode).toBe(200);
    expect(verified.json().valid).toBe(true);
    expect((await call(app, "GET", "/v1/audit/export", { key: a.adminKey.apiKey })).statusCode).toBe(200);
    expect(ids(await posture(a.agent.apiKey)).auditIntegrity).toEqual(["audit.no_auditor_export"]);

    const auditor = await addTestMember(a, "auditor");
    expect((await call(app, "GET", "/v1/audit/export", { key: auditor.apiKey })).statusCode).toBe(200);
    const after = await posture(auditor.apiKey);
    expect(after.components.auditIntegrity).toEqual({ score: 25, max: 25, findings: [] });
    expect(after.score).toBe(18 + 22 + 23 + 25);

    const reviews = await db().auditReview.findMany({ where: { orgId: a.org.id }, orderBy: { createdAt: "asc" } });
    expect(reviews.map((r) => [r.kind, r.actorType, r.memberRole, r.valid])).toEqual([
      ["verify", "adminKey", "owner", true],
      ["export", "adminKey", "owner", null],
      ["export", "adminKey", "auditor", null],
    ]);
  });

  it("another org's data never counts", async () => {
    const other = await posture(b.adminKey.apiKey);
    const [noPolicy] = other.components.policyCoverage?.findings ?? [];
    expect(noPolicy).toMatchObject({ id: "coverage.no_policy_denials", points: 15 });
    expect(noPolicy?.message).toContain("1,000 of 1,000 decisions");
    expect(ids(other).humanOversight).toEqual([]);
    expect(ids(other).auditIntegrity).toEqual(["audit.not_verified", "audit.no_auditor_export"]);
    // A's numbers are unchanged by B's thousand denials.
    expect((await posture(a.agent.apiKey)).components.policyCoverage?.score).toBe(18);
  });
});
