// `npm run worker`: the jobs that run once across all instances (docs/adr/0009-background-jobs.md).
// Start as many as you like over one database; one leads and runs the jobs, the others stand by.
import { closeSignals, db, disconnectDb, observePendingApprovals, serviceEnv, startTelemetry, stopWebhookDispatcher, telemetryConfig } from "@gatehouse/db";
import { backgroundJobs, leaseLeaderLock, startJobRunner } from "@gatehouse/db/jobs";
import { pino } from "pino";
import { workerEnv, type WorkerEnv } from "./env";
import { startWorkerHealth } from "./health";

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
  observePendingApprovals(async () => Number((await db().pool.query<{ n: string }>(`SELECT count(*) AS n FROM approvals WHERE status = 'pending'`)).rows[0]?.n ?? 0));
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
const health =
  env.WORKER_HEALTH_PORT === undefined ? null : await startWorkerHealth({ port: env.WORKER_HEALTH_PORT, host: env.WORKER_HEALTH_HOST, lastElection: () => runner.lastElection });
if (health) log.info({ port: health.port }, "health on /livez and /readyz");

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
  await health?.close();
  await runner.stop();
  // Webhook tasks write what they delivered and give their endpoints back (another worker resumes them).
  await stopWebhookDispatcher();
  await telemetry?.shutdown();
  await disconnectDb();
  await closeSignals();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
