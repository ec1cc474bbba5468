import { afterAll, describe, expect, it } from "vitest";
import { authenticateApiKey, closeSignals, createAgent, db, decideAction, disconnectDb, reportOutcome, updateOrgSettings, type Ctx } from "../src";
import { rollUpDecisions } from "../src/rollups";
import { createTestOrg, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const POLICIES = [
  { name: "reads", actions: ["db.read"], effect: "allow" },
  { name: "no-deletes", actions: ["db.delete"], effect: "deny" },
  { name: "merges", actions: ["pr.merge"], effect: "require_approval" },
];

async function agentCtx(apiKey: string): Promise<Ctx> {
  return { ...(await authenticateApiKey(apiKey)), requestId: "rollups-test" };
}

interface Row {
  period: string;
  bucket: string;
  agent_id: string;
  action_type: string;
  executed: number;
  denied: number;
  requested: number;
  no_policy: number;
  outcomes: number;
}

async function rollups(orgId: string, period: "minute" | "hour" | "day"): Promise<Row[]> {
  const { rows } = await db().pool.query<Row>(
    `SELECT period, to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS bucket, agent_id, action_type, executed, denied, requested, no_policy, outcomes
     FROM decision_rollups WHERE org_id = $1 AND period = $2 ORDER BY bucket, agent_id, action_type`,
    [orgId, period],
  );
  return rows;
}

/**
 * What the rollups must hold, computed independently in SQL from the audit entries up to `upToSeq`
 * (date_trunc over each entry's stored time, its status and type from the stored JSON).
 */
async function expectedFromLog(orgId: string, period: "minute" | "hour" | "day", upToSeq = Number.MAX_SAFE_INTEGER): Promise<Row[]> {
  const { rows } = await db().pool.query<Row>(
    `SELECT $2::text AS period, to_char(date_trunc($2, created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI') AS bucket, agent_id,
       (canonical::jsonb)->'data'->>'actionType' AS action_type,
       COUNT(*) FILTER (WHERE type = 'action.decided' AND (canonical::jsonb)->'data'->>'status' = 'executed')::int AS executed,
       COUNT(*) FILTER (WHERE type = 'action.decided' AND (canonical::jsonb)->'data'->>'status' = 'denied')::int AS denied,
       COUNT(*) FILTER (WHERE type = 'action.decided' AND (canonical::jsonb)->'data'->>'status' = 'requested')::int AS requested,
       COUNT(*) FILTER (WHERE type = 'action.decided' AND (canonical::jsonb)->'data'->>'denialReason' = 'NO_POLICY')::int AS no_policy,
       COUNT(*) FILTER (WHERE type = 'action.outcome')::int AS outcomes
     FROM audit_entries WHERE org_id = $1 AND type IN ('action.decided', 'action.outcome') AND seq <= $3
     GROUP BY 1, 2, 3, 4 ORDER BY 2, 3, 4`,
    [orgId, period, String(upToSeq)],
  );
  return rows;
}

/** The counts summed over buckets, per agent and action type. */
function totals(rows: Row[]): Record<string, Omit<Row, "period" | "bucket" | "agent_id" | "action_type">> {
  const out: Record<string, Omit<Row, "period" | "bucket" | "agent_id" | "action_type">> = {};
  for (const r of rows) {
    const t = (out[`${r.agent_id} ${r.action_type}`] ??= { executed: 0, denied: 0, requested: 0, no_policy: 0, outcomes: 0 });
    t.executed += r.executed;
    t.denied += r.denied;
    t.requested += r.requested;
    t.no_policy += r.no_policy;
    t.outcomes += r.outcomes;
  }
  return out;
}

describe("rollUpDecisions", () => {
  let org: TestOrg;
  let other: TestOrg;
  let second: { id: string; apiKey: string };

  it("counts real decisions and outcomes per minute and hour, per agent and action type", async () => {
    org = await createTestOrg({ label: "rollups", policies: POLICIES });
    other = await createTestOrg({ label: "rollups-other", policies: POLICIES });
    const created = await createAgent({ ctx: org.ctx, input: { name: "second-agent" } });
    second = { id: created.id, apiKey: created.apiKey };
    const ctx = await agentCtx(org.agent.apiKey);
    const ctx2 = await agentCtx(second.apiKey);
    const executed: string[] = [];
    for (let i = 0; i < 3; i += 1) executed.push((await decideAction({ ctx, input: { actionType: "db.read", metadata: { i } } })).auditEventId);
    await decideAction({ ctx, input: { actionType: "db.delete" } });
    await decideAction({ ctx, input: { actionType: "fs.wipe" } }); // no policy
    await decideAction({ ctx, input: { actionType: "pr.merge" } });
    await decideAction({ ctx: ctx2, input: { actionType: "db.read" } });
    await reportOutcome({ ctx, input: { auditEventId: executed[0] ?? "", body: { status: "success" } } });
    await reportOutcome({ ctx, input: { auditEventId: executed[1] ?? "", body: { status: "failure", message: "timeout" } } });
    // The other org decides the same action types with its own agent.
    const otherCtx = await agentCtx(other.agent.apiKey);
    for (let i = 0; i < 4; i += 1) await decideAction({ ctx: otherCtx, input: { actionType: "db.delete", metadata: { i } } });

    expect(await rollUpDecisions()).toBeGreaterThanOrEqual(0);

    const minute = await rollups(org.org.id, "minute");
    const hour = await rollups(org.org.id, "hour");
    expect(totals(minute)).toEqual({
      [`${org.agent.id} db.read`]: { executed: 3, denied: 0, requested: 0, no_policy: 0, outcomes: 2 },
      [`${org.agent.id} db.delete`]: { executed: 0, denied: 1, requested: 0, no_policy: 0, outcomes: 0 },
      [`${org.agent.id} fs.wipe`]: { executed: 0, denied: 1, requested: 0, no_policy: 1, outcomes: 0 },
      [`${org.agent.id} pr.merge`]: { executed: 0, denied: 0, requested: 1, no_policy: 0, outcomes: 0 },
      [`${second.id} db.read`]: { executed: 1, denied: 0, requested: 0, no_policy: 0, outcomes: 0 },
    });
    const day = await rollups(org.org.id, "day");
    expect(totals(hour)).toEqual(totals(minute));
    expect(totals(day)).toEqual(totals(minute));
    // Each count sits in the bucket of its entry's time (outcomes at the outcome's time).
    expect(minute).toEqual(await expectedFromLog(org.org.id, "minute"));
    expect(hour).toEqual(await expectedFromLog(org.org.id, "hour"));
    expect(day).toEqual(await expectedFromLog(org.org.id, "day"));
    // Another org's entries are never in this org's rows, and its own are all there.
    expect(minute.every((r) => r.agent_id === org.agent.id || r.agent_id === second.id)).toBe(true);
    expect(totals(await rollups(other.org.id, "minute"))).toEqual({ [`${other.agent.id} db.delete`]: { executed: 0, denied: 4, requested: 0, no_policy: 0, outcomes: 0 } });
  });

  it("running it again, or twice at once, counts nothing twice", async () => {
    const before = await rollups(org.org.id, "minute");
    await rollUpDecisions();
    expect(await rollups(org.org.id, "minute")).toEqual(before);

    const ctx = await agentCtx(org.agent.apiKey);
    for (let i = 0; i < 5; i += 1) await decideAction({ ctx, input: { actionType: "db.read", metadata: { again: i } } });
    await Promise.all([rollUpDecisions(), rollUpDecisions(), rollUpDecisions()]);
    expect(await rollups(org.org.id, "minute")).toEqual(await expectedFromLog(org.org.id, "minute"));
    expect(await rollups(org.org.id, "hour")).toEqual(await expectedFromLog(org.org.id, "hour"));
    expect(totals(await rollups(org.org.id, "hour"))[`${org.agent.id} db.read`]?.executed).toBe(8);
  });

  it("resumes after a partial page: the rows hold exactly the entries up to the cursor, then all of them", async () => {
    const ctx = await agentCtx(org.agent.apiKey);
    for (let i = 0; i < 5; i += 1) await decideAction({ ctx, input: { actionType: i % 2 ? "db.read" : "db.delete", metadata: { partial: i } } });
    const cursorBefore = Number((await db().rollupCursor.findUniqueOrThrow({ where: { orgId: org.org.id } })).seq);

    await rollUpDecisions({ pageSize: 2, maxPagesPerOrg: 1 });
    const cursor = Number((await db().rollupCursor.findUniqueOrThrow({ where: { orgId: org.org.id } })).seq);
    expect(cursor).toBeGreaterThan(cursorBefore);
    expect(await rollups(org.org.id, "minute")).toEqual(await expectedFromLog(org.org.id, "minute", cursor));

    await rollUpDecisions({ pageSize: 2 });
    expect(await rollups(org.org.id, "minute")).toEqual(await expectedFromLog(org.org.id, "minute"));
    const head = await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } });
    expect(Number((await db().rollupCursor.findUniqueOrThrow({ where: { orgId: org.org.id } })).seq)).toBe(Number(head.size) - 1);
    expect(totals(await rollups(org.org.id, "hour"))[`${org.agent.id} db.delete`]?.denied).toBe(4);
  });
});

