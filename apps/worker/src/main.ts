// `npm run worker`: the jobs that run once across all instances (docs/adr/0009-background-jobs.md).
// Start as many as you like over one database; one leads and runs the jobs, the others stand by.
import {
  closeSignals,
  disconnectDb,
  isLoopbackListen,
  metricsRegistry,
  observePendingApprovals,
  observeProcess,
  pendingApprovals,
  pingDatabase,
  serviceEnv,
  startMetricsServer,
  startTelemetry,
  stopWebhookDispatcher,
  telemetryConfig,
  type MetricsServer,
} from "@gatehouse/db";
import { backgroundJobs, leaseLeaderLock, startJobRunner } from "@gatehouse/db/jobs";
import { pino } from "pino";
import { workerEnv, type WorkerEnv } from "./env";
import { workerProbes } from "./health";

let env: WorkerEnv;
try {
  env = workerEnv();
  // The jobs and their lease reach the database through the pool: DATABASE_URL is required.
  serviceEnv();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

// Written synchronously: the worker logs little, and its last lines ("shutting down") must not wait in a buffer
// that a SIGKILL at the end of the stop's grace period would lose.
const log = pino({ level: env.LOG_LEVEL, base: { pid: process.pid, role: "worker" } }, pino.destination({ dest: 1, sync: true }));
// OpenTelemetry, when the OTEL_* variables turn it on (docs/telemetry.md): the approvals queue's depth, and the waits the
// worker's expiries end.
const telemetry = startTelemetry({ service: "gatehouse-worker" });
if (telemetry?.config.metrics) {
  // The same bounded, cached read as the Prometheus gauge's (a failed one leaves the last count standing).
  observePendingApprovals(async () => {
    const observed = await pendingApprovals();
    if (!observed.ok || !observed.value) throw new Error("the approvals queue could not be read");
    return observed.value.pending;
  });
}
if (telemetry) log.info({ traces: telemetry.config.traces, metrics: telemetry.config.metrics, notes: telemetry.config.notes }, "OpenTelemetry on");
else if (telemetryConfig().notes.length > 0) log.warn({ notes: telemetryConfig().notes }, "OpenTelemetry stays off: its variables ask for what this build cannot do");
const jobs = backgroundJobs();
const unknown = env.WORKER_JOBS_EXCLUDE.filter((name) => !jobs.some((job) => job.name === name));
if (unknown.length > 0) {
  process.stderr.write(`WORKER_JOBS_EXCLUDE names no job: ${unknown.join(", ")} (the jobs: ${jobs.map((job) => job.name).join(", ")})\n`);
  process.exit(1);
}
// Leadership is a lease renewed twice a second (it lapses 1.5 s after its holder stops renewing it), through
// the pool like every other statement, so it holds behind a transaction-mode pooler too.
const runner = startJobRunner({ jobs: jobs.filter((job) => !env.WORKER_JOBS_EXCLUDE.includes(job.name)), lock: leaseLeaderLock(), log, electionMs: 500 });

// The worker's one port (WORKER_HEALTH_PORT): its health for probes and its Prometheus metrics (docs/metrics.md); the
// worker serves nothing else.
let listener: MetricsServer | null = null;
if (env.listener.port !== undefined) {
  observeProcess("worker", { leading: () => runner.leading });
  const { port, host, token } = env.listener;
  listener = await startMetricsServer({
    registry: metricsRegistry("worker"),
    port,
    host,
    token,
    probes: workerProbes({ lastElection: () => runner.lastElection, leading: () => runner.leading, pingDatabase: () => pingDatabase(1_000) }),
  });
  if (env.deprecatedAlias) log.warn("WORKER_METRICS_PORT is deprecated: name the worker's one port WORKER_HEALTH_PORT");
  const open = token === undefined && !isLoopbackListen(host);
  log.info(
    { url: listener.url, port: listener.port, token: token !== undefined },
    open ? "health and metrics on; no METRICS_TOKEN: anyone who reaches this port may read the metrics" : "health and metrics on",
  );
}

const SHUTDOWN_GRACE_MS = 10_000;
let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  log.info({ signal }, "shutting down");
  // A job stuck on a database that went away must not keep the process alive.
  setTimeout(() => {
    log.error({ signal }, `shutdown took longer than ${SHUTDOWN_GRACE_MS} ms; exiting anyway`);
    process.exit(1);
  }, SHUTDOWN_GRACE_MS).unref();
  await runner.stop();
  await listener?.close();
  // Webhook tasks write what they delivered and give their endpoints back (another worker resumes them).
  await stopWebhookDispatcher();
  await telemetry?.shutdown();
  await disconnectDb();
  await closeSignals();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
