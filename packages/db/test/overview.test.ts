import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey, closeSignals, createAgent, db, decideAction, disconnectDb, getOverview, rollUpDecisions, type Ctx } from "../src";
import { addTestMember, createTestOrg, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const NOW = Date.parse("2026-11-20T10:30:00.000Z");

/** Rollup rows as the job writes them: an hour row (or a minute row) and, for an hour row, its day's row too. */
async function hourRow(
  orgId: string,
  bucket: string,
  agentId: string,
  actionType: string,
  counts: { executed?: number; denied?: number; requested?: number },
  period: "hour" | "minute" | "hour-only" = "hour",
) {
  const insert = (p: string, at: string) =>
    db().pool.query(
      `INSERT INTO decision_rollups (org_id, period, bucket, agent_id, action_type, executed, denied, requested) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (org_id, period, bucket, agent_id, action_type) DO UPDATE SET
         executed = decision_rollups.executed + EXCLUDED.executed, denied = decision_rollups.denied + EXCLUDED.denied, requested = decision_rollups.requested + EXCLUDED.requested`,
      [orgId, p, at, agentId, actionType, counts.executed ?? 0, counts.denied ?? 0, counts.requested ?? 0],
    );
  await insert(period === "minute" ? "minute" : "hour", bucket);
  if (period === "hour") await insert("day", `${bucket.slice(0, 10)}T00:00:00Z`);
}

function userCtx(org: TestOrg, member: { userId: string; membershipId: string; role: "auditor" | "viewer" }): Ctx {
  return { org: org.org, actor: { type: "user", userId: member.userId, membershipId: member.membershipId, role: member.role }, requestId: "overview-test" };
}

describe("getOverview", () => {
  let org: TestOrg;
  let other: TestOrg;
  let secondId: string;
  const pendingIds: string[] = [];

  beforeAll(async () => {
    org = await createTestOrg({ label: "overview", policies: [{ name: "merges", actions: ["pr.merge"], effect: "require_approval" }] });
    other = await createTestOrg({ label: "overview-other" });
    secondId = (await createAgent({ ctx: org.ctx, input: { name: "second-agent" } })).id;
    const A = org.agent.id;
    // 24 h window at NOW: 2026-11-19T11:00 … 2026-11-20T10:00 (the current, partial hour).
    await hourRow(org.org.id, "2026-11-20T10:00:00Z", A, "db.read", { executed: 5, denied: 1 });
    await hourRow(org.org.id, "2026-11-20T10:00:00Z", secondId, "db.read", { requested: 2 });
    await hourRow(org.org.id, "2026-11-19T11:00:00Z", A, "db.delete", { denied: 3 });
    await hourRow(org.org.id, "2026-11-19T10:00:00Z", secondId, "db.delete", { denied: 7 }); // before the 24 h window, inside 7 d
    // After NOW: never counted (no day row: at NOW the day's row holds only what was counted by then).
    await hourRow(org.org.id, "2026-11-20T11:00:00Z", A, "db.read", { executed: 1000 }, "hour-only");
    await hourRow(org.org.id, "2026-11-20T10:29:00Z", A, "db.read", { executed: 100 }, "minute"); // minute rows are not the series
    await hourRow(other.org.id, "2026-11-20T10:00:00Z", other.agent.id, "db.delete", { denied: 50 });

    // Approvals: real ones through decisions, their times then set to known values.
    const ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "overview-test" };
    const ids: string[] = [];
    for (let i = 0; i < 9; i += 1) ids.push((await decideAction({ ctx, input: { actionType: "pr.merge", metadata: { i } } })).approvalId ?? "");
    const set = async (id: string | undefined, status: string, created: string, decidedAfterSeconds: number | null) =>
      db().pool.query(
        `UPDATE approvals SET status = $2::approval_status, created_at = $3, decided_at = CASE WHEN $4::float8 IS NULL THEN NULL ELSE $3::timestamptz + make_interval(secs => $4::float8) END WHERE id = $1`,
        [id, status, created, decidedAfterSeconds],
      );
    await set(ids[0], "approved", "2026-11-20T09:00:00Z", 2);
    await set(ids[1], "denied", "2026-11-20T09:00:00Z", 10);
    await set(ids[2], "approved", "2026-11-20T08:00:00Z", 60);
    await set(ids[3], "approved", "2026-11-20T07:00:00Z", 300);
    await set(ids[4], "approved", "2026-11-19T12:00:00Z", 7_200);
    await set(ids[5], "expired", "2026-11-20T01:00:00Z", 3_600);
    await set(ids[6], "approved", "2026-11-10T00:00:00Z", 1); // before the 24 h and 7 d windows
    await set(ids[7], "pending", "2026-11-20T10:10:00Z", null);
    await set(ids[8], "pending", "2026-11-20T10:05:00Z", null);
    pendingIds.push(ids[8] ?? "", ids[7] ?? "");

    await db().pool.query(`INSERT INTO posture_snapshots (org_id, day, score, components) VALUES ($1, $2, $3, '{}'), ($1, $4, $5, '{}'), ($1, $6, 10, '{}'), ($7, $2, 99, '{}')`, [
      org.org.id,
      "2026-11-19T00:00:00Z",
      70,
      "2026-11-18T00:00:00Z",
      65,
      "2026-10-01T00:00:00Z", // older than 30 days
      other.org.id,
    ]);
  });

  it("24h: hourly points from the hourly rollups, zeros filled, the current partial hour last; tops; approval times; pending; trend", async () => {
    const view = await getOverview({ ctx: org.ctx, range: "24h", now: NOW });
    expect(view.from).toBe("2026-11-19T11:00:00.000Z");
    expect(view.to).toBe("2026-11-20T10:30:00.000Z");
    expect(view.series).toHaveLength(24);
    expect(view.series[0]).toEqual({ at: "2026-11-19T11:00:00.000Z", executed: 0, denied: 3, requested: 0 });
    expect(view.series[23]).toEqual({ at: "2026-11-20T10:00:00.000Z", executed: 5, denied: 1, requested: 2 });
    expect(view.series.slice(1, 23).every((p) => p.executed + p.denied + p.requested === 0)).toBe(true);
    expect(view.totals).toEqual({ executed: 5, denied: 4, requested: 2, decisions: 11 });
    expect(view.topDeniedActionTypes).toEqual([
      { actionType: "db.delete", denied: 3 },
      { actionType: "db.read", denied: 1 },
    ]);
    expect(view.topDeniedAgents).toEqual([{ agentId: org.agent.id, agentName: org.agent.name, denied: 4 }]);
    expect(view.approvalTimes).toEqual({
      buckets: [
        { label: "<5 s", upToSeconds: 5, count: 1 },
        { label: "5–30 s", upToSeconds: 30, count: 1 },
        { label: "30 s–2 min", upToSeconds: 120, count: 1 },
        { label: "2–10 min", upToSeconds: 600, count: 1 },
        { label: "10 min–1 h", upToSeconds: 3600, count: 0 },
        { label: ">1 h", upToSeconds: null, count: 1 },
      ],
      decided: 5,
      expired: 1,
      medianSeconds: 60,
      p90Seconds: 4440, // percentile_cont over 2, 10, 60, 300, 7200
    });
    expect(view.pendingApprovals?.count).toBe(2);
    expect(view.pendingApprovals?.oldest.map((p) => p.id)).toEqual(pendingIds);
    expect(view.pendingApprovals?.oldest[0]).toMatchObject({ actionType: "pr.merge", agentName: org.agent.name, createdAt: "2026-11-20T10:05:00.000Z" });
    expect(view.postureTrend).toEqual([
      { day: "2026-11-18T00:00:00.000Z", score: 65 },
      { day: "2026-11-19T00:00:00.000Z", score: 70 },
    ]);
  });

  it("7d: 28 points of 6 hours; 30d: 30 daily points, UTC aligned", async () => {
    const week = await getOverview({ ctx: org.ctx, range: "7d", now: NOW });
    expect(week.series).toHaveLength(28);
    expect(week.from).toBe("2026-11-13T12:00:00.000Z");
    expect(week.series[27]).toEqual({ at: "2026-11-20T06:00:00.000Z", executed: 5, denied: 1, requested: 2 });
    expect(week.series[26]).toEqual({ at: "2026-11-20T00:00:00.000Z", executed: 0, denied: 0, requested: 0 });
    expect(week.series[25]).toEqual({ at: "2026-11-19T18:00:00.000Z", executed: 0, denied: 0, requested: 0 });
    expect(week.series[24]).toEqual({ at: "2026-11-19T12:00:00.000Z", executed: 0, denied: 0, requested: 0 });
    expect(week.series[23]).toEqual({ at: "2026-11-19T06:00:00.000Z", executed: 0, denied: 10, requested: 0 });
    expect(week.totals).toEqual({ executed: 5, denied: 11, requested: 2, decisions: 18 });
    expect(week.topDeniedAgents.map((a) => [a.agentName, a.denied])).toEqual([
      ["second-agent", 7],
      [org.agent.name, 4],
    ]);
    expect(week.approvalTimes.decided).toBe(5);

    const month = await getOverview({ ctx: org.ctx, range: "30d", now: NOW });
    expect(month.series).toHaveLength(30);
    expect(month.from).toBe("2026-10-22T00:00:00.000Z");
    expect(month.series[29]).toEqual({ at: "2026-11-20T00:00:00.000Z", executed: 5, denied: 1, requested: 2 });
    expect(month.series[28]).toEqual({ at: "2026-11-19T00:00:00.000Z", executed: 0, denied: 10, requested: 0 });
    expect(month.approvalTimes.decided).toBe(6);
  });

  it("another org's rows never count; an auditor (no approvals.read) gets pendingApprovals null; an agent is refused", async () => {
    const theirs = await getOverview({ ctx: other.ctx, range: "24h", now: NOW });
    expect(theirs.totals).toEqual({ executed: 0, denied: 50, requested: 0, decisions: 50 });
    expect(theirs.topDeniedAgents).toEqual([{ agentId: other.agent.id, agentName: other.agent.name, denied: 50 }]);
    expect(theirs.postureTrend).toEqual([{ day: "2026-11-19T00:00:00.000Z", score: 99 }]);
    expect(theirs.pendingApprovals).toEqual({ count: 0, oldest: [] });

    const auditor = await addTestMember(org, "auditor");
    const view = await getOverview({ ctx: userCtx(org, { ...auditor, role: "auditor" }), range: "24h", now: NOW });
    expect(view.pendingApprovals).toBeNull();
    expect(view.totals.decisions).toBe(11);
    const viewer = await addTestMember(org, "viewer");
    expect((await getOverview({ ctx: userCtx(org, { ...viewer, role: "viewer" }), range: "24h", now: NOW })).pendingApprovals?.count).toBe(2);

    const agent = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "overview-test" };
    await expect(getOverview({ ctx: agent, range: "24h", now: NOW })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("an empty org: zeros and empty lists, not errors", async () => {
    const empty = await createTestOrg({ label: "overview-empty" });
    const view = await getOverview({ ctx: empty.ctx, range: "30d", now: NOW });
    expect(view.series).toHaveLength(30);
    expect(view.series.every((p) => p.executed === 0 && p.denied === 0 && p.requested === 0)).toBe(true);
    expect(view.totals).toEqual({ executed: 0, denied: 0, requested: 0, decisions: 0 });
    expect(view.approvalTimes).toMatchObject({ decided: 0, expired: 0, medianSeconds: null, p90Seconds: null });
    expect(view.approvalTimes.buckets.every((b) => b.count === 0)).toBe(true);
    expect(view.topDeniedActionTypes).toEqual([]);
    expect(view.topDeniedAgents).toEqual([]);
    expect(view.pendingApprovals).toEqual({ count: 0, oldest: [] });
    expect(view.postureTrend).toEqual([]);
  });

  it("rolledUpTo is the time of the last entry the rollups counted", async () => {
    await rollUpDecisions();
    const head = await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } });
    const last = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, seq: Number(head.size) - 1 } });
    expect((await getOverview({ ctx: org.ctx, range: "24h", now: NOW })).rolledUpTo).toBe(last.createdAt.toISOString());
  });
});
