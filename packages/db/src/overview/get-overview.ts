import type { Overview, OverviewRange } from "@gatehouse/contracts";
import { hasPermission, presenceOf } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Each range's points: their width, how many (the last one is the current, partial bucket), and the rollup rows summed into them. */
export const OVERVIEW_SERIES: Record<OverviewRange, { stepMs: number; points: number; period: "hour" | "day" }> = {
  "24h": { stepMs: HOUR, points: 24, period: "hour" },
  "7d": { stepMs: 6 * HOUR, points: 28, period: "hour" },
  "30d": { stepMs: DAY, points: 30, period: "day" },
};

/** Time-to-decision buckets of decided approvals: upper bound in seconds (exclusive), null for the last. */
export const APPROVAL_TIME_BUCKETS: ReadonlyArray<{ label: string; upToSeconds: number | null }> = [
  { label: "<5 s", upToSeconds: 5 },
  { label: "5–30 s", upToSeconds: 30 },
  { label: "30 s–2 min", upToSeconds: 120 },
  { label: "2–10 min", upToSeconds: 600 },
  { label: "10 min–1 h", upToSeconds: 3_600 },
  { label: ">1 h", upToSeconds: null },
];

const TOP = 5;
const POSTURE_TREND_DAYS = 30;

/** Where the range's series starts: UTC-aligned, `points` buckets ending with the one holding `now`. */
export function overviewWindow(range: OverviewRange, now: number): { from: number; stepMs: number; points: number } {
  const { stepMs, points } = OVERVIEW_SERIES[range];
  const current = Math.floor(now / stepMs) * stepMs;
  return { from: current - (points - 1) * stepMs, stepMs, points };
}

const DECIDED = `a.status IN ('approved', 'denied') AND a.decided_at IS NOT NULL`;
const SECONDS = `EXTRACT(EPOCH FROM (a.decided_at - a.created_at))`;

/**
 * The console's overview of the org over `range`: decisions per bucket, totals and top denials from
 * the hourly (30d: daily) rollups, in one scan (never the audit log or the actions table), approval times from the approvals
 * created in the range (index org_id, status, created_at), the pending queue (for callers who may
 * read approvals), the posture trend from the daily snapshots. The queries run concurrently.
 */
