import pg from "pg";
import type { ActionResult } from "@gatehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey, changeOrgSettings, closeSignals, db, decideAction, disconnectDb, reportOutcome, type Ctx } from "../src";
import { createDelegation } from "../src/delegations";
import { createTestOrg, type TestOrg } from "../src/testing";

// What follows a decision is written in its commit (issue 64, ADR 0049): the loop's record, the halt the org asks
// for with its cancellations, and the breaker's moves are entries right after the decision's, with the same commit
// time, in the one visit to the org's log lock that records the decision — so none can be lost between two
// transactions, and nothing but notifications runs after the commit.

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const POLICIES = [
  { name: "tools", actions: ["tool.*"], effect: "allow" },
  { name: "hold", actions: ["hold.*"], effect: "require_approval" },
];

interface Entry {
  seq: number;
  type: string;
  createdAt: Date;
  actor: string;
  data: Record<string, unknown>;
}

async function entriesFrom(orgId: string, afterSeq: number): Promise<Entry[]> {
  const rows = await db().auditEntry.findMany({ where: { orgId, seq: { gt: afterSeq } }, orderBy: { seq: "asc" } });
  return rows.map((r) => {
    const parsed = JSON.parse(r.canonical) as { actor: { id: string }; data: Record<string, unknown> };
    return { seq: Number(r.seq), type: r.type, createdAt: r.createdAt, actor: parsed.actor.id, data: parsed.data };
  });
}

async function headOf(orgId: string): Promise<number> {
  const head = await db().auditLogHead.findUniqueOrThrow({ where: { orgId } });
  return Number(head.size) - 1;
}

/** How many times `work` takes an org's log-head lock (every statement PostgreSQL is sent, counted by its text). */
async function logLockVisits<T>(work: () => Promise<T>): Promise<{ value: T; visits: number }> {
  const original = pg.Client.prototype.query;
  let visits = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string } | undefined;
    const text = typeof config === "string" ? config : (config?.text ?? "");
    if (/FROM audit_log_heads/.test(text) && /FOR UPDATE/.test(text)) visits += 1;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { value: await work(), visits };
  } finally {
    pg.Client.prototype.query = original;
  }
}

let org: TestOrg;
let agent: Ctx;
let delegate: Ctx;
beforeAll(async () => {
  org = await createTestOrg({ label: "followers", policies: POLICIES });
  agent = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "followers" };
  const created = await createDelegation({ ctx: agent, input: { name: "helper", capabilities: ["hold.*", "tool.*"], ttlSeconds: 600 } });
  delegate = { ...(await authenticateApiKey(created.apiKey)), requestId: "followers" };
});

