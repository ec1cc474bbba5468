// `npm run worker`: the jobs that run once across all instances (docs/adr/0009-background-jobs.md).
// Start as many as you like over one database; one leads and runs the jobs, the others stand by.
import { closeSignals, disconnectDb, serviceEnv, stopWebhookDispatcher } from "@gatehouse/db";
import { advisoryLeaderLock, backgroundJobs, startJobRunner } from "@gatehouse/db/jobs";
import { pino } from "pino";
import { workerEnv, type WorkerEnv } from "./env";

let env: WorkerEnv;
let databaseUrl: string;
try {
  env = workerEnv();
  databaseUrl = serviceEnv().DATABASE_URL;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

const log = pino({ level: env.LOG_LEVEL, base: { pid: process.pid, role: "worker" } });
const jobs = backgroundJobs();
const unknown = env.WORKER_JOBS_EXCLUDE.filter((name) => !jobs.some((job) => job.name === name));
if (unknown.length > 0) {
  process.stderr.write(`WORKER_JOBS_EXCLUDE names no job: ${unknown.join(", ")} (the jobs: ${jobs.map((job) => job.name).join(", ")})\n`);
  process.exit(1);
}
const runner = startJobRunner({ jobs: jobs.filter((job) => !env.WORKER_JOBS_EXCLUDE.includes(job.name)), lock: advisoryLeaderLock({ url: databaseUrl }), log });

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
  // Webhook tasks write what they delivered and give their endpoints back (another worker resumes them).
  await stopWebhookDispatcher();
  await disconnectDb();
  await closeSignals();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
