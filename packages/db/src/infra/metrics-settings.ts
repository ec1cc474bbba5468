import { z } from "zod";
import { port, unsetWhenBlank } from "./env-fields";

// Where each process serves its metrics (docs/metrics.md): zod only, so the console's env.ts (read by its proxy too)
// can validate the variables without loading the metrics themselves.

/** Where a process serves its metrics: the port (none: it serves none), the address, and the token a scrape must carry. */
export interface MetricsSettings {
  port: number | undefined;
  host: string;
  token: string | undefined;
}

/** METRICS_HOST: the address a metrics listener binds; loopback unless set. */
export const metricsHostField = unsetWhenBlank(z.string().default("127.0.0.1"));

/** METRICS_TOKEN: sent in a header by Prometheus (credentials_file, a ServiceMonitor's bearerTokenSecret): printable ASCII, no spaces. */
export const metricsTokenField = unsetWhenBlank(
  z
    .string()
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces (it travels in an Authorization header)")
    .min(32, "must be at least 32 characters (openssl rand -hex 32)")
    .optional(),
);

/**
 * The metrics settings of one process from its environment: `portVariable` (API_METRICS_PORT, WEB_METRICS_PORT;
 * unset or blank: no metrics listener), METRICS_HOST (127.0.0.1) and METRICS_TOKEN (unset: none asked). Throws
 * naming every problem.
 */
export function metricsSettings(portVariable: string, source: Readonly<Record<string, string | undefined>>): MetricsSettings {
  const schema = z.object({ port: port({ anyFree: true }), METRICS_HOST: metricsHostField, METRICS_TOKEN: metricsTokenField });
  const parsed = schema.safeParse({ ...source, port: source[portVariable] });
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => `${issue.path[0] === "port" ? portVariable : issue.path.join(".")}: ${issue.message}`).join("; "));
  }
  return { port: parsed.data.port, host: parsed.data.METRICS_HOST, token: parsed.data.METRICS_TOKEN };
}

/** Whether `host` is a loopback address (the metrics then reach only this machine). */
export function isLoopbackListen(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}
