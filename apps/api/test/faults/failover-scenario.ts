import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { createWebhook, db, verifyAuditLog } from "@gatehouse/db";
import { DEFAULT_SESSION_TIMEOUTS, migrate } from "@gatehouse/db/migrate";
import { createTestOrg, freePort, startPgBouncer, type PgBouncer, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gatehouse, GatehouseAdmin, type ActionResult } from "../../../../packages/sdk/src/index.ts";
import { startFailoverTopology, type FailoverTopology } from "../../../../scripts/lib/failover-topology";
import { stopApp } from "../helpers";
import { spawnApi, type ApiProcess } from "../spawn-api";
import { stopApi } from "./services";

/**
 * Fault (f), issue 43: the primary PostgreSQL killed (`kill -9` of its postmaster) during a burst of decisions and
 * approvals through the SDK with its default settings, sent to three API processes. Patroni fails over to the
 * synchronous standby; HAProxy follows it. Afterwards: every answer the SDK acknowledged is in the new primary's
 * log, none twice; no call the policy denies was executed; no API process died; the log verifies; and decisions
 * resumed within a measured time (goal: 15 s after the kill). The worker runs beside them with every job, and the
 * org has a webhook endpoint: each commit starts the dispatcher's tick, which the failover cuts (57P01); the worker
 * lives through it and delivers a decision made after the failover. Run twice, each on a topology of its own: the API
 * processes reaching HAProxy directly, then through PgBouncer in transaction mode in front of HAProxy
 * (DATABASE_POOL_MODE=transaction, PgBouncer's stock start-up settings; migrations direct).
 */
const CALLS = 1_500;
const KILL_AT = 500;
const CONCURRENCY = 12;
const RESUME_GOAL_MS = 15_000;

interface Call {
  eventId: string;
  actionType: string;
  metadata: { call: number };
  startedAt: number;
  endedAt: number;
  result?: ActionResult;
  error?: string;
}

