import { fileURLToPath } from "node:url";
import { isDomainError } from "@gatehouse/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeRateLimiter, closeSignals, disconnectDb } from "../src";
import type { Ctx } from "../src/actors/context";
import { appendAuditEntries } from "../src/audit/append-audit-entries";
import { checkpointAuditLog } from "../src/audit/checkpoint-audit-log";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { decideAction } from "../src/decisions/decide-action";
import { db } from "../src/infra/client";
import { WorkPool, type WorkTask } from "../src/infra/work-pool";
import { simulatePolicies } from "../src/policies/simulate-policies";
import { createTestOrg, noteEntry, type TestOrg } from "../src/testing";

// Replay and verification read and compute on the work pool, not on the event loop: their steps are
// jobs of db's work-steps tasks (reads on the worker's own connection, then core's checks) on a real
// pool's worker processes. A step the pool cannot finish (its worker hangs past the time limit, or
// exits) fails the whole call closed: 503 with Retry-After, never a "valid" verification or a partial
// replay.

const TASKS = fileURLToPath(new URL("./fixtures/work-tasks.ts", import.meta.url));
const VERIFY = "@gatehouse/db/work-steps#verifyStoredStep";
const REPLAY = "@gatehouse/db/work-steps#replayStoredStep";

/** A real pool whose `failing.task`, from its `from`-th call on, is swapped for one that hangs or ends its worker. */
class FailingPool extends WorkPool {
  private calls = 0;
  constructor(
    private readonly failing: { task: string; from: number; how: "hang" | "exit" } | null,
    timeoutMs = 2_000,
  ) {
    super({ size: 1, timeoutMs, memoryMb: 256, maxQueuedPerKey: 4, perKey: 1, preload: ["@gatehouse/db/work-steps", TASKS] });
  }

  override run<I, O>(task: WorkTask<I, O>, input: I, options: { key: string; timeoutMs?: number; admitted?: boolean }): Promise<O> {
    if (this.failing && `${task.module}#${task.name}` === this.failing.task && this.calls++ >= this.failing.from) {
      const swapped = this.failing.how === "hang" ? { module: TASKS, name: "spin" } : { module: TASKS, name: "exitWorker" };
      return super.run(swapped as WorkTask<unknown, O>, { ms: 60_000, tag: "hang" }, options);
    }
    return super.run(task, input, options);
  }
}

let pool: WorkPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});
afterAll(async () => {
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

const note = (i: number) => noteEntry(i, "offload-test");
const POLICIES = [{ name: "allow-ship", actions: ["ship.*"], effect: "allow" }];
const DRAFT = { policies: [{ name: "deny-ship", actions: ["ship.*"], effect: "deny" }], days: 1 };

let org: TestOrg;
let agent: Ctx;
beforeAll(async () => {
  org = await createTestOrg({ label: "offload", policies: POLICIES });
  agent = { org: org.org, actor: { type: "agent", agentId: org.agent.id, agentName: org.agent.name, keyId: org.agent.keyId, delegationChain: [] }, requestId: "offload" };
  for (let i = 0; i < 5; i += 1) await decideAction({ ctx: agent, input: { actionType: "ship.it", metadata: { i } } });
  // 2,500 more entries, so a verification takes several steps (1,000 entries each), with checkpoints between them.
  for (let batch = 0; batch < 5; batch += 1) {
    await db().$transaction((tx) =>
      appendAuditEntries(
        tx,
        org.org.id,
        Array.from({ length: 500 }, (_, i) => note(batch * 500 + i)),
      ),
    );
    await checkpointAuditLog(org.org.id);
  }
});

describe("replay and verification run on the work pool", () => {
  it("a verification's reading and checking is jobs on the pool: one per step of 1,000 entries and one to finish", async () => {
    pool = new FailingPool(null);
    const head = Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
    const result = await verifyAuditLog({ ctx: org.ctx, work: pool });
    expect(result).toMatchObject({ valid: true, checkedEntries: head, treeSize: head, problem: null });
    expect(result.checkedCheckpoints).toBeGreaterThanOrEqual(5);
    expect(pool.finished()[VERIFY]).toBe(Math.ceil(head / 1_000) + 1);
  });

  it("a replay's reading and evaluation is jobs on the pool (the rows read and their JSON parsed there)", async () => {
    pool = new FailingPool(null);
    const result = await simulatePolicies({ ctx: org.ctx, input: DRAFT, work: pool });
    expect(result).toMatchObject({ evaluated: 5, changed: 5, transitions: [{ from: "allow", to: "deny", count: 5 }] });
    expect(pool.finished()[REPLAY]).toBe(1);
  });
});

describe("a step the pool cannot finish fails the call closed (503 with Retry-After), never valid", () => {
  it.each([
    ["verification", "hangs past the time limit", "at its first step", VERIFY, 0, "hang"],
    ["verification", "exits", "at its first step", VERIFY, 0, "exit"],
    ["verification", "hangs past the time limit", "at its last step (every entry already checked)", VERIFY, 3, "hang"],
    ["verification", "exits", "at its last step (every entry already checked)", VERIFY, 3, "exit"],
    ["replay", "hangs past the time limit", "at its step", REPLAY, 0, "hang"],
    ["replay", "exits", "at its step", REPLAY, 0, "exit"],
  ] as const)("a %s whose worker %s %s", async (what, _does, _at, task, from, how) => {
    pool = new FailingPool({ task, from, how }, 1_000);
    const call = what === "verification" ? verifyAuditLog({ ctx: org.ctx, work: pool }) : simulatePolicies({ ctx: org.ctx, input: DRAFT, work: pool });
    const error = await call.then(
      (answer) => answer,
      (e: unknown) => e,
    );
    expect(isDomainError(error), `answered ${JSON.stringify(error)}`).toBe(true);
    expect(error).toMatchObject({ code: "UNAVAILABLE", retryAfterSeconds: 5 });
  });
});
