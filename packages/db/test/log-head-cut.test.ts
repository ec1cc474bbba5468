import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "../src/actors/context";
import { closeRateLimiter, closeSignals, disconnectDb } from "../src";
import { logHeadIdleMs } from "../src/audit/log-store";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { decideAction } from "../src/decisions/decide-action";
import { db, IDLE_IN_TRANSACTION_TIMEOUT_MS } from "../src/infra/client";
import { asUnavailable } from "../src/infra/db-errors";
import { createTestOrg, testDatabaseUrl, type TestOrg } from "../src/testing";

// Issue 43: a host cut off from PostgreSQL while its group commit holds the org's log head. Its packets stop; nothing
// closes. PostgreSQL keeps that transaction, and its row lock, until the idle-in-transaction bound, and every other
// host's decision for the org queues on the lock meanwhile. The statement that takes the lock also bounds the
// transaction's idleness to a third of the statement timeout (logHeadIdleMs: 5 s by default), so the others wait that
// long at most, within their own statement timeout, not the session's 60 s.
//
// This process is the cut host: its pool reaches PostgreSQL through a loopback proxy that, armed, forwards the batch's
// first message (BEGIN and the lock) and then drops every byte both ways, as a cut network does. The other hosts are a
// connection of their own, straight to PostgreSQL, taking the same lock as their group commits would.

interface Cut {
  /**
   * Resolves when a connection sent BEGIN with the lock on `orgId`'s head and was cut right after: every later byte
   * dropped both ways, or (`stallMs`) the client's next bytes held back that long and then sent, as a process that
   * stalled would send them.
   */
  cutAfterLock(orgId: string, stallMs?: number): Promise<void>;
  /** The cut connection's client side closes (its host notices, as a heal followed by a reset would show it). */
  endCut(): void;
  url: string;
  close(): Promise<void>;
}

