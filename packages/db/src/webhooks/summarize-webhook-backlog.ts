import { boundedRead } from "../infra/client";
import type { WebhookSummary } from "../infra/metrics";

/**
 * Webhook delivery across every org, for the worker's metrics (docs/metrics.md): the log entries past the cursors of
 * enabled endpoints, and the endpoints by state: paused (not enabled, by a member or by delivery), retrying (a failed
 * message waits for its retry), behind (entries past the cursor), caught up. One statement, cancelled by PostgreSQL
 * past `timeoutMs`; no org or endpoint is named in what it answers.
 */
export async function summarizeWebhookBacklog(timeoutMs = 2_000): Promise<WebhookSummary> {
  const [row] = await boundedRead<{ backlog: number; paused: number; retrying: number; behind: number; caught_up: number }>(
    `SELECT COALESCE(sum(h.size - e.next_seq) FILTER (WHERE e.enabled AND h.size > e.next_seq), 0)::float8 AS backlog,
       count(*) FILTER (WHERE NOT e.enabled)::int AS paused,
       count(*) FILTER (WHERE e.enabled AND e.failed_attempts > 0)::int AS retrying,
       count(*) FILTER (WHERE e.enabled AND e.failed_attempts = 0 AND h.size > e.next_seq)::int AS behind,
       count(*) FILTER (WHERE e.enabled AND e.failed_attempts = 0 AND COALESCE(h.size, 0) <= e.next_seq)::int AS caught_up
     FROM webhook_endpoints e LEFT JOIN audit_log_heads h ON h.org_id = e.org_id`,
    timeoutMs,
  );
  return {
    backlogEntries: row?.backlog ?? 0,
    endpoints: { caught_up: row?.caught_up ?? 0, behind: row?.behind ?? 0, retrying: row?.retrying ?? 0, paused: row?.paused ?? 0 },
  };
}