describe("a loop's record and halt", () => {
  it("follow the refusing decision in its commit, cancel the agent's and its delegates' pending approvals there, in one visit to the log lock", async () => {
    await changeOrgSettings({ ctx: org.ctx, input: { loops: { enabled: true, maxRepeats: 3, windowSeconds: 60, haltAgent: true } } });
    const held = [
      await decideAction({ ctx: agent, input: { actionType: "hold.deploy", metadata: { n: 1 } } }),
      await decideAction({ ctx: delegate, input: { actionType: "hold.deploy", metadata: { n: 2 } } }),
    ];
    expect(held.map((r) => r.status)).toEqual(["requested", "requested"]);
    const call = { actionType: "tool.search", metadata: { q: "same" } };
    for (let i = 0; i < 3; i += 1) expect((await decideAction({ ctx: agent, input: call })).status).toBe("executed");
    const before = await headOf(org.org.id);

    const { value: refused, visits } = await logLockVisits(() => decideAction({ ctx: agent, input: call }));
    expect(refused).toMatchObject({ status: "denied", denialReason: "LOOP_DETECTED" });
    expect(visits).toBe(1);

    const entries = await entriesFrom(org.org.id, before);
    expect(entries.map((e) => [e.type, e.actor])).toEqual([
      ["action.decided", agent.actor.type === "agent" ? agent.actor.agentId : ""],
      ["agent.loop_detected", "loop-detector"],
      ["agent.halted", "loop-detector"],
      ["approval.cancelled", "loop-detector"],
      ["approval.cancelled", "loop-detector"],
    ]);
    // One commit: consecutive sequence numbers, one commit time.
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => before + 1 + i));
    expect(new Set(entries.map((e) => e.createdAt.getTime())).size).toBe(1);
    expect(entries[1]?.data).toMatchObject({ kind: "repeat", count: 4, maxRepeats: 3, halted: true });
    expect(entries[2]?.data).toEqual({ name: "test-agent", reason: "loop: tool.search with the same arguments 4 times within 60 s (limit 3)" });
    expect(entries.slice(3).map((e) => e.data.approvalId)).toEqual(held.map((r) => r.approvalId).sort());

    // The rows say what the entries say.
    const row = await db().agent.findUniqueOrThrow({ where: { id: refused.auditEventId ? (agent.actor.type === "agent" ? agent.actor.agentId : "") : "" } });
    expect([row.status, row.haltedBySystem, row.haltedByMembershipId]).toEqual(["halted", "loop-detector", null]);
    const approvals = await db().approval.findMany({ where: { id: { in: held.map((r) => r.approvalId as string) } }, include: { action: true } });
    expect(approvals.map((a) => [a.status, a.action.status, a.action.denialReason])).toEqual([
      ["cancelled", "denied", "AGENT_HALTED"],
      ["cancelled", "denied", "AGENT_HALTED"],
    ]);
    // Every call after it, the delegate's too, is refused for the halt.
    expect(await decideAction({ ctx: agent, input: { actionType: "tool.other" } })).toMatchObject({ denialReason: "AGENT_HALTED" });
    expect(await decideAction({ ctx: delegate, input: { actionType: "tool.other" } })).toMatchObject({ denialReason: "AGENT_HALTED" });
  });

  it("calls racing the halting one are each decided once: those committed after it are refused for the halt, and the loop is recorded once", async () => {
    const fresh = await createTestOrg({ label: "followers-race", policies: POLICIES });
    const ctx: Ctx = { ...(await authenticateApiKey(fresh.agent.apiKey)), requestId: "followers-race" };
    await changeOrgSettings({ ctx: fresh.ctx, input: { loops: { enabled: true, maxRepeats: 2, windowSeconds: 60, haltAgent: true } } });
    const results = await Promise.all(Array.from({ length: 12 }, () => decideAction({ ctx, input: { actionType: "tool.search", metadata: { q: "same" } } })));
    const entries = await entriesFrom(fresh.org.id, -1);
    const decided = entries.filter((e) => e.type === "action.decided");
    expect(decided.length).toBe(12);
    expect(entries.filter((e) => e.type === "agent.loop_detected").length).toBe(1);
    expect(entries.filter((e) => e.type === "agent.halted").length).toBe(1);
    // In log order: what was decided before the halt's entry ran; what came after it is refused for the halt.
    const haltSeq = entries.find((e) => e.type === "agent.halted")?.seq ?? Number.NaN;
    for (const e of decided) if (e.seq > haltSeq) expect(e.data.denialReason).toBe("AGENT_HALTED");
    expect(results.filter((r) => r.denialReason === "LOOP_DETECTED").length).toBeGreaterThanOrEqual(1);
  });
});

