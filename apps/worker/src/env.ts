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

export type WorkerEnv = z.output<typeof schema>;

export function workerEnv(): WorkerEnv {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(`Invalid environment for @gatehouse/worker: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}
