import { appendAuditEntries, db, fairShare } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

// Fair shares of the pool (docs/adr/0015-fair-shares.md): one org runs each expensive route 20 times
// at once; no caller of any org gets a 503, the heavy org's extra calls queue (or get 429 with
// Retry-After past the queue), and another org's decisions during the storm get a pool connection
// without waiting: the pool always has a free connection, and each decision answers (< 1 s is only
// a safety net; bench/fairness.ts measures the real latencies). Before fair shares each of these calls held a
// pooled connection for its whole run, so 20 at once took the whole pool and every org waited.

const PARALLEL = 20;
/**
 * A small pool, so 20 calls holding a connection each would take all of it (the shipped default is
 * 10; the outside test needed a million entries to fill that). Set before anything opens the pool:
 * this file's process reads it once, at its first query.
 */
const POOL_SIZE = 6;
process.env.DATABASE_POOL_SIZE = String(POOL_SIZE);
/** Audit entries seeded in the heavy org: a verification takes a few hundred ms on its own. */
const ENTRIES = 20_000;
/** Recorded decisions the heavy org's replays read. */
const DECISIONS = 20_000;

let app: FastifyInstance;
let heavy: TestOrg;
let other: TestOrg;

interface Row {
  name: string;
  /** The i-th of the heavy org's parallel calls. */
  send: (i: number) => Promise<LightMyRequestResponse>;
  ok: number;
}

const ROWS: Row[] = [
  { name: "POST /v1/audit/verify", send: () => call(app, "POST", "/v1/audit/verify", { key: heavy.adminKey.apiKey }), ok: 200 },
  // Filtered, so each export reads every window of the log (100 reads) but the answers stay small.
  { name: "GET /v1/audit/export", send: () => call(app, "GET", "/v1/audit/export?type=agent.created", { key: heavy.adminKey.apiKey }), ok: 200 },
  { name: "GET /v1/audit/export (CSV)", send: () => call(app, "GET", "/v1/audit/export?format=csv&type=agent.created", { key: heavy.adminKey.apiKey }), ok: 200 },
  {
    name: "POST /v1/admin/policies/simulate",
    send: () => call(app, "POST", "/v1/admin/policies/simulate", { key: heavy.adminKey.apiKey, body: { policies: ALLOW_ALL_PR, days: 7 } }),
    ok: 200,
  },
  {
    name: "POST /v1/delegations",
    send: (i) => call(app, "POST", "/v1/delegations", { key: heavy.agent.apiKey, body: { name: `burst-${Date.now()}-${i}`, capabilities: ["pr.open"], ttlSeconds: 600 } }),
    ok: 201,
  },
];

async function seedHeavyOrg(org: TestOrg): Promise<void> {
  const orgId = org.org.id;
  for (let from = 0; from < ENTRIES; from += 2_000) {
    await db().$transaction((tx) =>
      appendAuditEntries(
        tx,
        orgId,
        Array.from({ length: 2_000 }, (_, k) => ({
          type: "action.decided",
          actor: { type: "agent" as const, id: org.agent.id, delegationChain: [] },
          agentId: org.agent.id,
          subjectId: `act_${String(from + k).padStart(22, "0")}`,
          data: {
            actionId: `act_${String(from + k).padStart(22, "0")}`,
            agentName: org.agent.name,
            actionType: "pr.open",
            status: "executed",
            policy: { name: "allow-pr", versionId: "pv_fair", version: 1 },
            mode: "enforce",
            monitored: [],
            conditionsEvaluated: [],
            metadata: { pr: from + k },
            dataAccessed: [],
            requestHash: "fair",
          },
        })),
      ),
    );
  }
  await db().pool.query(
    `INSERT INTO actions (id, org_id, agent_id, action_type, status, result, request_hash, audit_entry_id, created_at)
     SELECT 'act_fair' || i, $1, $2, 'pr.open', 'executed', '{}'::jsonb, md5(i::text), 'aud_fair' || i, now() - make_interval(secs => i)
     FROM generate_series(1, $3::int) AS i`,
    [orgId, org.agent.id, DECISIONS],
  );
  await db().pool.query("ANALYZE audit_entries, actions");
}

beforeAll(async () => {
  app = await startApp();
  heavy = await createTestOrg({ label: "fair-heavy", policies: ALLOW_ALL_PR });
  other = await createTestOrg({ label: "fair-other", policies: ALLOW_ALL_PR });
  await seedHeavyOrg(heavy);
}, 180_000);

afterAll(async () => stopApp(app));

describe("one org running expensive work 20 times at once", () => {
  it.each(ROWS)(
    "$name: no 503 for anyone, the extra calls queue, another org's decisions keep their connections",
    async (row) => {
      // Warm the key caches, as a running service has them.
      expect((await row.send(-1)).statusCode).toBe(row.ok);
      expect((await call(app, "POST", "/v1/actions", { key: other.agent.apiKey, body: { actionType: "pr.open" } })).statusCode).toBe(200);

      // Connections checked out of the pool, counted as they are taken and given back.
      const pool = db().pool;
      let held = pool.totalCount - pool.idleCount;
      let peakHeld = held;
      const onAcquire = () => (peakHeld = Math.max(peakHeld, ++held));
      const onRelease = () => void (held -= 1);
      pool.on("acquire", onAcquire);
      pool.on("release", onRelease);
      let queued = 0;
      const sampler = setInterval(() => (queued = Math.max(queued, fairShare().stats(heavy.org.id).waiting)), 1);

      let stormOver = false;
      const storm = Promise.all(Array.from({ length: PARALLEL }, (_, i) => row.send(i))).finally(() => (stormOver = true));
      // The other org decides one call after another for as long as the storm lasts.
      const decisions: Array<{ status: number; ms: number }> = [];
      await new Promise((resolve) => setTimeout(resolve, 20));
      do {
        const started = performance.now();
        const response = await call(app, "POST", "/v1/actions", { key: other.agent.apiKey, body: { actionType: "pr.open", metadata: { n: decisions.length } } });
        decisions.push({ status: response.statusCode, ms: performance.now() - started });
      } while (!stormOver);
      const answers = await storm;
      clearInterval(sampler);
      pool.off("acquire", onAcquire);
      pool.off("release", onRelease);

      for (const [i, answer] of answers.entries()) {
        expect(answer.statusCode, `${row.name} #${i}: ${answer.body.slice(0, 200)}`).not.toBe(503);
        if (answer.statusCode === 429) expect(Number(answer.headers["retry-after"]), `${row.name} #${i}`).toBeGreaterThan(0);
        else expect(answer.statusCode, `${row.name} #${i}: ${answer.body.slice(0, 200)}`).toBe(row.ok);
      }
      expect(queued, "the heavy org's extra calls waited in its queue").toBeGreaterThan(0);
      expect(fairShare().stats(heavy.org.id).peakRunning).toBeLessThanOrEqual(fairShare().limits.perOrg);
      expect(peakHeld, "connections held at once: the whole pool was taken").toBeLessThan(POOL_SIZE);
      for (const [i, decision] of decisions.entries()) {
        expect(decision.status, `other org's decision #${i}`).toBe(200);
        expect(decision.ms, `other org's decision #${i}`).toBeLessThan(1_000);
      }
    },
    120_000,
  );
});
