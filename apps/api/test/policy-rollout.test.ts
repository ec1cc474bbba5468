import { db, rollUpDecisions } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// Policy rollout through the API: the org's report-only trial (settings `policies.reportOnly`) on
// execute and canI, what still refuses under it, and GET /v1/admin/policies/monitor and the list's
// use counts, from the rollups the worker's job keeps (run here after the decisions, as the worker would).

let app: FastifyInstance;
let org: TestOrg;
let other: TestOrg;

const POLICIES = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
  { name: "no-deletes", actions: ["*.delete"], effect: "deny" },
  { name: "trial-no-push", actions: ["pr.push"], effect: "deny", mode: "monitor" },
];

interface Answer {
  status: string;
  denialReason?: string;
  policyName?: string;
  approvalId?: string;
  auditEventId?: string;
  message: string;
  reportOnly?: { wouldBe: string; reason?: string; policy?: string };
  allowed?: boolean;
  needsApproval?: boolean;
}

const execute = async (actionType: string): Promise<Answer> => {
  const response = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType } });
  expect(response.statusCode).toBe(200);
  return response.json() as Answer;
};
const check = async (actionType: string): Promise<Answer> => {
  const response = await call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body: { actionType } });
  expect(response.statusCode).toBe(200);
  return response.json() as Answer;
};
const setReportOnly = async (reportOnly: boolean) => {
  const response = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { policies: { reportOnly } } });
  expect(response.statusCode).toBe(200);
  expect(response.json().policies.reportOnly).toBe(reportOnly);
};
const entryData = async (auditEventId: string | undefined): Promise<Record<string, unknown>> => {
  const { rows } = await db().pool.query<{ canonical: string }>(`SELECT canonical FROM audit_entries WHERE id = $1`, [auditEventId]);
  return (JSON.parse(rows[0]?.canonical ?? "{}") as { data: Record<string, unknown> }).data;
};

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "rollout" });
  other = await createTestOrg({ label: "rollout-other", policies: POLICIES });
  expect((await call(app, "PUT", "/v1/admin/policies", { key: org.adminKey.apiKey, body: { policies: POLICIES } })).statusCode).toBe(200);
});
afterAll(async () => {
  await stopApp(app);
});

describe("report-only (policies.reportOnly)", () => {
  it("off (the default): policies deny and hold as written, and no answer carries reportOnly", async () => {
    const denied = await execute("db.delete");
    expect([denied.status, denied.denialReason, denied.policyName, denied.reportOnly]).toEqual(["denied", "CONDITIONS_DENIED", "no-deletes", undefined]);
    const none = await execute("fs.wipe");
    expect([none.status, none.denialReason, none.reportOnly]).toEqual(["denied", "NO_POLICY", undefined]);
    const held = await execute("pr.merge");
    expect([held.status, typeof held.approvalId, held.reportOnly]).toEqual(["requested", "string", undefined]);
    expect((await entryData(denied.auditEventId)).reportOnly).toBeUndefined();
    const asked = await check("db.delete");
    expect([asked.status, asked.allowed, asked.reportOnly]).toEqual(["denied", false, undefined]);
  });

  it("on: a deny (NO_POLICY too) or require_approval executes, saying and recording what it would have been", async () => {
    await setReportOnly(true);
    const denied = await execute("db.delete");
    expect(denied.status).toBe("executed");
    expect(denied.denialReason).toBeUndefined();
    expect(denied.policyName).toBe("no-deletes");
    expect(denied.reportOnly).toEqual({ wouldBe: "deny", reason: "CONDITIONS_DENIED", policy: "no-deletes" });
    expect(denied.message).toContain("report-only");
    expect((await entryData(denied.auditEventId)).reportOnly).toEqual({ wouldBe: "deny", reason: "CONDITIONS_DENIED", policy: "no-deletes" });

    const none = await execute("fs.wipe");
    expect([none.status, none.reportOnly]).toEqual(["executed", { wouldBe: "deny", reason: "NO_POLICY" }]);
    expect((await entryData(none.auditEventId)).reportOnly).toEqual({ wouldBe: "deny", reason: "NO_POLICY" });

    const held = await execute("pr.merge");
    expect([held.status, held.approvalId, held.reportOnly]).toEqual(["executed", undefined, { wouldBe: "require_approval", policy: "review-merges" }]);
    const data = await entryData(held.auditEventId);
    expect([data.status, data.approvalId, data.reportOnly]).toEqual(["executed", undefined, { wouldBe: "require_approval", policy: "review-merges" }]);
    expect(await db().approval.count({ where: { orgId: org.org.id } })).toBe(1); // only the one from before the trial

    // An allow is unchanged; a monitor-mode deny is recorded as before (monitored), not as report-only.
    const allowed = await execute("pr.push");
    expect([allowed.status, allowed.policyName, allowed.reportOnly]).toEqual(["executed", "allow-pr", undefined]);

    // canI answers as execute would.
    for (const [actionType, wouldBe] of [
      ["db.delete", "deny"],
      ["fs.wipe", "deny"],
      ["pr.merge", "require_approval"],
    ] as const) {
      const asked = await check(actionType);
      expect([asked.status, asked.allowed, asked.needsApproval, asked.reportOnly?.wouldBe]).toEqual(["executed", true, false, wouldBe]);
    }
    expect((await check("pr.open")).reportOnly).toBeUndefined();
  });

  it("on: a halted agent is still refused (AGENT_HALTED), by execute and canI, with nothing reported as a trial", async () => {
    const halted = await call(app, "POST", `/v1/admin/agents/${org.agent.id}/halt`, { key: org.adminKey.apiKey, body: { reason: "trial incident" } });
    expect(halted.statusCode).toBe(200);
    const refused = await execute("db.delete");
    expect([refused.status, refused.denialReason, refused.reportOnly]).toEqual(["denied", "AGENT_HALTED", undefined]);
    expect((await entryData(refused.auditEventId)).reportOnly).toBeUndefined();
    const asked = await check("fs.wipe");
    expect([asked.status, asked.denialReason, asked.reportOnly]).toEqual(["denied", "AGENT_HALTED", undefined]);
    expect((await call(app, "POST", `/v1/admin/agents/${org.agent.id}/resume`, { key: org.adminKey.apiKey, body: {} })).statusCode).toBe(200);
  });

  it("off again: enforcement is back from the next decision", async () => {
    await setReportOnly(false);
    expect((await execute("db.delete")).status).toBe("denied");
  });
});