export async function getOverview({ ctx, range, now = Date.now() }: { ctx: Ctx; range: OverviewRange; now?: number }): Promise<Overview> {
  requirePermission(ctx, "posture.read");
  const orgId = ctx.org.id;
  const { from, stepMs, points } = overviewWindow(range, now);
  const fromIso = new Date(from).toISOString();
  const nowIso = new Date(now).toISOString();
  const pool = db().pool;
  const readsApprovals = ctx.actor.type === "system" || ((ctx.actor.type === "user" || ctx.actor.type === "adminKey") && hasPermission(ctx.actor.role, "approvals.read"));
  const today = Math.floor(now / DAY) * DAY;

  const period = OVERVIEW_SERIES[range].period;

  const [counted, approvalTimes, pendingCount, pendingOldest, trend, rolledUpTo, agents] = await Promise.all([
    // One scan of the range's rollup rows, summed three ways: per bucket, per action type, per agent.
    pool.query<{ bucket: Date | null; action_type: string | null; agent_id: string | null; by: number; executed: string; denied: string; requested: string }>(
      `SELECT bucket, action_type, agent_id, GROUPING(bucket, action_type, agent_id) AS by,
         SUM(executed) AS executed, SUM(denied) AS denied, SUM(requested) AS requested
       FROM decision_rollups WHERE org_id = $1 AND period = '${period}' AND bucket >= $2 AND bucket <= $3
       GROUP BY GROUPING SETS ((bucket), (action_type), (agent_id))`,
      [orgId, fromIso, nowIso],
    ),
    pool.query<Record<string, string | number | null>>(
      `SELECT COUNT(*) FILTER (WHERE ${DECIDED}) AS decided, COUNT(*) FILTER (WHERE a.status = 'expired') AS expired,
         ${APPROVAL_TIME_BUCKETS.map((b, i) => {
           const lower = i === 0 ? "" : `${SECONDS} >= ${APPROVAL_TIME_BUCKETS[i - 1]?.upToSeconds} AND `;
           const upper = b.upToSeconds === null ? "TRUE" : `${SECONDS} < ${b.upToSeconds}`;
           return `COUNT(*) FILTER (WHERE ${DECIDED} AND ${lower}${upper}) AS b${i}`;
         }).join(", ")},
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ${SECONDS}) FILTER (WHERE ${DECIDED}) AS median,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY ${SECONDS}) FILTER (WHERE ${DECIDED}) AS p90
       FROM approvals a WHERE a.org_id = $1 AND a.status IN ('approved', 'denied', 'expired') AND a.created_at >= $2 AND a.created_at <= $3`,
      [orgId, fromIso, nowIso],
    ),
    readsApprovals ? pool.query<{ count: string }>(`SELECT COUNT(*) AS count FROM approvals WHERE org_id = $1 AND status = 'pending'`, [orgId]) : null,
    readsApprovals
      ? pool.query<{ id: string; action_type: string; agent_name: string; created_at: Date; expires_at: Date }>(
          `SELECT a.id, c.action_type, g.name AS agent_name, a.created_at, a.expires_at FROM approvals a
           JOIN actions c ON c.id = a.action_id JOIN agents g ON g.id = a.agent_id
           WHERE a.org_id = $1 AND a.status = 'pending' ORDER BY a.created_at, a.id LIMIT ${TOP}`,
          [orgId],
        )
      : null,
    pool.query<{ day: Date; score: number }>(`SELECT day, score FROM posture_snapshots WHERE org_id = $1 AND day >= $2 AND day <= $3 ORDER BY day`, [
      orgId,
      new Date(today - (POSTURE_TREND_DAYS - 1) * DAY).toISOString(),
      new Date(today).toISOString(),
    ]),
    pool.query<{ created_at: Date }>(`SELECT e.created_at FROM rollup_cursors c JOIN audit_entries e ON e.org_id = c.org_id AND e.seq = c.seq WHERE c.org_id = $1`, [orgId]),
    // The org's own agents (delegates are short-lived parts of them) with what their presence is read from.
    pool.query<{ status: string; last_seen_at: Date | null; heartbeat_seconds: number | null; heartbeat_open: boolean }>(
      `SELECT a.status, a.last_seen_at, a.heartbeat_seconds, a.heartbeat_open FROM agents a
       WHERE a.org_id = $1 AND NOT EXISTS (SELECT 1 FROM delegations d WHERE d.child_agent_id = a.id)`,
      [orgId],
    ),
  ]);
  const presence = { live: 0, idle: 0, unresponsive: 0, halted: 0 };
  for (const a of agents.rows) {
    presence[presenceOf({ halted: a.status === "halted", lastSeenAt: a.last_seen_at, heartbeatSeconds: a.heartbeat_seconds, heartbeatOpen: a.heartbeat_open }, now)] += 1;
  }

  // GROUPING(bucket, action_type, agent_id) is a bit mask of the columns left out: 0b011 per bucket, 0b101 per action type, 0b110 per agent.
  const byBucket = counted.rows.filter((r) => r.by === 0b011);
  const denialsBy = (rows: typeof counted.rows, key: (r: (typeof counted.rows)[number]) => string | null) =>
    rows
      .map((r) => ({ key: key(r) ?? "", denied: Number(r.denied) }))
      .filter((r) => r.denied > 0)
      .sort((a, b) => b.denied - a.denied || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, TOP);
  const topTypes = denialsBy(
    counted.rows.filter((r) => r.by === 0b101),
    (r) => r.action_type,
  );
  const topAgentIds = denialsBy(
    counted.rows.filter((r) => r.by === 0b110),
    (r) => r.agent_id,
  );
  const names =
    topAgentIds.length === 0
      ? new Map<string, string>()
      : new Map(
          (
            await pool.query<{ id: string; name: string }>(`SELECT id, name FROM agents WHERE org_id = $1 AND id = ANY($2::text[])`, [orgId, topAgentIds.map((a) => a.key)])
          ).rows.map((r) => [r.id, r.name]),
        );

  const series = Array.from({ length: points }, (_, i) => ({ at: new Date(from + i * stepMs).toISOString(), executed: 0, denied: 0, requested: 0 }));
  for (const row of byBucket) {
    if (!row.bucket) continue;
    const point = series[Math.floor((row.bucket.getTime() - from) / stepMs)];
    if (!point) continue;
    point.executed += Number(row.executed);
    point.denied += Number(row.denied);
    point.requested += Number(row.requested);
  }
  const totals = series.reduce((t, p) => ({ executed: t.executed + p.executed, denied: t.denied + p.denied, requested: t.requested + p.requested }), {
    executed: 0,
    denied: 0,
    requested: 0,
  });
  const times = approvalTimes.rows[0] ?? {};
  const seconds = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);

  return {
    range,
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    totals: { ...totals, decisions: totals.executed + totals.denied + totals.requested },
    series,
    approvalTimes: {
      buckets: APPROVAL_TIME_BUCKETS.map((b, i) => ({ label: b.label, upToSeconds: b.upToSeconds, count: Number(times[`b${i}`] ?? 0) })),
      decided: Number(times.decided ?? 0),
      expired: Number(times.expired ?? 0),
      medianSeconds: seconds(times.median),
      p90Seconds: seconds(times.p90),
    },
    topDeniedActionTypes: topTypes.map((t) => ({ actionType: t.key, denied: t.denied })),
    topDeniedAgents: topAgentIds.map((a) => ({ agentId: a.key, agentName: names.get(a.key) ?? a.key, denied: a.denied })),
    pendingApprovals:
      pendingCount && pendingOldest
        ? {
            count: Number(pendingCount.rows[0]?.count ?? 0),
            oldest: pendingOldest.rows.map((r) => ({
              id: r.id,
              actionType: r.action_type,
              agentName: r.agent_name,
              createdAt: r.created_at.toISOString(),
              expiresAt: r.expires_at.toISOString(),
            })),
          }
        : null,
    presence,
    postureTrend: trend.rows.map((r) => ({ day: r.day.toISOString(), score: r.score })),
    rolledUpTo: rolledUpTo.rows[0]?.created_at.toISOString() ?? null,
  };
}