interface PolicyRow {
  bucket: string;
  policy_name: string;
  decided: number;
  would_block: number;
}

async function policyRollups(orgId: string): Promise<PolicyRow[]> {
  const { rows } = await db().pool.query<PolicyRow>(
    `SELECT to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS bucket, policy_name, decided, would_block
     FROM policy_rollups WHERE org_id = $1 ORDER BY bucket, policy_name`,
    [orgId],
  );
  return rows;
}

/**
 * What policy_rollups must hold, computed independently in SQL from the action.decided entries up to
 * `upToSeq`: the deciding policy's decided count; would_block for each monitored policy with a
 * blocking effect and for a report-only decision's policy ('(no policy)' when none decided).
 */
async function expectedPolicyRollups(orgId: string, upToSeq = Number.MAX_SAFE_INTEGER): Promise<PolicyRow[]> {
  const { rows } = await db().pool.query<PolicyRow>(
    `WITH d AS (
       SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI') AS bucket, (canonical::jsonb)->'data' AS data
       FROM audit_entries WHERE org_id = $1 AND type = 'action.decided' AND seq <= $2
     ), counted AS (
       SELECT bucket, data->'policy'->>'name' AS policy_name, 1 AS decided, 0 AS would_block FROM d WHERE data->'policy'->>'name' IS NOT NULL
       UNION ALL
       SELECT bucket, m->>'name', 0, 1 FROM d, jsonb_array_elements(data->'monitored') m WHERE m->>'effect' IN ('deny', 'require_approval')
       UNION ALL
       SELECT bucket, COALESCE(data->'reportOnly'->>'policy', '(no policy)'), 0, 1 FROM d WHERE data->'reportOnly'->>'wouldBe' IN ('deny', 'require_approval')
     )
     SELECT bucket, policy_name, SUM(decided)::int AS decided, SUM(would_block)::int AS would_block FROM counted GROUP BY 1, 2 ORDER BY 1, 2`,
    [orgId, String(upToSeq)],
  );
  return rows;
}

