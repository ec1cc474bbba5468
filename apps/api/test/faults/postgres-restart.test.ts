import { randomUUID } from "node:crypto";
import { db, verifyAuditLog } from "@gatehouse/db";
import { migrate } from "@gatehouse/db/migrate";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopApp } from "../helpers";
import { spawnApi, type ApiProcess } from "../spawn-api";
import { sleep, startPrivatePostgres, stopApi, type PrivatePostgres } from "./services";

/**
 * Fault (c): a private PostgreSQL restarted under a burst of decisions. While it is away the API
 * answers 503 with Retry-After (never 500, never an answer without its audit entry); it recovers
 * by itself, its process never dies, and every acknowledged decision is in the log afterwards.
 */
let pgsql: PrivatePostgres;
let api: ApiProcess;
let org: TestOrg;

beforeAll(async () => {
  pgsql = await startPrivatePostgres();
  await migrate({ url: pgsql.url });
  // This file's own database handle (db()) goes to the private instance too.
  process.env.DATABASE_URL = pgsql.url;
  org = await createTestOrg({
    label: "pgrestart",
    policies: [
      { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
      // Without Redis a rate condition is counted in a PostgreSQL transaction: connections checked out
      // between statements when the server goes away (the case that used to crash the process).
      { name: "allow-calls", actions: ["api.call"], effect: "allow" },
      { name: "calls-limited", actions: ["api.call"], when: { rate: { over: 100_000, windowSeconds: 60 } }, effect: "deny" },
    ],
  });
  api = await spawnApi({ DATABASE_URL: pgsql.url, DATABASE_CONNECT_TIMEOUT_MS: "1000" }, ["REDIS_URL"]);
}, 120_000);

afterAll(async () => {
  await stopApi(api);
  await stopApp(undefined);
  pgsql?.destroy();
});

interface Answer {
  eventId: string;
  actionType: string;
  status: number;
  retryAfter: string | null;
  auditEventId?: string;
  code?: string;
}

async function decide(eventId: string, actionType = "pr.open"): Promise<Answer> {
  try {
    const response = await fetch(`${api.url}/v1/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ actionType, eventId, metadata: { call: eventId } }), // each call differs: not a loop (docs/loops.md)
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { auditEventId?: string; error?: { code: string } };
    return {
      eventId,
      actionType,
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      ...(body.auditEventId ? { auditEventId: body.auditEventId } : {}),
      ...(body.error ? { code: body.error.code } : {}),
    };
  } catch {
    return { eventId, actionType, status: 0, retryAfter: null };
  }
}

describe("a connection lost while checked out", () => {
  it("fails what ran on it, and does not crash the process (pg emits 'error' on a client the pool is not watching)", async () => {
    // Checked out like a decision batch holds its client between statements (group-commit.ts).
    const held = await db().pool.connect();
    const { rows } = await held.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const errors: unknown[] = [];
    const counted = (error: unknown) => void errors.push(error);
    process.on("uncaughtException", counted);
    try {
      await db().pool.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
      await sleep(300); // the 'error' event arrives while nothing runs on the client
      await expect(held.query("SELECT 1")).rejects.toThrow();
    } finally {
      held.release(true);
      process.off("uncaughtException", counted);
    }
    expect(errors).toEqual([]);
    // And the pool goes on.
    expect((await db().pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).toBe(1);
  });
});

describe("PostgreSQL restarted mid-burst", () => {
  it("answers 503 with Retry-After meanwhile, recovers without a restart, and keeps every acknowledged decision", async () => {
    const answers: Answer[] = [];
    let stop = false;
    const workers = Array.from({ length: 8 }, async (_, i) => {
      while (!stop) answers.push(await decide(randomUUID(), i % 2 === 0 ? "pr.open" : "api.call"));
    });
    await sleep(1_500);
    const before = answers.length;
    pgsql.stop("fast"); // terminates every session (57P01), then refuses connections
    const stoppedAt = Date.now();
    await sleep(2_500);
    pgsql.start();
    const restartedAt = Date.now();
    // Recovery: a fresh decision succeeds again, with the same API process.
    let recoveredAt = 0;
    while (Date.now() - restartedAt < 20_000) {
      const probe = await decide(randomUUID());
      answers.push(probe);
      if (probe.status === 200) {
        recoveredAt = Date.now();
        break;
      }
      await sleep(100);
    }
    await sleep(1_000);
    stop = true;
    await Promise.all(workers);

    const by = (status: number) => answers.filter((a) => a.status === status);
    const outage = answers.slice(before);
    console.log(
      `[faults/postgres-restart] ${answers.length} calls: ${by(200).length} × 200, ${by(503).length} × 503, ${answers.filter((a) => a.status !== 200 && a.status !== 503).length} other; ` +
        `down ${restartedAt - stoppedAt} ms, first 200 ${recoveredAt - restartedAt} ms after the restart`,
    );
    expect(recoveredAt).toBeGreaterThan(0);
    expect(api.child.exitCode).toBeNull(); // the process did not die
    // Every failure during the outage is a clean 503 with Retry-After; nothing else (no 500s, no dropped connections).
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    expect(outage.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    for (const failed of by(503)) expect(failed).toMatchObject({ code: "UNAVAILABLE", retryAfter: "2" });

    // Every acknowledged decision is in the actions table with its audit entry.
    const acknowledged = by(200);
    const { rows } = await db().pool.query<{ idempotency_key: string; audit_entry_id: string; entry: string | null }>(
      `SELECT a.idempotency_key, a.audit_entry_id, e.id AS entry FROM actions a LEFT JOIN audit_entries e ON e.id = a.audit_entry_id WHERE a.org_id = $1`,
      [org.org.id],
    );
    const recorded = new Map(rows.map((r) => [r.idempotency_key, r]));
    for (const answer of acknowledged) {
      const row = recorded.get(answer.eventId);
      expect(row, `decision ${answer.eventId} acknowledged but not recorded`).toBeDefined();
      expect(row?.audit_entry_id).toBe(answer.auditEventId);
      expect(row?.entry).toBe(answer.auditEventId);
    }
    // No idempotency key twice; and a 503'd call retried now gets exactly one decision.
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(rows.length);
    for (const failed of by(503).slice(0, 20)) {
      const again = await decide(failed.eventId, failed.actionType);
      expect(again.status).toBe(200);
      const twice = await decide(failed.eventId, failed.actionType);
      expect(twice.auditEventId).toBe(again.auditEventId);
    }
    const verification = await verifyAuditLog({ ctx: org.ctx });
    expect(verification).toMatchObject({ valid: true, problem: null });
    console.log(`[faults/postgres-restart] log verifies: ${verification.checkedEntries} entries`);
  });
});
