import { policyMonitorQuerySchema, type PolicyMonitor } from "@gatehouse/contracts";
import { validationError, zodIssues } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { requirePolicyReader } from "./read-policies-access";

const DAY = 86_400_000;

/**
 * "What monitor mode would have blocked": per UTC day of the last `days` (today included, zeros
 * filled) the decisions monitor-mode policies and the report-only trial would have denied or held,
 * and per policy its decided and would-block counts — one scan of policy_rollups (the rollup job's
 * day rows), never the audit log.
 */
export async function getPolicyMonitor({ ctx, input = {}, now = Date.now() }: { ctx: Ctx; input?: { days?: unknown }; now?: number }): Promise<PolicyMonitor> {
  requirePolicyReader(ctx);
  const parsed = policyMonitorQuerySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { days } = parsed.data;
  const today = Math.floor(now / DAY) * DAY;
  const from = today - (days - 1) * DAY;
  const { rows } = await db().pool.query<{ bucket: Date | null; policy_name: string | null; decided: string; would_block: string }>(
    `SELECT bucket, policy_name, SUM(decided) AS decided, SUM(would_block) AS would_block
     FROM policy_rollups WHERE org_id = $1 AND bucket >= $2 AND bucket <= $3
     GROUP BY GROUPING SETS ((bucket), (policy_name))`,
    [ctx.org.id, new Date(from).toISOString(), new Date(today).toISOString()],
  );
  const perDay = new Map<number, number>();
  const byPolicy: PolicyMonitor["byPolicy"] = [];
  for (const row of rows) {
    if (row.bucket !== null) perDay.set(row.bucket.getTime(), Number(row.would_block));
    else if (row.policy_name !== null) byPolicy.push({ policy: row.policy_name, decided: Number(row.decided), wouldBlock: Number(row.would_block) });
  }
  byPolicy.sort((a, b) => b.wouldBlock - a.wouldBlock || b.decided - a.decided || (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
  const series = Array.from({ length: days }, (_, i) => {
    const at = from + i * DAY;
    return { at: new Date(at).toISOString(), wouldBlock: perDay.get(at) ?? 0 };
  });
  return { days, series, byPolicy };
}
