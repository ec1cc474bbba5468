import { metricsSettings, type MetricsSettings } from "@gatehouse/db";
import { z } from "zod";

/** The only place apps/worker reads process.env (the database settings are read by @gatehouse/db). */
const schema = z.object({
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * Jobs this worker does not run, by name, comma-separated (`webhook-delivery,approval-notices`): to run
   * some jobs on workers of their own (delivery apart from expiry and checkpoints). Every job must run on
   * some worker; unknown names are refused.
   */
  WORKER_JOBS_EXCLUDE: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name !== ""),
    ),
  /**
   * A port for the worker's health (GET /livez, GET /readyz: apps/worker/src/health.ts), for a platform's
   * probes (the Kubernetes manifests set it). Unset or empty: no port is opened.
   */
  WORKER_HEALTH_PORT: z.preprocess((value) => (value === "" ? undefined : value), z.coerce.number().int().min(1).max(65535).optional()),
  /** Where the health port listens: every interface by default, since the probes come from outside the container. */
  WORKER_HEALTH_HOST: z.string().min(1).default("0.0.0.0"),
});

/** The worker's variables, with where it serves its metrics and health (WORKER_METRICS_PORT, METRICS_HOST, METRICS_TOKEN; docs/metrics.md). */
export type WorkerEnv = z.output<typeof schema> & { metrics: MetricsSettings };

/** Validates an environment (process.env unless given); every problem is named in one error. */
export function workerEnv(source: Record<string, string | undefined> = process.env): WorkerEnv {
  const parsed = schema.safeParse(source);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  let metrics: MetricsSettings | undefined;
  try {
    metrics = metricsSettings("WORKER_METRICS_PORT", source);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (!parsed.success || !metrics) throw new Error(`Invalid environment for @gatehouse/worker: ${problems.join("; ")}`);
  return { ...parsed.data, metrics };
}
