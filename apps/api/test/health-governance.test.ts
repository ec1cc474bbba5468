import { createWebhook, db, getGovernanceHealth, GOVERNANCE_HEALTH_THRESHOLDS } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// GET /health/governance against real PostgreSQL: the answer's shape, statuses that move when
// the org's state moves (a clock moved forward stands for time passing with no worker running: the
// test app runs none), each org seeing its own figures, who may ask, and nothing secret in the answer.

const ITEMS = ["logIntegrity", "signingKey", "checkpointAge", "decisionLatency", "evaluationFailures", "workerJobs", "webhookBacklog", "witnesses"] as const;
type Status = "ok" | "warn" | "fail";
interface Item {
  status: Status;
  reason: string;
  observedAt: string | null;
  details: Record<string, unknown> | null;
}
interface Health {
  status: Status;
  checkedAt: string;
  items: Record<(typeof ITEMS)[number], Item>;
}

let app: FastifyInstance;
let a: TestOrg;
let b: TestOrg;

const health = async (key: string): Promise<Health> => {
  const response = await call(app, "GET", "/health/governance", { key });
  expect(response.statusCode).toBe(200);
  return response.json() as Health;
};
const RANK: Record<Status, number> = { ok: 0, warn: 1, fail: 2 };
const worst = (h: Health): Status => ITEMS.map((name) => h.items[name].status).reduce((w, s) => (RANK[s] > RANK[w] ? s : w), "ok" as Status);
/** Entries appended to the org's log by the real API: an agent and its key. */
const growLog = async (org: TestOrg, name: string) => expect((await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name } })).statusCode).toBe(201);
const checkpoint = async (org: TestOrg) => expect((await call(app, "GET", "/v1/audit/checkpoint", { key: org.adminKey.apiKey })).statusCode).toBe(200);
const inFuture = (seconds: number) => () => new Date(Date.now() + seconds * 1000);

beforeAll(async () => {
  app = await startApp();
  a = await createTestOrg({ label: "health-a" });
  b = await createTestOrg({ label: "health-b" });
});
afterAll(async () => stopApp(app));

describe("the answer", () => {
  it("has every item with a status and a reason, and the worst of them as its status", async () => {
    await checkpoint(a);
    const h = await health(a.adminKey.apiKey);
    expect(Object.keys(h.items).sort()).toEqual([...ITEMS].sort());
    for (const name of ITEMS) {
      expect(["ok", "warn", "fail"]).toContain(h.items[name].status);
      expect(h.items[name].reason.length).toBeGreaterThan(0);
    }
    expect(h.status).toBe(worst(h));
    expect(Date.parse(h.checkedAt)).not.toBeNaN();
  });

  it("checks the latest checkpoint against the org's key and the log head", async () => {
    await checkpoint(a);
    const { logIntegrity, signingKey, checkpointAge } = (await health(a.adminKey.apiKey)).items;
    const head = await db().pool.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [a.org.id]);
    const size = Number(head.rows[0]?.size);
    expect(logIntegrity).toMatchObject({ status: "ok", details: { headSize: size, verifiedUpTo: size, signatureValid: true, rootMatchesHead: true } });
    expect(signingKey).toMatchObject({ status: "ok", details: { usable: true } });
    expect(checkpointAge).toMatchObject({ status: "ok", details: { treeSize: size, uncoveredEntries: 0 } });
    expect(checkpointAge.details?.ageSeconds).toBeGreaterThanOrEqual(0);
  });

  it("gives how long execute took to answer, per org, and null figures before the first decision", async () => {
    const c = await createTestOrg({ label: "health-latency" });
    const before = (await health(c.adminKey.apiKey)).items.decisionLatency;
    expect(before).toMatchObject({ status: "ok", details: { samples: 0, p50Ms: null, p99Ms: null } });
    expect(before.reason).toMatch(/no decisions/i);
    for (let i = 0; i < 5; i++) {
      const decided = await call(app, "POST", "/v1/actions", { key: c.agent.apiKey, body: { actionType: "health.probe", metadata: { i }, eventId: `probe-${i}` } });
      expect(decided.statusCode).toBe(200);
    }
    // A retry answered from what was recorded is no new decision: it is not counted.
    expect((await call(app, "POST", "/v1/actions", { key: c.agent.apiKey, body: { actionType: "health.probe", metadata: { i: 0 }, eventId: "probe-0" } })).statusCode).toBe(200);
    const after = (await health(c.adminKey.apiKey)).items.decisionLatency;
    expect(after.details).toMatchObject({ windowSeconds: GOVERNANCE_HEALTH_THRESHOLDS.decisionLatencyWindowSeconds, samples: 5 });
    const { p50Ms, p99Ms } = after.details as { p50Ms: number; p99Ms: number };
    expect(p50Ms).toBeGreaterThan(0);
    expect(p99Ms).toBeGreaterThanOrEqual(p50Ms);
    expect(after.reason).toContain("5 decisions");
    // Another org's decisions are not this org's figures.
    expect((await health(a.adminKey.apiKey)).items.decisionLatency.details).toMatchObject({ samples: 0 });
    // Past the window, they no longer count.
    const later = await getGovernanceHealth({ ctx: c.ctx, now: inFuture(GOVERNANCE_HEALTH_THRESHOLDS.decisionLatencyWindowSeconds + 60) });
    expect(later.items.decisionLatency.details).toMatchObject({ samples: 0, p50Ms: null });
  });

  it("lists the worker's jobs, capped", async () => {
    const { workerJobs } = (await health(a.adminKey.apiKey)).items;
    const jobs = workerJobs.details?.jobs as Array<{ name: string; lastRunAt: string | null; lastOutcome: string }>;
    expect(jobs.length).toBeLessThanOrEqual(20);
    expect(jobs.find((j) => j.name === "audit-checkpoints")).toMatchObject({ lastOutcome: "ran" });
    // This test app runs no worker: unless another suite's worker holds the lease right now, that is not ok.
    const lease = await db().pool.query<{ live: boolean }>(`SELECT expires_at > now() AS live FROM job_leases WHERE name = 'jobs'`);
    if (!lease.rows[0]?.live) expect(workerJobs.status).not.toBe("ok");
  });
});

