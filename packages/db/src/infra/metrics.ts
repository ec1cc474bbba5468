import { DOMAIN_ERROR_STATUS, isDenialReason, modelMetricLabel } from "@gatehouse/core";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from "prom-client";
import { withTimeout } from "./timeout";

/**
 * The Prometheus metrics of every process (docs/metrics.md, ADR 0041): what the code records (decisions, approvals'
 * ends, appends, spend, requests, job runs, webhook deliveries) in instruments kept once per process, and what is
 * read when Prometheus scrapes (pools, PostgreSQL and Redis, parked waits, the approvals queue, the webhook backlog)
 * from sources the process provides. Each process serves a registry of its own part (`metricsRegistry`), on a port
 * of its own (metrics-server.ts).
 *
 * Labels are bounded enumerations only: a decision's kind, effect and denial code, an error code, a route's pattern,
 * a status, a job's name, a model of the built-in price table (any other: `other`). Never an org, an agent, a key or
 * anything a caller sends as it sent it (a model name, an action type, a tool's name): whoever scrapes one process
 * must learn nothing about any tenant, and the number of series must not grow with them. Each record function below
 * maps its values into its closed set itself, whatever its caller passes.
 *
 * This file imports nothing that reaches a database, so the console's own server (apps/web/server.ts) can serve the
 * registry without loading Prisma; the instruments and sources live on globalThis, so the console's bundled copy of
 * this package records into the same ones as the server's.
 */

export type MetricsProcess = "api" | "worker" | "console";
export const METRICS_PROCESSES: readonly MetricsProcess[] = ["api", "worker", "console"];

/** Buckets (s) for a decision: about 2 ms on a quiet machine, with room to see it slow down by orders of magnitude. */
export const DECISION_BUCKETS = [0.0005, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Buckets (s) for a group commit's one statement. */
const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Buckets (s) from an approval's request to its end: seconds to days (an approval lasts at most its policy's timeout). */
const APPROVAL_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400, 259_200];
/** Buckets (s) for a job's run, a console request and a webhook receiver's answer. */
const WORK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** HTTP methods as labels: a method outside this list counts as OTHER. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const methodLabel = (method: string | undefined) => (method && METHODS.has(method) ? method : "OTHER");

function instruments() {
  // No instrument registers itself: each process's registry takes its own part (metricsRegistry).
  const none = { registers: [] };
  return {
    decisions: new Counter({
      name: "gatehouse_decisions_total",
      help: "Decisions answered (execute and canI), by kind, effect and denial reason (none when not denied).",
      labelNames: ["kind", "effect", "reason"] as const,
      ...none,
    }),
    decisionErrors: new Counter({
      name: "gatehouse_decision_errors_total",
      help: "Decision calls that ended in an error instead of a decision, by kind and error code (UNAVAILABLE and INTERNAL are the server's).",
      labelNames: ["kind", "code"] as const,
      ...none,
    }),
    decisionDuration: new Histogram({
      name: "gatehouse_decision_duration_seconds",
      help: "How long a decision took to answer, from the handler's start to its answer.",
      labelNames: ["kind"] as const,
      buckets: DECISION_BUCKETS,
      ...none,
    }),
    approvalDuration: new Histogram({
      name: "gatehouse_approval_duration_seconds",
      help: "From an approval's request to its end, by how it ended (approved, denied, expired, cancelled), counted by the process that ended it.",
      labelNames: ["status"] as const,
      buckets: APPROVAL_BUCKETS,
      ...none,
    }),
    auditAppendDuration: new Histogram({
      name: "gatehouse_audit_append_duration_seconds",
      help: "How long a group commit's append to an org's log took (one statement).",
      buckets: APPEND_BUCKETS,
      ...none,
    }),
    spendTokens: new Counter({
      name: "gatehouse_spend_tokens_total",
      help: "Model tokens settled by reported outcomes, by model (a model of the built-in price table, by the table's name; any other: other).",
      labelNames: ["model"] as const,
      ...none,
    }),
    spendUsd: new Counter({
      name: "gatehouse_spend_usd_total",
      help: "Model spend in US dollars settled by reported outcomes, for models with a price, by model (as gatehouse_spend_tokens_total).",
      labelNames: ["model"] as const,
      ...none,
    }),
    httpRequests: new Counter({
      name: "gatehouse_http_requests_total",
      help: "API requests answered, by method, route pattern (unmatched: no route) and status code.",
      labelNames: ["method", "route", "status"] as const,
      ...none,
    }),
    consoleRequests: new Counter({
      name: "gatehouse_console_requests_total",
      help: "Console requests answered (pages, route handlers, assets), by method and status code.",
      labelNames: ["method", "status"] as const,
      ...none,
    }),
    consoleRequestDuration: new Histogram({
      name: "gatehouse_console_request_duration_seconds",
      help: "How long the console took to answer a request (an event stream counts until it closes).",
      buckets: WORK_BUCKETS,
      ...none,
    }),
    jobRuns: new Counter({
      name: "gatehouse_job_runs_total",
      help: "Background job runs on this worker, by job and result (success, failure).",
      labelNames: ["job_name", "result"] as const,
      ...none,
    }),
    jobRunDuration: new Histogram({
      name: "gatehouse_job_run_duration_seconds",
      help: "How long a background job's run took, by job.",
      labelNames: ["job_name"] as const,
      buckets: WORK_BUCKETS,
      ...none,
    }),
    jobLastSuccess: new Gauge({
      name: "gatehouse_job_last_success_timestamp_seconds",
      help: "When each job last ran to the end on this worker (Unix time).",
      labelNames: ["job_name"] as const,
      ...none,
    }),
    webhookDeliveries: new Counter({
      name: "gatehouse_webhook_deliveries_total",
      help: "Webhook messages sent, by result (delivered: a 2xx answer; failed: anything else, retried on the schedule).",
      labelNames: ["result"] as const,
      ...none,
    }),
    webhookDeliveryDuration: new Histogram({
      name: "gatehouse_webhook_delivery_duration_seconds",
      help: "How long a webhook receiver took to answer (or to fail).",
      buckets: WORK_BUCKETS,
      ...none,
    }),
    webhookEndpointsPaused: new Counter({
      name: "gatehouse_webhook_endpoints_paused_total",
      help: "Webhook endpoints delivery paused, by reason (gone: the receiver answered 410; retries_exhausted).",
      labelNames: ["reason"] as const,
      ...none,
    }),
  };
}

