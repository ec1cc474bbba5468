import { boundedRead } from "../infra/client";
import type { ApprovalsSummary } from "../infra/metrics";

/**
 * The approvals queue across every org, for the worker's metrics (docs/metrics.md): how many wait for a person and
 * how long the oldest has waited. One statement over the (status, expires_at) index, cancelled by PostgreSQL past
 * `timeoutMs`; no org is named in what it answers.
 */
export async function summarizePendingApprovals(timeoutMs = 2_000): Promise<ApprovalsSummary> {
  const [row] = await boundedRead<{ pending: number; oldest: number }>(
    `SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0)::float8 AS oldest
     FROM approvals WHERE status = 'pending'`,
    timeoutMs,
  );
  return { pending: row?.pending ?? 0, oldestPendingSeconds: Math.max(0, row?.oldest ?? 0) };
}
