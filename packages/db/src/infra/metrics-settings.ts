import { z } from "zod";

// Where each process serves its metrics (docs/metrics.md): zod only, so the console's env.ts (read by its proxy too)
// can validate the variables without loading the metrics themselves.

/** Where a process serves its metrics: the port (none: it serves none), the address, and the token a scrape must carry. */
export interface MetricsSettings {
  port: number | undefined;
  host: string;
  token: string | undefined;
}

const blankIsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const settingsSchema = z.object({
  port: z.preprocess(blankIsUnset, z.coerce.number().int().min(0).max(65535).optional()),
  host: z.preprocess(blankIsUnset, z.string().default("127.0.0.1")),
  // Sent in a header by Prometheus (bearer_token_file, a ServiceMonitor's bearerTokenSecret): printable ASCII, no spaces.
  token: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces (it travels in an Authorization header)")
      .min(32, "must be at least 32 characters (openssl rand -hex 32)")
      .optional(),
  ),
});

/**
 * The metrics settings of one process from its environment: `portVariable` (API_METRICS_PORT, WORKER_METRICS_PORT,
 * WEB_METRICS_PORT; unset or blank: no metrics listener), METRICS_HOST (127.0.0.1) and METRICS_TOKEN (unset: none
 * asked). Throws naming every problem.
 */
export function metricsSettings(portVariable: string, source: Record<string, string | undefined>): MetricsSettings {
  const parsed = settingsSchema.safeParse({ port: source[portVariable], host: source.METRICS_HOST, token: source.METRICS_TOKEN });
  if (!parsed.success) {
    const names: Record<string, string> = { port: portVariable, host: "METRICS_HOST", token: "METRICS_TOKEN" };
    throw new Error(parsed.error.issues.map((issue) => `${names[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`).join("; "));
  }
  return { port: parsed.data.port, host: parsed.data.host, token: parsed.data.token };
}

/** Whether `host` is a loopback address (the metrics then reach only this machine). */
export function isLoopbackListen(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}
