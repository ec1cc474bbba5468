import { randomUUID } from "node:crypto";
import { db, verifyAuditLog } from "@gatehouse/db";
import { createTestOrg, testDatabaseUrl } from "@gatehouse/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { Gatehouse, GatehouseError } from "../../../../packages/sdk/src/index.ts";
import { stopApp } from "../helpers";
import { spawnApi, type ApiProcess } from "../spawn-api";
import { stopApi } from "./services";

/**
 * Fault (a): one of two API processes is killed (SIGKILL) in the middle of a burst of SDK `execute`
 * calls. The SDK takes one base URL, so the agent's fetch spreads calls over both instances and
 * fails over to the other on a connection error (what a load balancer does); the SDK's own retries
 * resend the same eventId. Every call ends with exactly one decision or a clean client error, no
 * idempotency key is recorded twice, and the org's log verifies.
 */
const processes: ApiProcess[] = [];
afterAll(async () => {
  await Promise.all(processes.map(stopApi));
  await stopApp(undefined);
});

/** A fetch over several instances: round robin, and the next instance when one cannot be reached. */
function failoverFetch(urls: string[], counters: { failovers: number; dropped: number }): (url: string, init: RequestInit) => Promise<Response> {
  let next = 0;
  return async (url, init) => {
    const base = urls.find((u) => url.startsWith(u)) ?? urls[0] ?? "";
    const path = url.slice(base.length);
    const start = next++ % urls.length;
    let lastError: unknown;
    for (let i = 0; i < urls.length; i++) {
      try {
        return await fetch(`${urls[(start + i) % urls.length]}${path}`, init);
      } catch (error) {
        if (init.signal?.aborted) throw error; // the SDK's timeout or the caller: not a connection error
        lastError = error;
        counters.failovers += 1;
        // Refused: a new call to the dead instance. Anything else: a call in flight when it died.
        if ((error as { cause?: { code?: string } }).cause?.code !== "ECONNREFUSED") counters.dropped += 1;
      }
    }
    throw lastError;
  };
}

describe("an API process killed mid-burst", () => {
  it("every call gets one decision or a clean error, no idempotency key twice, and the log verifies", async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
    const [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
    processes.push(a, b);
    const org = await createTestOrg({ label: "killapi", policies: [{ name: "allow-pr", actions: ["pr.*"], effect: "allow" }] });
    const counters = { failovers: 0, dropped: 0 };
    const gh = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: a.url, fetch: failoverFetch([a.url, b.url], counters) });

    const TOTAL = 300;
    const CONCURRENCY = 16;
    const outcomes: Array<{ eventId: string; auditEventId?: string; error?: unknown }> = [];
    let started = 0;
    let killedAt = -1;
    const worker = async () => {
      while (started < TOTAL) {
        const eventId = randomUUID();
        started += 1;
        if (started === 100) {
          killedAt = outcomes.length;
          a.child.kill("SIGKILL"); // mid-burst: calls are in flight on A
        }
        try {
          const result = await gh.execute("pr.open", { eventId, metadata: { call: eventId } }); // each call differs: not a loop
          outcomes.push({ eventId, auditEventId: result.auditEventId });
        } catch (error) {
          outcomes.push({ eventId, error });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const decided = outcomes.filter((o) => o.auditEventId);
    const failed = outcomes.filter((o) => o.error);
    console.log(
      `[faults/kill-api] ${outcomes.length} calls: ${decided.length} decisions, ${failed.length} client errors, ${counters.failovers} failovers (${counters.dropped} of calls in flight on A); A killed after ${killedAt} answers`,
    );
    expect(outcomes).toHaveLength(TOTAL);
    expect(a.child.signalCode).toBe("SIGKILL");
    for (const f of failed) expect(f.error).toBeInstanceOf(GatehouseError); // clean, typed client errors only

    const { rows } = await db().pool.query<{ idempotency_key: string; audit_entry_id: string; n: string }>(
      `SELECT idempotency_key, min(audit_entry_id) AS audit_entry_id, count(*) AS n FROM actions WHERE org_id = $1 GROUP BY idempotency_key`,
      [org.org.id],
    );
    expect(rows.filter((r) => Number(r.n) > 1)).toEqual([]); // no idempotency key recorded twice
    const recorded = new Map(rows.map((r) => [r.idempotency_key, r.audit_entry_id]));
    // Each decision the client got is the one recorded for its eventId (exactly one decision per call).
    for (const d of decided) expect(recorded.get(d.eventId)).toBe(d.auditEventId);
    // Recorded decisions belong to calls of this burst; a call that ended in an error may still have been recorded once.
    const sent = new Set(outcomes.map((o) => o.eventId));
    expect([...recorded.keys()].every((k) => sent.has(k))).toBe(true);
    expect(recorded.size).toBeGreaterThanOrEqual(decided.length);

    const verification = await verifyAuditLog({ ctx: org.ctx });
    expect(verification).toMatchObject({ valid: true, problem: null });
    console.log(`[faults/kill-api] ${recorded.size} actions recorded, log verifies (${verification.checkedEntries} entries)`);
  }, 120_000);
});
