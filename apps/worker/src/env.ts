import { logLevel, port, readEnvironment, unsetWhenBlank } from "@gatehouse/db/env-fields";
import { metricsHostField, metricsTokenField, type MetricsSettings } from "@gatehouse/db/metrics-settings";
import { z } from "zod";

/** The only place apps/worker reads process.env (the database settings are read by @gatehouse/db). */
const schema = z
  .object({
    LOG_LEVEL: logLevel(),
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
     * The worker's one port (apps/worker/src/health.ts): GET /livez and /readyz for a platform's probes, GET /healthz,
     * and GET /metrics for Prometheus (docs/metrics.md). Unset or blank: no port is opened. 0: any free port.
     */
    WORKER_HEALTH_PORT: port({ anyFree: true }),
    /** Deprecated: the metrics' port before it became the health port. Accepted alone, or equal to WORKER_HEALTH_PORT. */
    WORKER_METRICS_PORT: port({ anyFree: true }),
    /** Where the port listens: unset, METRICS_HOST, and unset too, 127.0.0.1 (0.0.0.0 where probes or Prometheus come from outside the container). */
    WORKER_HEALTH_HOST: unsetWhenBlank(z.string().optional()),
    METRICS_HOST: metricsHostField,
    /** When set, GET /metrics asks for it as a bearer token; the health paths never do (probes carry none). */
    METRICS_TOKEN: metricsTokenField,
  })
  .superRefine((values, context) => {
    const { WORKER_HEALTH_PORT: health, WORKER_METRICS_PORT: metrics } = values;
    if (health === undefined || metrics === undefined || health === metrics) return;
    context.addIssue({
      code: "custom",
      path: ["WORKER_METRICS_PORT"],
      message: `is deprecated and must equal WORKER_HEALTH_PORT (${health}) or be unset: the worker serves /livez, /readyz, /healthz and /metrics on WORKER_HEALTH_PORT alone`,
    });
  })
  .transform(({ LOG_LEVEL, WORKER_JOBS_EXCLUDE, WORKER_HEALTH_PORT, WORKER_METRICS_PORT, WORKER_HEALTH_HOST, METRICS_HOST, METRICS_TOKEN }) => ({
    LOG_LEVEL,
    WORKER_JOBS_EXCLUDE,
    /** The worker's one listener (no port: none); `deprecatedAlias` when only WORKER_METRICS_PORT named its port. */
    listener: {
      port: WORKER_HEALTH_PORT ?? WORKER_METRICS_PORT,
      host: WORKER_HEALTH_HOST ?? METRICS_HOST,
      token: METRICS_TOKEN,
    } satisfies MetricsSettings,
    deprecatedAlias: WORKER_HEALTH_PORT === undefined && WORKER_METRICS_PORT !== undefined,
  }));

/** The worker's variables: its log level, the jobs it leaves to others, and its one listener (port, address, token). */
export type WorkerEnv = z.output<typeof schema>;

/** Validates an environment (process.env unless given); every problem is named in one error. */
export function workerEnv(source: Record<string, string | undefined> = process.env): WorkerEnv {
  return readEnvironment("@gatehouse/worker", schema, source);
}