async function startCuttableProxy(target: URL): Promise<Cut> {
  const sockets = new Set<net.Socket>();
  let armed: { orgId: string; stallMs?: number; onCut: () => void } | undefined;
  let cutClient: net.Socket | undefined;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let cut = false;
    let stalledUntil = 0;
    // What the client sent since the server last answered (one request, which may reach the proxy in more than one chunk).
    let recent = "";
    // The statement that takes the lock was seen; the cut (or stall) starts with the server's first answer after it,
    // so the whole statement reached the server and runs there, whatever chunks it came in.
    let matched: { onCut: () => void; stallMs?: number } | undefined;
    client.on("data", (chunk: Buffer) => {
      if (cut) return;
      const wait = stalledUntil - Date.now();
      if (wait > 0) {
        setTimeout(() => upstream.write(chunk), wait);
        return;
      }
      upstream.write(chunk);
      recent = (recent + chunk.toString("latin1")).slice(-65_536);
      // The lock itself (lockHeadStatement: the idle bound, the head, FOR UPDATE), for the armed org.
      if (armed && recent.includes("idle_in_transaction_session_timeout") && recent.includes("audit_log_heads") && recent.includes("FOR UPDATE") && recent.includes(armed.orgId)) {
        matched = armed;
        armed = undefined;
        recent = "";
      }
    });
    upstream.on("data", (chunk: Buffer) => {
      recent = "";
      if (matched) {
        const { onCut, stallMs } = matched;
        matched = undefined;
        if (stallMs === undefined) {
          cut = true;
          cutClient = client;
        } else stalledUntil = Date.now() + stallMs;
        onCut();
      }
      if (!cut) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", () => {
      if (!cut) end(); // a cut connection hears nothing of its server ending it
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(target.href);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.href,
    cutAfterLock: (orgId, stallMs) => new Promise<void>((resolve) => void (armed = { orgId, ...(stallMs === undefined ? {} : { stallMs }), onCut: resolve })),
    endCut: () => cutClient?.destroy(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let proxy: Cut;
let org: TestOrg;
let agent: Ctx;
const direct = new pg.Client({ connectionString: testDatabaseUrl() });

beforeAll(async () => {
  proxy = await startCuttableProxy(new URL(testDatabaseUrl()));
  // Before anything reads it: this process's one pool goes through the proxy.
  process.env.DATABASE_URL = proxy.url;
  await direct.connect();
  org = await createTestOrg({ label: "head-cut", policies: [{ name: "allow-ship", actions: ["ship.*"], effect: "allow" }] });
  agent = { org: org.org, actor: { type: "agent", agentId: org.agent.id, agentName: org.agent.name, keyId: org.agent.keyId, delegationChain: [] }, requestId: "log-head-cut" };
  await decideAction({ ctx: agent, input: { actionType: "ship.warm" } });
});

afterAll(async () => {
  await direct.end().catch(() => {});
  await closeSignals();
  await closeRateLimiter();
  await disconnectDb();
  await proxy.close();
});

describe("a host cut off while its batch holds the org's log head", () => {
  it("holds it a third of the statement timeout at most: the other hosts then lock it, the cut host's call fails closed, and it decides again once healed", async () => {
    // The default statement timeout (15 s) gives the default bound; the other hosts wait within their statement timeout.
    const bound = logHeadIdleMs();
    expect(bound).toBe(5_000);
    expect(logHeadIdleMs(2_000)).toBe(666);
    expect(logHeadIdleMs(0)).toBe(5_000);
    const cut = proxy.cutAfterLock(org.org.id);
    const onCutHost = decideAction({ ctx: agent, input: { actionType: "ship.it", metadata: { during: "the cut" } } }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    await cut;

    // Another host's group commit: the same lock, waited for (the lock_timeout only ends a test that would hang).
    const before = (await direct.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [org.org.id])).rows[0]?.size;
    const startedAt = Date.now();
    await direct.query("BEGIN");
    await direct.query(`SET LOCAL lock_timeout = '${IDLE_IN_TRANSACTION_TIMEOUT_MS / 2}ms'`);
    const { rows } = await direct.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1 FOR UPDATE`, [org.org.id]);
    const waitedMs = Date.now() - startedAt;
    await direct.query("COMMIT");
    console.log(`[log-head-cut] the other host waited ${waitedMs} ms for the log head (bound ${bound} ms; the session's own is ${IDLE_IN_TRANSACTION_TIMEOUT_MS} ms)`);
    // It was held (the cut landed mid-transaction), and released by PostgreSQL within the bound, nothing written.
    expect(waitedMs).toBeGreaterThanOrEqual(bound - 1_000);
    expect(waitedMs).toBeLessThan(bound + 5_000);
    expect(rows[0]?.size).toBe(before);

    // The cut host's caller hears an unavailable database (503), never an allow.
    proxy.endCut();
    const outcome = await onCutHost;
    expect(outcome).not.toHaveProperty("result");
    expect(asUnavailable((outcome as { error: unknown }).error)).toMatchObject({ code: "UNAVAILABLE" });
    expect(await db().action.count({ where: { orgId: org.org.id, metadata: { path: ["during"], equals: "the cut" } } })).toBe(0);

    // Healed: the same process decides for the org again, and the log verifies.
    expect(await decideAction({ ctx: agent, input: { actionType: "ship.after" } })).toMatchObject({ status: "executed" });
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true });
  });

  it("a holder that stalls past the bound and comes back: its call is a 503 (never refused content, never an allow), and the next one decides", async () => {
    const stall = logHeadIdleMs() + 1_500;
    const stalled = proxy.cutAfterLock(org.org.id, stall);
    const call = decideAction({ ctx: agent, input: { actionType: "ship.it", metadata: { during: "the stall" } } }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    await stalled;
    const outcome = await call;
    expect(outcome).not.toHaveProperty("result");
    expect(asUnavailable((outcome as { error: unknown }).error)).toMatchObject({ code: "UNAVAILABLE" });
    expect(await db().action.count({ where: { orgId: org.org.id, metadata: { path: ["during"], equals: "the stall" } } })).toBe(0);
    expect(await decideAction({ ctx: agent, input: { actionType: "ship.after" } })).toMatchObject({ status: "executed" });
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true });
  });
});