type Instruments = ReturnType<typeof instruments>;

/** Which process serves which recorded instrument. */
const SERVED_BY: Record<keyof Instruments, readonly MetricsProcess[]> = {
  decisions: ["api"],
  decisionErrors: ["api"],
  decisionDuration: ["api"],
  // Whoever ends an approval records it: the API (a vote, a halt), the worker (expiry), the console (a vote).
  approvalDuration: ["api", "worker", "console"],
  auditAppendDuration: ["api"],
  spendTokens: ["api"],
  spendUsd: ["api"],
  httpRequests: ["api"],
  consoleRequests: ["console"],
  consoleRequestDuration: ["console"],
  jobRuns: ["worker"],
  jobRunDuration: ["worker"],
  jobLastSuccess: ["worker"],
  webhookDeliveries: ["worker"],
  webhookDeliveryDuration: ["worker"],
  webhookEndpointsPaused: ["worker"],
};

/** One of the process's database pools, as pg counts it. */
export interface PoolStats {
  pool: "primary" | "replica";
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface ApprovalsSummary {
  pending: number;
  /** Seconds since the oldest pending approval was requested; 0 when none is pending. */
  oldestPendingSeconds: number;
}

export interface WebhookSummary {
  /** Log entries past the cursors of enabled endpoints (an upper bound on messages to send: an endpoint skips events it did not subscribe to). */
  backlogEntries: number;
  endpoints: Record<WebhookEndpointState, number>;
}

/** Disjoint: paused (not enabled), retrying (a failed message waiting), behind (entries past its cursor), caught_up. */
export type WebhookEndpointState = "caught_up" | "behind" | "retrying" | "paused";

/** A read at scrape time: its last answer, and whether the last attempt succeeded. */
export interface Observed<T> {
  ok: boolean;
  value: T | undefined;
}

/** What a process reads when it is scraped; each provided by the code that owns it (none reaches a database here). */
export interface MetricSources {
  pools: () => PoolStats[];
  /** Whether PostgreSQL answers (bounded in time). */
  postgres: () => Promise<boolean>;
  /** Whether Redis answers (bounded in time); absent when the process runs without Redis. */
  redis: () => Promise<boolean>;
  /** The work pool, when this process started one. */
  workPool: () => { workers: number; queued: number; running: number } | null;
  /** Approvals parked in long-polls in this process (a shared wait counts each of its approvals). */
  parkedWaits: () => number;
  approvals: () => Promise<Observed<ApprovalsSummary>>;
  webhooks: () => Promise<Observed<WebhookSummary>>;
  /** Webhook endpoints this worker is delivering to now. */
  webhookTasks: () => number;
  /** Whether this worker holds the jobs lease (and so runs the jobs). */
  leading: () => boolean;
}

interface MetricsState {
  instruments: Instruments;
  sources: Partial<MetricSources>;
  /** Set once this process built a registry to serve (what records only for a scrape checks it). */
  served: boolean;
}

const stateKey = Symbol.for("gatehouse.metrics");
type Holder = { [stateKey]?: MetricsState };

function state(): MetricsState {
  const holder = globalThis as Holder;
  holder[stateKey] ??= { instruments: instruments(), sources: {}, served: false };
  return holder[stateKey];
}

/** Adds (or replaces) what this process reads at scrape time. */
export function provideMetricSources(sources: Partial<MetricSources>): void {
  Object.assign(state().sources, sources);
}

/** Whether this process serves metrics (a registry was built for it). */
export function metricsServed(): boolean {
  return state().served;
}

/**
 * A new registry with `process`'s metrics: Node's and the process's own (prom-client's default metrics, under their
 * usual names: process_cpu_seconds_total, nodejs_eventloop_lag_seconds, …), the instruments that process records,
 * and the gauges read from its sources when scraped. A source that throws or is missing leaves its gauge out (or at
 * its last value), never the scrape.
 */
export function metricsRegistry(process: MetricsProcess): Registry {
  const { instruments: recorded } = state();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const [key, processes] of Object.entries(SERVED_BY) as Array<[keyof Instruments, readonly MetricsProcess[]]>) {
    if (processes.includes(process)) registry.registerMetric(recorded[key] as Metric);
  }
  const sources = () => state().sources;
  const registers = [registry];
  // Every process: its database pools and whether PostgreSQL and Redis answer.
  new Gauge({
    name: "gatehouse_db_pool_connections",
    help: "Connections in this process's database pools, by pool (primary, replica) and state (busy: checked out; idle).",
    labelNames: ["pool", "state"] as const,
    registers,
    collect() {
      this.reset();
      for (const stats of readPools()) {
        this.set({ pool: stats.pool, state: "busy" }, stats.total - stats.idle);
        this.set({ pool: stats.pool, state: "idle" }, stats.idle);
      }
    },
  });
  new Gauge({
    name: "gatehouse_db_pool_max_connections",
    help: "The most connections each database pool of this process opens (DATABASE_POOL_SIZE).",
    labelNames: ["pool"] as const,
    registers,
    collect() {
      this.reset();
      for (const stats of readPools()) this.set({ pool: stats.pool }, stats.max);
    },
  });
  new Gauge({
    name: "gatehouse_db_pool_waiting_clients",
    help: "Callers waiting for a connection from a full database pool of this process.",
    labelNames: ["pool"] as const,
    registers,
    collect() {
      this.reset();
      for (const stats of readPools()) this.set({ pool: stats.pool }, stats.waiting);
    },
  });
  new Gauge({
    name: "gatehouse_dependency_up",
    help: "Whether this process reaches a dependency (1) or not (0), asked when scraped: postgres, and redis when REDIS_URL is set.",
    labelNames: ["dependency"] as const,
    registers,
    async collect() {
      const { postgres, redis } = sources();
      const [database, bus] = await Promise.all([postgres ? up(postgres) : undefined, redis ? up(redis) : undefined]);
      this.reset();
      if (database !== undefined) this.set({ dependency: "postgres" }, database);
      if (bus !== undefined) this.set({ dependency: "redis" }, bus);
    },
  });
  if (process === "api" || process === "console") {
    new Gauge({
      name: "gatehouse_work_pool_workers",
      help: "Processes of the work pool (parsing, replays, verification off the event loop) running now.",
      registers,
      collect() {
        this.set(safely(() => sources().workPool?.()?.workers) ?? 0);
      },
    });
    new Gauge({
      name: "gatehouse_work_pool_jobs",
      help: "Work pool jobs, by state (queued: waiting for a worker; running).",
      labelNames: ["state"] as const,
      registers,
      collect() {
        const stats = safely(() => sources().workPool?.());
        this.set({ state: "queued" }, stats?.queued ?? 0);
        this.set({ state: "running" }, stats?.running ?? 0);
      },
    });
  }
  if (process === "api") {
    new Gauge({
      name: "gatehouse_approval_waits_parked",
      help: "Approvals waited on by parked long-polls (gate()) in this process; a shared wait counts each of its approvals.",
      registers,
      collect() {
        this.set(safely(() => sources().parkedWaits?.()) ?? 0);
      },
    });
  }
  if (process === "worker") workerGauges(registry);
  state().served = true;
  return registry;