describe("GET /v1/admin/policies/monitor and the list's use counts", () => {
  it("counts what monitor mode and the trial would have blocked, per policy and per UTC day", async () => {
    // The other org decides too: none of its counts may show in this org's answers.
    for (let i = 0; i < 3; i += 1) {
      const response = await call(app, "POST", "/v1/actions", { key: other.agent.apiKey, body: { actionType: "pr.push" } });
      expect(response.json().status).toBe("executed");
    }
    await rollUpDecisions();
    const response = await call(app, "GET", "/v1/admin/policies/monitor?days=3", { key: org.adminKey.apiKey });
    expect(response.statusCode).toBe(200);
    const monitor = response.json() as {
      days: number;
      series: Array<{ at: string; wouldBlock: number }>;
      byPolicy: Array<{ policy: string; decided: number; wouldBlock: number }>;
    };
    expect(monitor.days).toBe(3);
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    expect(monitor.series.map((p) => p.at)).toEqual([today - 2 * day, today - day, today].map((t) => new Date(t).toISOString()));
    // Decided: off — db.delete, fs.wipe, pr.merge; on — db.delete, fs.wipe, pr.merge, pr.push; halted — db.delete (no policy: AGENT_HALTED); off — db.delete.
    // Would block: on — no-deletes, (no policy), review-merges; pr.push — trial-no-push (monitor).
    expect(monitor.byPolicy).toEqual([
      { policy: "no-deletes", decided: 3, wouldBlock: 1 },
      { policy: "review-merges", decided: 2, wouldBlock: 1 },
      { policy: "(no policy)", decided: 0, wouldBlock: 1 },
      { policy: "trial-no-push", decided: 0, wouldBlock: 1 },
      { policy: "allow-pr", decided: 1, wouldBlock: 0 },
    ]);
    expect(monitor.series.map((p) => p.wouldBlock)).toEqual([0, 0, 4]);

    const list = await call(app, "GET", "/v1/admin/policies", { key: org.adminKey.apiKey });
    expect(list.statusCode).toBe(200);
    const policies = list.json().policies as Array<{ name: string; effect: string; version: number; updatedAt: string; updatedBy: string | null; decisions7d: number }>;
    expect(policies.map((p) => [p.name, p.effect, p.version, p.updatedBy, p.decisions7d])).toEqual([
      ["allow-pr", "allow", 1, org.owner.email, 1],
      ["no-deletes", "deny", 1, org.owner.email, 3],
      ["review-merges", "require_approval", 1, org.owner.email, 2],
      ["trial-no-push", "deny", 1, org.owner.email, 0],
    ]);
    expect(policies.every((p) => Math.abs(Date.parse(p.updatedAt) - Date.now()) < 10 * 60_000)).toBe(true);
  });

  it("defaults to 7 days and refuses days outside 1–90, naming the field", async () => {
    const viewer = await addTestMember(org, "viewer");
    const response = await call(app, "GET", "/v1/admin/policies/monitor", { key: viewer.apiKey });
    expect(response.statusCode).toBe(200);
    expect(response.json().series).toHaveLength(7);
    for (const days of ["0", "91", "x"]) {
      const bad = await call(app, "GET", `/v1/admin/policies/monitor?days=${days}`, { key: org.adminKey.apiKey });
      expect([bad.statusCode, bad.json().error.details.issues[0].path]).toEqual([400, "days"]);
    }
  });
});