const ROLLOUT_POLICIES = [
  { name: "reads", actions: ["db.read"], effect: "allow" },
  { name: "no-deletes", actions: ["db.delete"], effect: "deny" },
  { name: "merges", actions: ["pr.merge"], effect: "require_approval" },
  { name: "watch-reads", actions: ["db.read"], effect: "deny", mode: "monitor" },
  { name: "watch-merges", actions: ["pr.merge"], effect: "require_approval", mode: "monitor" },
  { name: "watch-allows", actions: ["db.*"], effect: "allow", mode: "monitor" },
];

describe("rollUpDecisions: policy_rollups", () => {
  it("counts per day and policy what each policy decided and what monitor mode and report-only would have blocked", async () => {
    const org = await createTestOrg({ label: "policy-rollups", policies: ROLLOUT_POLICIES });
    const other = await createTestOrg({ label: "policy-rollups-other", policies: ROLLOUT_POLICIES });
    const ctx = await agentCtx(org.agent.apiKey);
    const decideAll = async () => {
      for (const actionType of ["db.read", "db.delete", "db.write", "pr.merge", "fs.wipe"]) await decideAction({ ctx, input: { actionType } });
    };
    await decideAll(); // enforced
    await updateOrgSettings({ ctx: org.ctx, input: { policies: { reportOnly: true } } });
    await decideAll(); // report-only: the deny, the hold and the NO_POLICY execute (a monitor-mode allow counts nothing as would-block)
    const otherCtx = await agentCtx(other.agent.apiKey);
    for (let i = 0; i < 3; i += 1) await decideAction({ ctx: otherCtx, input: { actionType: "db.delete", metadata: { i } } });

    // A first page only: the rows hold exactly the entries up to the cursor.
    await rollUpDecisions({ pageSize: 3, maxPagesPerOrg: 1 });
    const cursor = Number((await db().rollupCursor.findUniqueOrThrow({ where: { orgId: org.org.id } })).seq);
    expect(await policyRollups(org.org.id)).toEqual(await expectedPolicyRollups(org.org.id, cursor));

    await rollUpDecisions();
    const rows = await policyRollups(org.org.id);
    expect(rows).toEqual(await expectedPolicyRollups(org.org.id));
    const totals = Object.fromEntries(
      Object.entries(
        rows.reduce<Record<string, [number, number]>>((acc, r) => {
          const t = (acc[r.policy_name] ??= [0, 0]);
          t[0] += r.decided;
          t[1] += r.would_block;
          return acc;
        }, {}),
      ),
    );
    expect(totals).toEqual({
      reads: [2, 0],
      "watch-reads": [0, 2],
      "watch-allows": [2, 0], // db.write: only this monitor-mode allow applies, so it decides (allow, in monitor mode)
      "no-deletes": [2, 1],
      merges: [2, 1],
      "watch-merges": [0, 2],
      "(no policy)": [0, 1],
    });
    expect(rows.every((r) => r.bucket.endsWith("T00:00"))).toBe(true);
    // The other org's decisions are counted under its own org only.
    expect((await policyRollups(other.org.id)).map((r) => [r.policy_name, r.decided, r.would_block])).toEqual([["no-deletes", 3, 0]]);

    // Running it again counts nothing twice.
    await rollUpDecisions();
    expect(await policyRollups(org.org.id)).toEqual(rows);
  });
});
