import type { Overview, OverviewRange } from "@gatehouse/contracts";
import { hasPermission } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Each range's points: their width and how many (the last one is the current, partial bucket). */
export const OVERVIEW_SERIES: Record<OverviewRange, { stepMs: number; points: number }> = {
  "24h": { stepMs: HOUR, points: 24 },
  "7d": { stepMs: 6 * HOUR, points: 28 },
  "30d": { stepMs: DAY, points: 30 },
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
 * the hourly rollups (never the audit log or the actions table), approval times from the approvals
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

  const [buckets, topTypes, topAgents, approvalTimes, pendingCount, pendingOldest, trend, rolledUpTo] = await Promise.all([
    pool.query<{ bucket: Date; executed: string; denied: string; requested: string }>(
      `SELECT bucket, SUM(executed) AS executed, SUM(denied) AS denied, SUM(requested) AS requested FROM decision_rollups
       WHERE org_id = $1 AND period = 'hour' AND bucket >= $2 AND bucket <= $3 GROUP BY bucket`,
      [orgId, fromIso, nowIso],
    ),
    pool.query<{ action_type: string; denied: string }>(
      `SELECT action_type, SUM(denied) AS denied FROM decision_rollups WHERE org_id = $1 AND period = 'hour' AND bucket >= $2 AND bucket <= $3
       GROUP BY action_type HAVING SUM(denied) > 0 ORDER BY SUM(denied) DESC, action_type LIMIT ${TOP}`,
      [orgId, fromIso, nowIso],
    ),
    pool.query<{ agent_id: string; name: string | null; denied: string }>(
      `SELECT t.agent_id, g.name, t.denied FROM (
         SELECT agent_id, SUM(denied) AS denied FROM decision_rollups WHERE org_id = $1 AND period = 'hour' AND bucket >= $2 AND bucket <= $3
         GROUP BY agent_id HAVING SUM(denied) > 0 ORDER BY SUM(denied) DESC, agent_id LIMIT ${TOP}
       ) t LEFT JOIN agents g ON g.id = t.agent_id AND g.org_id = $1 ORDER BY t.denied DESC, t.agent_id`,
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
  ]);

  const series = Array.from({ length: points }, (_, i) => ({ at: new Date(from + i * stepMs).toISOString(), executed: 0, denied: 0, requested: 0 }));
  for (const row of buckets.rows) {
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
    topDeniedActionTypes: topTypes.rows.map((r) => ({ actionType: r.action_type, denied: Number(r.denied) })),
    topDeniedAgents: topAgents.rows.map((r) => ({ agentId: r.agent_id, agentName: r.name ?? r.agent_id, denied: Number(r.denied) })),
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
    postureTrend: trend.rows.map((r) => ({ day: r.day.toISOString(), score: r.score })),
    rolledUpTo: rolledUpTo.rows[0]?.created_at.toISOString() ?? null,
  };
}