/** The scenario, on a topology of its own; `via`: how the API processes reach HAProxy. One per test file (each file has its own process environment). */
export function failoverScenario(via: "haproxy" | "pgbouncer"): void {
  describe(`the primary PostgreSQL killed mid-burst, behind Patroni and HAProxy${via === "pgbouncer" ? ", through PgBouncer in transaction mode" : ""}`, () => {
    let topology: FailoverTopology;
    let bouncer: PgBouncer | undefined;
    let org: TestOrg;
    const apis: ApiProcess[] = [];
    let worker: ChildProcess | undefined;
    let workerLog = "";
    let receiver: Server | undefined;
    const delivered = new Set<string>();

    beforeAll(async () => {
      // The org's webhook receiver, on this machine. It takes the denials only (150 in the burst, delivered in order
      // before the one made after the failover); every commit still starts the dispatcher's tick.
      receiver = createServer((request, response) => {
        const id = request.headers["webhook-id"];
        if (typeof id === "string") delivered.add(id);
        request.resume();
        request.on("end", () => response.writeHead(204).end());
      });
      await new Promise<void>((ready) => receiver?.listen(0, "127.0.0.1", ready));
      process.env.GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE = "1";
      topology = await startFailoverTopology();
      await migrate({ url: topology.url, ...(via === "pgbouncer" ? { sessionDefaults: DEFAULT_SESSION_TIMEOUTS } : {}) });
      // server_login_retry 1 s (stock: 15 s): while no primary answers, PgBouncer tries again each second (docs/deploying.md).
      bouncer =
        via === "pgbouncer" ? await startPgBouncer({ databaseUrl: topology.url, port: await freePort(), poolSize: 20, maxClients: 500, serverLoginRetrySeconds: 1 }) : undefined;
      const url = bouncer?.url ?? topology.url;
      // This file's own database handle goes the same way.
      process.env.DATABASE_URL = url;
      if (via === "pgbouncer") process.env.DATABASE_POOL_MODE = "transaction";
      org = await createTestOrg({
        label: "failover",
        policies: [
          { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
          { name: "never-drop", actions: ["db.drop"], effect: "deny" },
          { name: "deploys-reviewed", actions: ["deploy.*"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 3600 } },
        ],
      });
      const address = receiver.address();
      await createWebhook({ ctx: org.ctx, input: { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`, events: ["action.denied"] } });
      for (let i = 0; i < 3; i += 1) apis.push(await spawnApi({ DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_MS: "1000" }));
      // `npm run worker`, every job (this database is the test's own), on the same path as the API processes.
      worker = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
        cwd: fileURLToPath(new URL("../../../worker", import.meta.url)),
        env: {
          ...process.env,
          DATABASE_URL: url,
          DATABASE_CONNECT_TIMEOUT_MS: "1000",
          LOG_LEVEL: "warn",
          ...(via === "pgbouncer" ? { DATABASE_POOL_MODE: "transaction" } : {}),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      worker.stdout?.on("data", (chunk: Buffer) => void (workerLog += chunk.toString()));
      worker.stderr?.on("data", (chunk: Buffer) => void (workerLog += chunk.toString()));
      // The burst's denials (db.drop, one call in ten) must not open the agent's circuit breaker: the test measures decisions.
      const settings = await fetch(`${apis[0]?.url}/v1/admin/settings`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ circuitBreaker: { failureThreshold: 10_000 } }),
      });
      expect(settings.status).toBe(200);
    }, 180_000);

    afterAll(async () => {
      if (worker && worker.exitCode === null) {
        const exited = new Promise((done) => worker?.once("exit", done));
        worker.kill("SIGTERM");
        await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
        if (worker.exitCode === null) worker.kill("SIGKILL");
      }
      await new Promise((done) => receiver?.close(done));
      await Promise.all(apis.map((api) => stopApi(api)));
      await stopApp(undefined);
      await bouncer?.stop();
      await topology?.stop();
    });

    it("fails over: every acknowledged answer is in the new primary's log once, nothing denied ran, every API process and the worker lives", async () => {
      const agents = apis.map((api) => new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: api.url, heartbeat: false }));
      const admins = apis.map((api) => new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: api.url }));
      const oldPrimary = await topology.primary();
      expect(oldPrimary).not.toBeNull();
      const calls: Call[] = [];
      const approvals: Array<{ approvalId: string; ok: boolean; error?: string }> = [];
      let next = 0;
      let killedAt = 0;
      const kinds = ["pr.open", "pr.open", "pr.open", "pr.merge", "pr.comment", "pr.open", "pr.open", "db.drop", "deploy.prod", "pr.open"];

      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next++; i < CALLS; i = next++) {
            if (i === KILL_AT && oldPrimary) {
              killedAt = Date.now();
              process.kill(topology.postmasterPid(oldPrimary), "SIGKILL");
            }
            const actionType = kinds[i % kinds.length] as string;
            const call: Call = { eventId: randomUUID(), actionType, metadata: { call: i }, startedAt: Date.now(), endedAt: 0 };
            const client = agents[i % agents.length] as Gatehouse;
            try {
              call.result = await client.execute(actionType, { eventId: call.eventId, metadata: call.metadata });
            } catch (error) {
              call.error = (error as Error).message;
            }
            call.endedAt = Date.now();
            calls.push(call);
            // An approval decided during the burst, by the owner's admin key, through another API process.
            if (call.result?.status === "requested" && call.result.approvalId) {
              const approvalId = call.result.approvalId;
              try {
                await (admins[(i + 1) % admins.length] as GatehouseAdmin).approvals.approve(approvalId);
                approvals.push({ approvalId, ok: true });
              } catch (error) {
                approvals.push({ approvalId, ok: false, error: (error as Error).message });
              }
            }
          }
        }),
      );
      const newPrimary = await topology.primary();
      const acknowledged = calls.filter((c) => c.result);
      const failed = calls.filter((c) => c.error);
      // Decisions resumed: the first call started after the kill that was acknowledged, and when it ended.
      const resumedAt = Math.min(...acknowledged.filter((c) => c.startedAt >= killedAt).map((c) => c.endedAt));
      const failedTexts = [...new Set(failed.map((c) => c.error))].slice(0, 5);
      const outcomes = new Map<string, number>();
      for (const c of acknowledged) {
        const key = `${c.actionType} ${c.result?.status}${c.result?.denialReason ? ` ${c.result.denialReason}` : ""}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      console.log(
        `[faults/failover] ${calls.length} calls through 3 API processes: ${acknowledged.length} acknowledged, ${failed.length} failed after the SDK's retries ` +
          `(${failedTexts.join(" | ") || "none"}); primary ${oldPrimary?.name} → ${newPrimary?.name}; decisions resumed ${resumedAt - killedAt} ms after the kill; ` +
          `${approvals.filter((a) => a.ok).length} approvals decided, ${approvals.filter((a) => !a.ok).length} failed; answers: ${[...outcomes].map(([k, n]) => `${k} ×${n}`).join(", ")}`,
      );
      if (!newPrimary || newPrimary.name === oldPrimary?.name) console.log(topology.logs());
      expect(killedAt).toBeGreaterThan(0);
      expect(newPrimary).not.toBeNull();
      expect(newPrimary?.name).not.toBe(oldPrimary?.name);
      expect(resumedAt - killedAt).toBeLessThanOrEqual(RESUME_GOAL_MS);
      for (const api of apis) expect(api.child.exitCode).toBeNull();
      expect(worker?.exitCode, `the worker died during the failover:\n${workerLog.slice(-3000)}`).toBeNull();
      // Nothing the policy denies was executed, through any process, at any time.
      expect(acknowledged.filter((c) => c.actionType === "db.drop" && c.result?.status !== "denied")).toEqual([]);
      expect(acknowledged.filter((c) => c.actionType === "deploy.prod" && c.result?.status === "executed")).toEqual([]);
      // And the burst measured decisions: every acknowledged answer is the policy's own.
      const policyAnswer: Record<string, string> = { "pr.open": "executed", "pr.merge": "executed", "pr.comment": "executed", "db.drop": "denied", "deploy.prod": "requested" };
      expect(acknowledged.filter((c) => c.result?.status !== policyAnswer[c.actionType]).map((c) => `${c.actionType} ${c.result?.status} ${c.result?.denialReason ?? ""}`)).toEqual(
        [],
      );

      // Every acknowledged answer is in the new primary's log, once.
      const { rows } = await db().pool.query<{ idempotency_key: string; audit_entry_id: string; status: string; entry: string | null }>(
        `SELECT a.idempotency_key, a.audit_entry_id, a.status::text AS status, e.id AS entry FROM actions a LEFT JOIN audit_entries e ON e.id = a.audit_entry_id WHERE a.org_id = $1`,
        [org.org.id],
      );
      expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(rows.length);
      const recorded = new Map(rows.map((r) => [r.idempotency_key, r]));
      for (const call of acknowledged) {
        const row = recorded.get(call.eventId);
        expect(row, `${call.eventId} acknowledged but not on the new primary`).toBeDefined();
        expect(row?.audit_entry_id).toBe(call.result?.auditEventId);
        expect(row?.entry).toBe(call.result?.auditEventId);
      }
      // Every approval acknowledged as decided is decided on the new primary.
      const decided = approvals.filter((a) => a.ok).map((a) => a.approvalId);
      const { rows: approvalRows } = await db().pool.query<{ id: string; status: string }>(`SELECT id, status::text AS status FROM approvals WHERE id = ANY($1::text[])`, [
        decided,
      ]);
      expect(approvalRows.filter((r) => r.status === "approved").length).toBe(decided.length);

      // A call that failed during the outage, sent again as it was (its eventId), is decided exactly once.
      for (const call of failed.slice(0, 20)) {
        const again = await (agents[0] as Gatehouse).execute(call.actionType, { eventId: call.eventId, metadata: call.metadata });
        const twice = await (agents[1] as Gatehouse).execute(call.actionType, { eventId: call.eventId, metadata: call.metadata });
        expect(twice.auditEventId).toBe(again.auditEventId);
      }
      // The worker delivers what is decided after the failover.
      const after = await (agents[2] as Gatehouse).execute("db.drop", { metadata: { after: "failover" } });
      expect(after.status).toBe("denied");
      // Usually at once: a delivery the failover cut is taken back by its own worker (packages/db/src/webhooks/
      // deliver-webhooks.ts). A write whose commit reached the new primary but whose answer was lost leaves a lease
      // the worker cannot know it holds: that endpoint waits for the lease (60 s) to lapse.
      const deliveredBy = Date.now() + 60_000;
      while (!delivered.has(after.auditEventId) && Date.now() < deliveredBy) await new Promise((r) => setTimeout(r, 100));
      expect(delivered.has(after.auditEventId), `no webhook for ${after.auditEventId} after the failover (${delivered.size} delivered):\n${workerLog.slice(-3000)}`).toBe(true);
      expect(worker?.exitCode).toBeNull();
      console.log(`[faults/failover] the worker lived through the failover and delivered ${delivered.size} webhooks, the decision made after it among them`);

      const verification = await verifyAuditLog({ ctx: org.ctx });
      expect(verification).toMatchObject({ valid: true, problem: null });
      console.log(`[faults/failover] the new primary's log verifies: ${verification.checkedEntries} entries`);
    });
  });
}