describe("the circuit breaker", () => {
  async function breakerOrg(label: string): Promise<{ org: TestOrg; ctx: Ctx; agentId: string }> {
    const made = await createTestOrg({ label, policies: POLICIES });
    await changeOrgSettings({ ctx: made.ctx, input: { circuitBreaker: { failureThreshold: 3, windowSeconds: 60, cooldownSeconds: 1 } } });
    const ctx: Ctx = { ...(await authenticateApiKey(made.agent.apiKey)), requestId: label };
    return { org: made, ctx, agentId: ctx.actor.type === "agent" ? ctx.actor.agentId : "" };
  }

  it("opens in the commit of the failure that reaches its threshold, in one visit to the log lock", async () => {
    const { org: made, ctx, agentId } = await breakerOrg("followers-cb");
    for (let i = 0; i < 2; i += 1) expect((await decideAction({ ctx, input: { actionType: "x.write" } })).denialReason).toBe("NO_POLICY");
    const before = await headOf(made.org.id);
    const { value: third, visits } = await logLockVisits(() => decideAction({ ctx, input: { actionType: "x.write" } }));
    expect(third.denialReason).toBe("NO_POLICY");
    expect(visits).toBe(1);
    const entries = await entriesFrom(made.org.id, before);
    expect(entries.map((e) => [e.type, e.actor])).toEqual([
      ["action.decided", agentId],
      ["agent.circuit_opened", "circuit-breaker"],
    ]);
    expect(entries[1]?.data).toMatchObject({ from: "closed", to: "open" });
    expect(new Set(entries.map((e) => e.createdAt.getTime())).size).toBe(1);
    expect((await db().agent.findUniqueOrThrow({ where: { id: agentId } })).circuitState).toBe("open");
    expect(await decideAction({ ctx, input: { actionType: "tool.read" } })).toMatchObject({ denialReason: "CIRCUIT_OPEN" });
  });

  it("failures racing past the threshold open it once", async () => {
    const { org: made, ctx, agentId } = await breakerOrg("followers-cb-race");
    const results = await Promise.all(Array.from({ length: 10 }, () => decideAction({ ctx, input: { actionType: "x.write" } })));
    expect(results.every((r) => r.status === "denied")).toBe(true);
    const entries = await entriesFrom(made.org.id, -1);
    expect(entries.filter((e) => e.type === "agent.circuit_opened").length).toBe(1);
    expect((await db().agent.findUniqueOrThrow({ where: { id: agentId } })).circuitState).toBe("open");
  });

  it("its probe settles in the probe's own commit", async () => {
    const { org: made, ctx, agentId } = await breakerOrg("followers-cb-probe");
    for (let i = 0; i < 3; i += 1) await decideAction({ ctx, input: { actionType: "x.write" } });
    // The cool-down (1 s) is over once the breaker's opening is a second old: moved back instead of waited for.
    await db().agent.update({ where: { id: agentId }, data: { circuitOpenedAt: new Date(Date.now() - 2_000) } });
    const before = await headOf(made.org.id);
    const { value: probe, visits } = await logLockVisits(() => decideAction({ ctx, input: { actionType: "tool.read" } }));
    expect(probe.status).toBe("executed");
    expect(visits).toBe(1);
    const entries = await entriesFrom(made.org.id, before);
    expect(entries.map((e) => [e.type, e.data.to ?? null])).toEqual([
      ["action.decided", null],
      ["agent.circuit_closed", "closed"],
    ]);
    expect((await db().agent.findUniqueOrThrow({ where: { id: agentId } })).circuitState).toBe("closed");
  });
});

