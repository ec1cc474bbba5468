import { isDomainError, newId, type ActionResult } from "@gatehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRateLimiter, closeSignals, disconnectDb } from "../src";
import type { Ctx } from "../src/actors/context";
import { createAgent } from "../src/agents/create-agent";
import { lockHeadStatement } from "../src/audit/log-store";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { decideAction } from "../src/decisions/decide-action";
import { commitDecision, type Committed, type Materialized, type PendingDecision } from "../src/decisions/group-commit";
import { db } from "../src/infra/client";
import { createTestOrg, type TestOrg } from "../src/testing";

// Decisions of one org share transactions (group commit). One request PostgreSQL refuses must cost
// its own caller an error and nobody else anything: the other agents' decisions commit, the log
// stays whole and gapless.

const POLICIES = [{ name: "allow-ship", actions: ["ship.*"], effect: "allow" }];

function agentCtx(org: TestOrg, agent: { id: string; name: string; keyId: string }): Ctx {
  return { org: org.org, actor: { type: "agent", agentId: agent.id, agentName: agent.name, keyId: agent.keyId, delegationChain: [] }, requestId: "batch-isolation" };
}

/** Content that passes the action request's parse but that PostgreSQL refuses to store. */
const REFUSED: Array<{ metadata?: Record<string, unknown>; dataAccessed?: Array<{ type: string }> }> = [
  { metadata: { note: "a\u0000b" } },
  { metadata: { ["k\u0000"]: 1 } },
  { metadata: { note: "\uD800" } },
  { metadata: { note: "tail \uDC00" } },
  { metadata: { ["\uDBFF"]: "x" } },
  { metadata: { nested: { list: ["ok", "\u0000"] } } },
  { dataAccessed: [{ type: "pii\u0000" }] },
  { dataAccessed: [{ type: "\uD83D" }] },
];

/** The org's log: a gapless sequence 0..n-1 that the head counts, and what the verifier says. */
async function logOf(org: TestOrg) {
  const seqs = (await db().pool.query<{ seq: string }>(`SELECT seq FROM audit_entries WHERE org_id = $1 ORDER BY seq`, [org.org.id])).rows.map((r) => Number(r.seq));
  const head = await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } });
  const actions = await db().action.count({ where: { orgId: org.org.id } });
  return { seqs, size: Number(head.size), actions, verification: await verifyAuditLog({ ctx: org.ctx }) };
}

/** A decision like decideAction builds, with fresh ids on each materialize; `produced` records them. */
function pending(org: TestOrg, options: { metadata?: Record<string, unknown>; policyVersionId?: string; eventId?: string; approval?: boolean; requestHash?: string }) {
  const produced: Array<{ actionId: string; approvalId?: string }> = [];
  const item: PendingDecision = {
    orgId: org.org.id,
    agentId: org.agent.id,
    eventId: options.eventId,
    requestHash: options.requestHash ?? newId("audit"),
    materialize: (): Materialized => {
      const actionId = newId("action");
      const approvalId = options.approval ? newId("approval") : undefined;
      produced.push({ actionId, ...(approvalId ? { approvalId } : {}) });
      const status = approvalId ? "requested" : "executed";
      return {
        actionId,
        followers: [],
        budgetAlerts: [],
        result: { status, mode: "enforce", conditionsEvaluated: [], message: status, ...(approvalId ? { approvalId } : {}) },
        entry: {
          type: "action.decided",
          actor: { type: "agent", id: org.agent.id },
          agentId: org.agent.id,
          subjectId: actionId,
          data: {
            actionId,
            agentName: org.agent.name,
            actionType: "ship.it",
            status,
            mode: "enforce",
            monitored: [],
            conditionsEvaluated: [],
            metadata: options.metadata ?? {},
            dataAccessed: [],
            requestHash: item.requestHash,
            ...(approvalId ? { approvalId } : {}),
          },
        },
        action: {
          actionType: "ship.it",
          metadata: options.metadata ?? {},
          dataAccessed: [],
          status,
          denialReason: null,
          policyName: null,
          policyVersionId: options.policyVersionId ?? null,
          mode: "enforce",
        },
        ...(approvalId
          ? {
              approval: {
                id: approvalId,
                policyVersionId: null,
                quorum: 1,
                approverRoles: [],
                approverMemberIds: [],
                excludeAgentOwner: false,
                requestedBy: null,
                requesterRef: null,
                expiresAt: new Date(Date.now() + 3_600_000),
              },
            }
          : {}),
      };
    },
  };
  return { item, produced };
}

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