  function readPools(): PoolStats[] {
    return safely(() => sources().pools?.()) ?? [];
  }
}

/** The worker's gauges: leadership, its webhook tasks, and the queries over every org it answers for the whole service. */
function workerGauges(registry: Registry): void {
  const registers = [registry];
  const sources = () => state().sources;
  new Gauge({
    name: "gatehouse_worker_leading",
    help: "Whether this worker holds the jobs lease and runs the jobs (1) or stands by (0).",
    registers,
    collect() {
      this.set(safely(() => sources().leading?.()) ? 1 : 0);
    },
  });
  new Gauge({
    name: "gatehouse_webhook_deliveries_in_flight",
    help: "Webhook endpoints this worker is delivering to now.",
    registers,
    collect() {
      this.set(safely(() => sources().webhookTasks?.()) ?? 0);
    },
  });
  // The queries run once per TTL at most (cachedRead, one at a time): the gauges of one query, collected side by side
  // in a scrape, all wait for and read the same answer.
  const observe = async <T>(read: (() => Promise<Observed<T>>) | undefined): Promise<Observed<T> | undefined> =>
    read ? read().catch((): Observed<T> => ({ ok: false, value: undefined })) : undefined;
  const approvals = async () => (await observe(sources().approvals))?.value;
  const webhooks = async () => (await observe(sources().webhooks))?.value;
  new Gauge({
    name: "gatehouse_metrics_query_success",
    help: "Whether the last scrape-time query of the database succeeded within its bound (1) or not (0: the gauges it feeds keep their last values).",
    labelNames: ["query"] as const,
    registers,
    async collect() {
      const [approvalsRead, webhooksRead] = await Promise.all([observe(sources().approvals), observe(sources().webhooks)]);
      this.reset();
      if (approvalsRead) this.set({ query: "approvals" }, approvalsRead.ok ? 1 : 0);
      if (webhooksRead) this.set({ query: "webhooks" }, webhooksRead.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: "gatehouse_approvals_pending",
    help: "Approvals waiting for a person, across every org (the same on every worker: aggregate with max).",
    registers,
    async collect() {
      const summary = await approvals();
      if (summary) this.set(summary.pending);
    },
  });
  new Gauge({
    name: "gatehouse_approvals_oldest_pending_age_seconds",
    help: "How long the oldest pending approval has waited for a person, across every org (0 when none waits).",
    registers,
    async collect() {
      const summary = await approvals();
      if (summary) this.set(summary.oldestPendingSeconds);
    },
  });
  new Gauge({
    name: "gatehouse_webhook_backlog_entries",
    help: "Log entries past the cursors of enabled webhook endpoints, across every org: what delivery has still to go through.",
    registers,
    async collect() {
      const summary = await webhooks();
      if (summary) this.set(summary.backlogEntries);
    },
  });
  new Gauge({
    name: "gatehouse_webhook_endpoints",
    help: "Webhook endpoints across every org, by state (caught_up, behind, retrying: a failed message waits for its retry, paused).",
    labelNames: ["state"] as const,
    registers,
    async collect() {
      const summary = await webhooks();
      if (!summary) return;
      for (const [endpointState, count] of Object.entries(summary.endpoints)) this.set({ state: endpointState }, count);
    },
  });
}

/** A health source as 1 or 0: a throw is 0 (observation fails open, and down is what it says). */
async function up(read: () => Promise<boolean>): Promise<number> {
  return (await read().catch(() => false)) ? 1 : 0;
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * A read for scrapes that must not load the database: one at a time (a scrape during a read waits for it), its
 * answer kept for `ttlMs`, each attempt bounded by `timeoutMs`. A read that fails or runs late answers not ok with
 * the last value it had (observation fails open; the gauges keep their last values and say the query failed).
 */
export function cachedRead<T>(read: () => Promise<T>, options: { ttlMs: number; timeoutMs: number; now?: () => number }): () => Promise<Observed<T>> {
  const now = options.now ?? (() => performance.now());
  let last: { at: number; observed: Observed<T> } | null = null;
  let running: Promise<Observed<T>> | null = null;
  return () => {
    if (last && now() - last.at < options.ttlMs) return Promise.resolve(last.observed);
    running ??= (async () => {
      const previous = last?.observed.value;
      const LATE = Symbol("late");
      let observed: Observed<T>;
      try {
        const value = await withTimeout<T | typeof LATE>(read(), options.timeoutMs, LATE);
        observed = value === LATE ? { ok: false, value: previous } : { ok: true, value };
      } catch {
        observed = { ok: false, value: previous };
      }
      last = { at: now(), observed };
      running = null;
      return observed;
    })();
    return running;
  };
}

// ── What the code records ──────────────────────────────────────────────────────────────────────────

const EFFECTS = { executed: "allow", denied: "deny", requested: "require_approval" } as const;

/** A decision answered: its kind, effect (from the answer's status) and denial code, and how long it took. */
export function recordDecisionMetric(kind: "execute" | "check", status: keyof typeof EFFECTS, denialReason: string | undefined, seconds: number): void {
  const { decisions, decisionDuration } = state().instruments;
  // The denial codes are one closed table (core's DENIAL_REASONS); a code outside it must not become a series of its own.
  const reason = denialReason === undefined ? "none" : isDenialReason(denialReason) ? denialReason : "other";
  decisions.inc({ kind, effect: EFFECTS[status], reason });
  decisionDuration.observe({ kind }, seconds);
}

/** The codes an error answer carries (errorReplyOf's: the domain codes, the server's, and Fastify's refusals). */
const ERROR_CODES: ReadonlySet<string> = new Set([...Object.keys(DOMAIN_ERROR_STATUS), "INTERNAL", "BAD_REQUEST", "METHOD_NOT_ALLOWED", "UNSUPPORTED_MEDIA_TYPE"]);

/** A decision call that ended in an error: the error's code (a code outside the closed set counts as other). */
export function recordDecisionError(kind: "execute" | "check", code: string): void {
  state().instruments.decisionErrors.inc({ kind, code: ERROR_CODES.has(code) ? code : "other" });
}

export function recordApprovalEndMetric(status: string, seconds: number): void {
  state().instruments.approvalDuration.observe({ status }, seconds);
}

export function recordAuditAppendMetric(seconds: number): void {
  state().instruments.auditAppendDuration.observe(seconds);
}

/** Settled spend by model: the built-in table's model the name stands for, any other as `other` (modelMetricLabel). */
export function recordSpendMetric(model: string, tokens: number, usd: number | null): void {
  const { spendTokens, spendUsd } = state().instruments;
  const label = modelMetricLabel(model);
  spendTokens.inc({ model: label }, tokens);
  if (usd !== null) spendUsd.inc({ model: label }, usd);
}

/** An API request answered: `route` is the route's pattern as registered (never the path a client sent). */
export function recordHttpRequest(method: string, route: string | undefined, status: number): void {
  state().instruments.httpRequests.inc({ method: methodLabel(method), route: route ?? "unmatched", status: String(status) });
}

export function recordConsoleRequest(method: string | undefined, status: number, seconds: number): void {
  const { consoleRequests, consoleRequestDuration } = state().instruments;
  consoleRequests.inc({ method: methodLabel(method), status: String(status) });
  consoleRequestDuration.observe(seconds);
}

/** A job's run (its label is `job_name`: Prometheus gives every scraped series a `job` label of its own, the target's). */
export function recordJobRun(job: string, ok: boolean, seconds: number, endedAtMs: number): void {
  const { jobRuns, jobRunDuration, jobLastSuccess } = state().instruments;
  jobRuns.inc({ job_name: job, result: ok ? "success" : "failure" });
  jobRunDuration.observe({ job_name: job }, seconds);
  if (ok) jobLastSuccess.set({ job_name: job }, endedAtMs / 1000);
}

export function recordWebhookDelivery(delivered: boolean, seconds: number): void {
  const { webhookDeliveries, webhookDeliveryDuration } = state().instruments;
  webhookDeliveries.inc({ result: delivered ? "delivered" : "failed" });
  webhookDeliveryDuration.observe(seconds);
}

export function recordWebhookEndpointPaused(reason: "gone" | "retries_exhausted"): void {
  state().instruments.webhookEndpointsPaused.inc({ reason });
}
