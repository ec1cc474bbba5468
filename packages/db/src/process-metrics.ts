import { parkedApprovalWaits } from "./approvals/approval-waiters";
import { summarizePendingApprovals } from "./approvals/summarize-pending-approvals";
import { pingDatabase, primaryPoolStats } from "./infra/client";
import { dbEnv } from "./infra/env";
import { cachedRead, provideMetricSources, type MetricsProcess, type PoolStats } from "./infra/metrics";
import { replicaPoolStats } from "./infra/replica";
import { signals } from "./infra/signals";
import { workPoolStats } from "./infra/work-pool";
import { webhookTasksInFlight } from "./webhooks/deliver-webhooks";
import { summarizeWebhookBacklog } from "./webhooks/summarize-webhook-backlog";

/** How long a scrape-time answer is kept, and how long one may take (docs/metrics.md, "What a scrape costs"). */
const QUERY_TTL_MS = 10_000;
const QUERY_TIMEOUT_MS = 2_000;
const PING_TTL_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;

/** The approvals queue across every org, read at most once per 10 s: the worker's gauges and its OpenTelemetry gauge share it. */
export const pendingApprovals = cachedRead(() => summarizePendingApprovals(QUERY_TIMEOUT_MS), { ttlMs: QUERY_TTL_MS, timeoutMs: QUERY_TIMEOUT_MS });
const webhookBacklog = cachedRead(() => summarizeWebhookBacklog(QUERY_TIMEOUT_MS), { ttlMs: QUERY_TTL_MS, timeoutMs: QUERY_TIMEOUT_MS });
// The pings have bounds of their own (and their own connections: a busy pool does not read as a database that is down).
const postgresUp = cachedRead(() => pingDatabase(PING_TIMEOUT_MS), { ttlMs: PING_TTL_MS, timeoutMs: PING_TIMEOUT_MS * 2 });
const redisUp = cachedRead(() => signals().ping(PING_TIMEOUT_MS), { ttlMs: PING_TTL_MS, timeoutMs: PING_TIMEOUT_MS * 2 });

function pools(): PoolStats[] {
  const primary = primaryPoolStats();
  const replica = replicaPoolStats();
  return [...(primary ? [{ pool: "primary" as const, ...primary }] : []), ...(replica ? [{ pool: "replica" as const, ...replica }] : [])];
}

function redisConfigured(): boolean {
  try {
    return dbEnv().REDIS_URL !== undefined;
  } catch {
    return false;
  }
}

/**
 * Tells the metrics (infra/metrics.ts) where this process's scrape-time figures come from: its pools, PostgreSQL and
 * Redis for every process; the work pool for the API and the console; the parked waits for the API; for the worker,
 * the approvals queue and the webhook backlog (across every org, each one bounded query at most every 10 s), its
 * webhook tasks, and whether it leads (`leading`, the job runner's).
 */
export function observeProcess(process: MetricsProcess, options: { leading?: () => boolean } = {}): void {
  provideMetricSources({
    pools,
    postgres: async () => {
      const observed = await postgresUp();
      return observed.ok && observed.value === true;
    },
    ...(redisConfigured()
      ? {
          redis: async () => {
            const observed = await redisUp();
            return observed.ok && observed.value === true;
          },
        }
      : {}),
  });
  if (process === "api" || process === "console") provideMetricSources({ workPool: workPoolStats });
  if (process === "api") provideMetricSources({ parkedWaits: parkedApprovalWaits });
  if (process === "worker") {
    provideMetricSources({ approvals: pendingApprovals, webhooks: webhookBacklog, webhookTasks: webhookTasksInFlight, ...(options.leading ? { leading: options.leading } : {}) });
  }
}