describe("what follows an outcome", () => {
  const CHECKED = [...POLICIES, { name: "bulk-updates", actions: ["db.update"], effect: "allow", postConditions: { field: "outcome.rowsAffected", op: "lt", value: 100 } }];

  it("a broken post-condition's halt follows the outcome in its commit, cancelling the agent's pending approvals, in one visit to the log lock", async () => {
    const made = await createTestOrg({ label: "followers-post", policies: CHECKED as never });
    await changeOrgSettings({ ctx: made.ctx, input: { postConditions: { haltAgent: true } } });
    const ctx: Ctx = { ...(await authenticateApiKey(made.agent.apiKey)), requestId: "followers-post" };
    const agentId = ctx.actor.type === "agent" ? ctx.actor.agentId : "";
    const held = await decideAction({ ctx, input: { actionType: "hold.deploy" } });
    const update = await decideAction({ ctx, input: { actionType: "db.update", metadata: { table: "users" } } });
    expect([held.status, update.status]).toEqual(["requested", "executed"]);
    const before = await headOf(made.org.id);

    const { value: answer, visits } = await logLockVisits(() =>
      reportOutcome({ ctx, input: { auditEventId: update.auditEventId, body: { status: "success", data: { rowsAffected: 101 } } } }),
    );
    expect(answer.violations?.map((v) => v.policy)).toEqual(["bulk-updates"]);
    expect(visits).toBe(1);
    const entries = await entriesFrom(made.org.id, before);
    expect(entries.map((e) => [e.type, e.actor])).toEqual([
      ["action.outcome", agentId],
      ["action.postcondition_violated", "postcondition-checker"],
      ["agent.halted", "postcondition-checker"],
      ["approval.cancelled", "postcondition-checker"],
    ]);
    expect(new Set(entries.map((e) => e.createdAt.getTime())).size).toBe(1);
    expect(entries[2]?.data).toMatchObject({ name: "test-agent" });
    const row = await db().agent.findUniqueOrThrow({ where: { id: agentId } });
    expect([row.status, row.haltedBySystem]).toEqual(["halted", "postcondition-checker"]);
    const approval = await db().approval.findUniqueOrThrow({ where: { id: held.approvalId as string }, include: { action: true } });
    expect([approval.status, approval.action.status, approval.action.denialReason]).toEqual(["cancelled", "denied", "AGENT_HALTED"]);
    expect(await decideAction({ ctx, input: { actionType: "tool.read" } })).toMatchObject({ denialReason: "AGENT_HALTED" });
  });

  it("failure outcomes open the breaker in the commit of the one that reaches its threshold; a retried report counts once", async () => {
    const made = await createTestOrg({ label: "followers-outcome-cb", policies: POLICIES });
    await changeOrgSettings({ ctx: made.ctx, input: { circuitBreaker: { failureThreshold: 3, windowSeconds: 60, cooldownSeconds: 60 } } });
    const ctx: Ctx = { ...(await authenticateApiKey(made.agent.apiKey)), requestId: "followers-outcome-cb" };
    const agentId = ctx.actor.type === "agent" ? ctx.actor.agentId : "";
    const actions: ActionResult[] = [];
    for (let i = 0; i < 3; i += 1) actions.push(await decideAction({ ctx, input: { actionType: "tool.write", metadata: { i } } }));
    const fail = (auditEventId: string) => reportOutcome({ ctx, input: { auditEventId, body: { status: "failure" } } });
    await fail(actions[0]!.auditEventId);
    // The same report again (a client's retry) answers the same and is not a second failure.
    expect((await fail(actions[0]!.auditEventId)).status).toBe("failure");
    await fail(actions[1]!.auditEventId);
    expect((await db().agent.findUniqueOrThrow({ where: { id: agentId } })).circuitState).toBe("closed");
    const before = await headOf(made.org.id);

    const { visits } = await logLockVisits(() => fail(actions[2]!.auditEventId));
    expect(visits).toBe(1);
    const entries = await entriesFrom(made.org.id, before);
    expect(entries.map((e) => [e.type, e.actor])).toEqual([
      ["action.outcome", agentId],
      ["agent.circuit_opened", "circuit-breaker"],
    ]);
    expect(entries[1]?.data).toMatchObject({ from: "closed", to: "open", reason: expect.stringContaining("failure outcome of tool.write") });
    expect(new Set(entries.map((e) => e.createdAt.getTime())).size).toBe(1);
    expect((await db().agent.findUniqueOrThrow({ where: { id: agentId } })).circuitState).toBe("open");
    expect(await decideAction({ ctx, input: { actionType: "tool.read" } })).toMatchObject({ denialReason: "CIRCUIT_OPEN" });
  });
});
