import { parseTrustedProxies, type TrustedProxies } from "@gatehouse/core";
import { metricsSettings, type MetricsSettings } from "@gatehouse/db";
import { logLevel, port, readEnvironment, wholeNumber } from "@gatehouse/db/env-fields";
import { z } from "zod";

/**
 * The proxies in front of the API trusted to say who the client is (X-Forwarded-For), for the
 * per-address limits: GATEHOUSE_TRUSTED_PROXIES, a comma-separated list of addresses / CIDR ranges,
 * the same variable and the same rule as the console (clientAddressOf in @gatehouse/core, ADR 0017).
 * The older API_TRUST_PROXY is still read when it is such a list (or false); "true" and hop counts
 * trusted whoever connected and are refused, naming the new variable.
 */
function trustedProxies(values: { GATEHOUSE_TRUSTED_PROXIES?: string | undefined; API_TRUST_PROXY?: string | undefined }, context: z.RefinementCtx): TrustedProxies {
  const legacy = (values.API_TRUST_PROXY ?? "").trim();
  if (legacy === "true" || /^[1-9]\d*$/.test(legacy)) {
    context.addIssue({
      code: "custom",
      path: ["API_TRUST_PROXY"],
      message: `"${legacy}" trusts whoever connects; list the proxies' addresses / CIDR ranges in GATEHOUSE_TRUSTED_PROXIES instead`,
    });
    return z.NEVER;
  }
  const list = [values.GATEHOUSE_TRUSTED_PROXIES ?? "", legacy === "false" || legacy === "0" ? "" : legacy].filter((v) => v.trim() !== "").join(",");
  try {
    return parseTrustedProxies(list);
  } catch (error) {
    context.addIssue({ code: "custom", path: ["GATEHOUSE_TRUSTED_PROXIES"], message: (error as Error).message });
    return z.NEVER;
  }
}

/** The only place apps/api reads process.env (the database settings are read by @gatehouse/db). */
const schema = z.object({
  API_PORT: port({ default: 4000, anyFree: true }),
  API_HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: logLevel(),
  GATEHOUSE_TRUSTED_PROXIES: z.string().optional(),
  /** Read for compatibility (a list of proxies, or false); see trustedProxies. */
  API_TRUST_PROXY: z.string().optional(),
  /** Failed API key checks from one client address within the window, after which the address is refused (429) until the window passes. */
  API_KEY_FAILURE_LIMIT: wholeNumber({ min: 1, default: 30 }),
  API_KEY_FAILURE_WINDOW_SECONDS: wholeNumber({ min: 1, max: 86_400, default: 60 }),
  /** Event streams (GET /v1/events) one key may hold open at once, per API process. */
  API_MAX_STREAMS_PER_KEY: wholeNumber({ min: 1, default: 10 }),
  /** Event streams all keys of one org may hold open at once, per API process. */
  API_MAX_STREAMS_PER_ORG: wholeNumber({ min: 1, default: 50 }),
  /** Approval long-polls (GET /v1/approvals/:id/wait, POST /v1/approvals/wait: one each, however many approvals) one key may hold open at once, per API process. */
  API_MAX_WAITS_PER_KEY: wholeNumber({ min: 1, default: 10 }),
});

const withProxies = schema.transform((values, context) => ({ ...values, trustedProxies: trustedProxies(values, context) }));

/** The API's variables, with where it serves its metrics (API_METRICS_PORT, METRICS_HOST, METRICS_TOKEN; docs/metrics.md). */
export type ApiEnv = z.output<typeof withProxies> & { metrics: MetricsSettings };

/** Validates an environment (process.env unless given); every problem is named in one error. */
export function apiEnv(source: Record<string, string | undefined> = process.env): ApiEnv {
  return readEnvironment("@gatehouse/api", withProxies, source, { metrics: (variables) => metricsSettings("API_METRICS_PORT", variables) });
}
