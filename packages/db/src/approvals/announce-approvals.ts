import { SpanKind } from "@opentelemetry/api";
import { endSpan, meters, parentOf, startSpan, telemetryRunning, tracing } from "../infra/telemetry";
import { db } from "../infra/client";
import { metricsServed, recordApprovalEndMetric } from "../infra/metrics";
import { publishAfterCommit } from "../infra/signals";

const CHUNK = 1_000;

/**
 * After a commit that changed approvals (and appended to the log): wake their waiters on every
 * instance and tell event streams the log grew. Observation: a failed publish costs latency (the
 * database poll still finds the change), never the committed change.
 */
export async function announceApprovals(orgId: string, approvalIds: readonly string[]): Promise<void> {
  if (approvalIds.length === 0) return;
  const publishes: Array<Promise<void>> = [];
  for (let i = 0; i < approvalIds.length; i += CHUNK) {
    publishes.push(publishAfterCommit({ type: "approvals.changed", orgId, approvalIds: approvalIds.slice(i, i + CHUNK) }));
  }
  publishes.push(announceAppended(orgId));
  await Promise.all(publishes);
  // With telemetry on, each approval that ended is a span from its request to its end, in its decision's trace; with
  // telemetry or the Prometheus metrics on, its time is counted. After the waiters are woken, and not awaited
  // (observation never delays a vote's answer).
  if (telemetryRunning() || metricsServed()) void recordApprovalEnds(orgId, approvalIds).catch(() => {});
}

/** Tells event streams that the org's log grew. */
async function announceAppended(orgId: string): Promise<void> {
  await publishAfterCommit({ type: "audit.appended", orgId });
}

/**
 * Each approval of `approvalIds` that ended in the last 10 minutes (this call's ending: an ended approval is not announced again): the span
 * `gatehouse.approval.wait` from its request to its end, a child of the decision that opened it (its stored
 * traceparent), and its time in `gatehouse.approval.duration` and `gatehouse_approval_duration_seconds`. Observation: the
 * caller drops a failure.
 */
async function recordApprovalEnds(orgId: string, approvalIds: readonly string[]): Promise<void> {
  const { rows } = await db().pool.query<{ id: string; agent_id: string; status: string; created_at: Date; decided_at: Date; trace_context: string | null }>(
    `SELECT id, agent_id, status::text AS status, created_at, decided_at, trace_context FROM approvals
     WHERE org_id = $1 AND id = ANY($2::text[]) AND status <> 'pending' AND decided_at > clock_timestamp() - interval '10 minutes'`,
    [orgId, approvalIds],
  );
  for (const row of rows) {
    const seconds = Math.max(0, row.decided_at.getTime() - row.created_at.getTime()) / 1000;
    meters().approvalDuration.record(seconds, { "gatehouse.approval.status": row.status });
    recordApprovalEndMetric(row.status, seconds);
    if (!tracing()) continue;
    const parent = parentOf(row.trace_context ? { traceparent: row.trace_context } : {});
    const attributes = { "gatehouse.org.id": orgId, "gatehouse.approval.id": row.id, "gen_ai.agent.id": row.agent_id };
    endSpan(startSpan("gatehouse.approval.wait", parent, attributes, row.created_at, SpanKind.INTERNAL), { "gatehouse.approval.status": row.status }, undefined, row.decided_at);
  }
}