describe("one agent's refused request does not fail the other decisions of its group commit", () => {
  let org: TestOrg;
  let a: Ctx;
  let b: Ctx;

  beforeAll(async () => {
    org = await createTestOrg({ label: "batchiso", policies: POLICIES });
    const agentB = await createAgent({ ctx: org.ctx, input: { name: "agent-b" } });
    a = agentCtx(org, org.agent);
    b = agentCtx(org, agentB);
    // Warm the snapshots, so the flood reaches the group commit together.
    await decideAction({ ctx: a, input: { actionType: "ship.warm" } });
    await decideAction({ ctx: b, input: { actionType: "ship.warm" } });
  });

  it("300 concurrent good calls all commit while another agent sends content PostgreSQL refuses", async () => {
    const before = await logOf(org);
    const calls: Array<{ agent: "a" | "b"; promise: Promise<ActionResult> }> = [];
    let bad = 0;
    for (let i = 0; i < 300; i += 1) {
      calls.push({ agent: "a", promise: decideAction({ ctx: a, input: { actionType: "ship.it", metadata: { i } } }) });
      if (i % 10 === 5) {
        const refused = REFUSED[bad % REFUSED.length] as (typeof REFUSED)[number];
        bad += 1;
        calls.push({ agent: "b", promise: decideAction({ ctx: b, input: { actionType: "ship.bad", ...refused } }) });
      }
    }
    const settled = await Promise.allSettled(calls.map((c) => c.promise));
    const ofA = settled.filter((_, i) => calls[i]?.agent === "a");
    const ofB = settled.filter((_, i) => calls[i]?.agent === "b");

    expect(ofA.filter((s) => s.status === "rejected").map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
    expect(ofA.map((s) => (s.status === "fulfilled" ? s.value.status : "failed"))).toEqual(Array.from({ length: 300 }, () => "executed"));
    expect(ofB).toHaveLength(bad);
    for (const s of ofB) {
      expect(s.status).toBe("rejected");
      const reason = (s as PromiseRejectedResult).reason as unknown;
      expect(isDomainError(reason) && reason.code).toBe("VALIDATION");
    }

    const after = await logOf(org);
    expect(after.verification).toMatchObject({ valid: true, problem: null });
    expect(after.actions - before.actions).toBe(300);
    expect(after.size - before.size).toBe(300);
    expect(after.seqs).toEqual(Array.from({ length: after.size }, (_, i) => i));
    // Every answered audit id is an entry of the log, once.
    const ids = ofA.map((s) => (s as PromiseFulfilledResult<ActionResult>).value.auditEventId);
    expect(new Set(ids).size).toBe(300);
    expect(await db().auditEntry.count({ where: { orgId: org.org.id, id: { in: ids } } })).toBe(300);
  });
});

describe("the group commit on its own (called without the service's checks)", () => {
  let org: TestOrg;

  beforeAll(async () => {
    org = await createTestOrg({ label: "groupiso", policies: POLICIES });
  });

  it("refused items fail alone, the rest commit once, and nothing of a rolled-back attempt remains", async () => {
    const before = await logOf(org);
    const kinds: Array<"good" | "nul" | "surrogate" | "fk" | "approval" | "dup"> = [];
    for (let i = 0; i < 200; i += 1) {
      if (i === 0) kinds.push("good");
      else if (i % 37 === 3) kinds.push("fk");
      else if (i % 41 === 7) kinds.push("nul");
      else if (i % 43 === 11) kinds.push("surrogate");
      else if (i % 29 === 13) kinds.push("approval");
      else if (i === 150 || i === 190) kinds.push("dup");
      else kinds.push("good");
    }
    const built = kinds.map((kind, i) =>
      pending(
        org,
        kind === "nul"
          ? { metadata: { note: "\u0000" } }
          : kind === "surrogate"
            ? { metadata: { ["\uD800"]: i } }
            : kind === "fk"
              ? { policyVersionId: `pv_missing_${i}` }
              : kind === "approval"
                ? { approval: true, metadata: { i } }
                : kind === "dup"
                  ? { eventId: "dup-event", requestHash: "dup-hash", metadata: { dup: true } }
                  : { metadata: { i } },
      ),
    );
    // One tick: the first call commits alone, the other 199 gather into the next batch.
    const settled = await Promise.allSettled(built.map((b) => commitDecision(b.item)));

    const refused = kinds.map((k) => k === "nul" || k === "surrogate" || k === "fk");
    // The foreign-key refusals are PostgreSQL's own: their batch-mates were materialized again.
    expect(built.some((b) => b.produced.length > 1)).toBe(true);
    settled.forEach((s, i) => expect(s.status, `item ${i} (${kinds[i]})`).toBe(refused[i] ? "rejected" : "fulfilled"));
    settled.forEach((s, i) => {
      if (kinds[i] === "nul" || kinds[i] === "surrogate") expect(isDomainError((s as PromiseRejectedResult).reason) && (s as PromiseRejectedResult).reason.code).toBe("VALIDATION");
    });
    const committed = settled.flatMap((s, i) => (s.status === "fulfilled" ? [{ i, value: s.value as Committed }] : []));
    // The two calls with one eventId: one fresh decision, the other answered with it.
    const dups = committed.filter((c) => kinds[c.i] === "dup");
    expect(dups.map((d) => d.value.fresh).sort()).toEqual([false, true]);
    expect(dups[0]?.value.result.auditEventId).toBe(dups[1]?.value.result.auditEventId);
    const fresh = committed.filter((c) => c.value.fresh);

    const after = await logOf(org);
    expect(after.verification).toMatchObject({ valid: true, problem: null });
    expect(after.seqs).toEqual(Array.from({ length: after.size }, (_, i) => i));
    expect(after.size - before.size).toBe(fresh.length);
    expect(after.actions - before.actions).toBe(fresh.length);

    // The stored actions are exactly the last rows each fresh item materialized: no id of an attempt
    // that was rolled back, and each answered audit id is that action's entry.
    const rows = await db().action.findMany({ where: { orgId: org.org.id }, select: { id: true, auditEntryId: true } });
    const stored = new Map(rows.map((r) => [r.id, r.auditEntryId]));
    for (const { i, value } of fresh) {
      const last = built[i]?.produced.at(-1);
      expect(last && stored.get(last.actionId), `item ${i}`).toBe(value.result.auditEventId);
    }
    const answered = new Set(fresh.map(({ i }) => built[i]?.produced.at(-1)?.actionId));
    expect(rows.filter((r) => !answered.has(r.id))).toEqual([]);
    // Approvals: one per committed require-approval item, with the ids of its committed attempt.
    const approvals = await db().approval.findMany({ where: { orgId: org.org.id }, select: { id: true, actionId: true } });
    const expected = fresh
      .filter(({ i }) => kinds[i] === "approval")
      .map(({ i }) => ({ id: built[i]?.produced.at(-1)?.approvalId, actionId: built[i]?.produced.at(-1)?.actionId }));
    expect(approvals.sort((x, y) => x.id.localeCompare(y.id))).toEqual(expected.sort((x, y) => String(x.id).localeCompare(String(y.id))));
  });
});

describe("a database that cannot take the write fails the whole batch (no retry in parts)", () => {
  it("the group commit's connection is terminated while it waits for the log: every item of the batch fails, none is retried", async () => {
    const org = await createTestOrg({ label: "groupdown", policies: POLICIES });
    const ctx = agentCtx(org, org.agent);
    await decideAction({ ctx, input: { actionType: "ship.warm" } });
    const before = await logOf(org);
    const holder = await db().pool.connect();
    const waitingCommit = async (not = 0): Promise<number> => {
      // The group commit's opening statement names the org; it waits on the head row this test holds.
      for (;;) {
        const { rows } = await db().pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1 AND pid <> $2`,
          [`BEGIN; ${lockHeadStatement(`'${org.org.id}'`)}%`, not],
        );
        if (rows[0]) return rows[0].pid;
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    let first: Promise<unknown>;
    let rest: Array<Promise<unknown>>;
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM audit_log_heads WHERE org_id = $1 FOR UPDATE`, [org.org.id]);
      // Straight to the group commit, so every item is queued before the first batch fails.
      first = commitDecision(pending(org, { metadata: { n: 0 } }).item).catch((e: unknown) => e);
      const firstPid = await waitingCommit();
      // These gather behind the first batch and form the next one.
      rest = Array.from({ length: 40 }, (_, n) => commitDecision(pending(org, { metadata: { n: n + 1 } }).item).catch((e: unknown) => e));
      await db().pool.query(`SELECT pg_terminate_backend($1)`, [firstPid]);
      expect(await first).toMatchObject({ code: "57P01" });
      const secondPid = await waitingCommit(firstPid);
      await db().pool.query(`SELECT pg_terminate_backend($1)`, [secondPid]);
      const outcomes = await Promise.all(rest);
      expect(outcomes.map((o) => (o as { code?: unknown }).code)).toEqual(Array.from({ length: 40 }, () => "57P01"));
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    const after = await logOf(org);
    expect(after.size).toBe(before.size);
    expect(after.actions).toBe(before.actions);
    expect(after.verification).toMatchObject({ valid: true });
    // And the group commit works again once the database does.
    expect(await decideAction({ ctx, input: { actionType: "ship.it" } })).toMatchObject({ status: "executed" });
  });
});