describe("statuses move with the org's state", () => {
  it("an old checkpoint with entries waiting for the next warns, then fails", async () => {
    await checkpoint(a);
    await growLog(a, "after-checkpoint");
    const now = (await health(a.adminKey.apiKey)).items.checkpointAge;
    expect(now.status).toBe("ok");
    expect(now.details?.uncoveredEntries).toBeGreaterThan(0);
    const later = await getGovernanceHealth({ ctx: a.ctx, now: inFuture(GOVERNANCE_HEALTH_THRESHOLDS.checkpointWarnAfterSeconds + 30) });
    expect(later.items.checkpointAge.status).toBe("warn");
    const muchLater = await getGovernanceHealth({ ctx: a.ctx, now: inFuture(GOVERNANCE_HEALTH_THRESHOLDS.checkpointFailAfterSeconds + 30) });
    expect(muchLater.items.checkpointAge.status).toBe("fail");
    expect(muchLater.status).toBe("fail");
    // Once the log is signed again, nothing waits: an idle log's old checkpoint is fine.
    await checkpoint(a);
    expect((await getGovernanceHealth({ ctx: a.ctx, now: inFuture(GOVERNANCE_HEALTH_THRESHOLDS.checkpointFailAfterSeconds + 30) })).items.checkpointAge.status).toBe("ok");
  });

  it("a webhook delivery left pending shows in the backlog, and warns as it ages", async () => {
    const before = (await health(a.adminKey.apiKey)).items.webhookBacklog;
    expect(before).toMatchObject({ status: "ok", details: { endpoints: 0, pending: 0, oldestPendingAgeSeconds: null } });
    await createWebhook({ ctx: a.ctx, input: { url: "http://127.0.0.1:9/health-hook", events: ["*"] } });
    await growLog(a, "webhook-pending");
    const pending = (await health(a.adminKey.apiKey)).items.webhookBacklog;
    expect(pending.status).toBe("ok");
    expect(pending.details).toMatchObject({ endpoints: 1 });
    expect(pending.details?.pending).toBeGreaterThan(0);
    expect(pending.details?.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(pending.observedAt).not.toBeNull();
    const later = await getGovernanceHealth({ ctx: a.ctx, now: inFuture(GOVERNANCE_HEALTH_THRESHOLDS.webhookWarnAfterSeconds + 30) });
    expect(later.items.webhookBacklog.status).toBe("warn");
    expect(later.items.webhookBacklog.reason).toMatch(/wait/);
  });

  it("a checkpoint whose note does not match its row fails the log's integrity", async () => {
    const c = await createTestOrg({ label: "health-tamper" });
    await checkpoint(c);
    // A row claiming a larger tree with a note signed for the real one: its signature checks, its body does not.
    await db().pool.query(
      `INSERT INTO checkpoints (id, org_id, tree_size, root_hash, note, signing_key_id)
       SELECT 'chk_' || md5(random()::text), org_id, tree_size + 5, root_hash, note, signing_key_id FROM checkpoints WHERE org_id = $1 ORDER BY tree_size DESC LIMIT 1`,
      [c.org.id],
    );
    const h = await health(c.adminKey.apiKey);
    expect(h.items.logIntegrity).toMatchObject({ status: "fail", details: { signatureValid: false } });
    expect(h.status).toBe("fail");
  });

  it("a signing key that does not decrypt fails its item, and the others still answer", async () => {
    const c = await createTestOrg({ label: "health-key" });
    await checkpoint(c);
    await db().pool.query(`UPDATE signing_keys SET encrypted_private_key = 'v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE org_id = $1 AND status = 'active'`, [
      c.org.id,
    ]);
    const h = await health(c.adminKey.apiKey);
    expect(h.items.signingKey).toMatchObject({ status: "fail", details: { usable: false } });
    expect(h.items.signingKey.reason).toMatch(/GATEHOUSE_MASTER_KEY/);
    expect(h.items.logIntegrity.status).toBe("ok");
    expect(h.items.webhookBacklog.status).toBe("ok");
    expect(h.status).toBe("fail");
  });
});

describe("each org sees its own", () => {
  it("org B's key answers org B's figures, not org A's", async () => {
    await createWebhook({ ctx: a.ctx, input: { url: "http://127.0.0.1:9/health-hook-2", events: ["*"] } });
    await growLog(a, "only-a");
    await checkpoint(b);
    const ofA = await health(a.adminKey.apiKey);
    const ofB = await health(b.adminKey.apiKey);
    expect(ofA.items.webhookBacklog.details?.pending).toBeGreaterThan(0);
    expect(ofB.items.webhookBacklog.details).toMatchObject({ endpoints: 0, pending: 0 });
    const size = async (orgId: string) => Number((await db().pool.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [orgId])).rows[0]?.size);
    expect(ofA.items.logIntegrity.details?.headSize).toBe(await size(a.org.id));
    expect(ofB.items.logIntegrity.details?.headSize).toBe(await size(b.org.id));
    const keyOf = async (orgId: string) => (await db().pool.query<{ id: string }>(`SELECT id FROM signing_keys WHERE org_id = $1 AND status = 'active'`, [orgId])).rows[0]?.id;
    expect(ofB.items.signingKey.details?.keyId).toBe(await keyOf(b.org.id));
    const bodyOfB = JSON.stringify(ofB);
    expect(bodyOfB).not.toContain(a.org.id);
    expect(bodyOfB).not.toContain(String(await keyOf(a.org.id)));
  });
});

