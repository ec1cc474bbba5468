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
});

/** The worker's variables, with where it serves its metrics and health (WORKER_METRICS_PORT, METRICS_HOST, METRICS_TOKEN; docs/metrics.md). */
export type WorkerEnv = z.output<typeof schema> & { metrics: MetricsSettings };

export function workerEnv(): WorkerEnv {
  const parsed = schema.safeParse(process.env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  let metrics: MetricsSettings | undefined;
  try {
    metrics = metricsSettings("WORKER_METRICS_PORT", process.env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (!parsed.success || !metrics) throw new Error(`Invalid environment for @gatehouse/worker: ${problems.join("; ")}`);
  return { ...parsed.data, metrics };
}