describe("who may ask", () => {
  it("refuses a request without a key, or with a wrong one (401)", async () => {
    expect((await call(app, "GET", "/health/governance")).statusCode).toBe(401);
    expect((await call(app, "GET", "/health/governance", { key: "gh_admin_notarealkey000000000000000000000000" })).statusCode).toBe(401);
    expect((await call(app, "GET", "/health/governance", { key: "nonsense" })).statusCode).toBe(401);
  });

  it("refuses members without audit.verify and agents' keys (403), answers those with it", async () => {
    for (const role of ["approver", "viewer"] as const) {
      const member = await addTestMember(a, role);
      const response = await call(app, "GET", "/health/governance", { key: member.apiKey });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
    }
    expect((await call(app, "GET", "/health/governance", { key: a.agent.apiKey })).statusCode).toBe(403);
    for (const role of ["auditor", "admin"] as const) {
      const member = await addTestMember(a, role);
      expect((await call(app, "GET", "/health/governance", { key: member.apiKey })).statusCode).toBe(200);
    }
  });
});

describe("nothing secret in the answer", () => {
  it("holds no key material, no API key and no webhook secret", async () => {
    const created = await createWebhook({ ctx: b.ctx, input: { url: "http://127.0.0.1:9/health-secret", events: ["*"] } });
    const body = (await call(app, "GET", "/health/governance", { key: b.adminKey.apiKey })).body;
    const key = await db().pool.query<{ public_key: string; encrypted_private_key: string }>(
      `SELECT public_key, encrypted_private_key FROM signing_keys WHERE org_id = $1 AND status = 'active'`,
      [b.org.id],
    );
    const row = key.rows[0];
    expect(row).toBeDefined();
    for (const secret of [row?.public_key, row?.encrypted_private_key, created.secret, b.adminKey.apiKey, b.agent.apiKey]) expect(body).not.toContain(String(secret));
    expect(body).not.toMatch(/whsec_|gh_admin_|PRIVATE KEY|"encrypted/i);
  });
});
