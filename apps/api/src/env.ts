import { z } from "zod";

/**
 * Which proxies in front of the API are trusted to say who the client is (X-Forwarded-For), as
 * Fastify's `trustProxy` takes it: "false" (the default: the socket's address is the client), "true"
 * (trust every hop, only behind a proxy that overwrites the header), a hop count ("1"), or a
 * comma-separated list of proxy addresses / CIDR ranges.
 */
const trustProxy = z
  .string()
  .trim()
  .default("false")
  .transform((value, context): boolean | number | string[] => {
    if (value === "" || value === "false" || value === "0") return false;
    if (value === "true") return true;
    if (/^\d+$/.test(value)) return Number(value);
    const list = value
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "");
    if (list.every((part) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(part))) return list;
    context.addIssue({ code: "custom", message: "must be true, false, a hop count, or a comma-separated list of addresses / CIDR ranges" });
    return z.NEVER;
  });

/** The only place apps/api reads process.env (the database settings are read by @gatehouse/db). */
const schema = z.object({
  API_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  API_HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  API_TRUST_PROXY: trustProxy,
  /** Failed API key checks from one client address within the window, after which the address is refused (429) until the window passes. */
  API_KEY_FAILURE_LIMIT: z.coerce.number().int().min(1).default(30),
  API_KEY_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Event streams (GET /v1/events) one key may hold open at once, per API process. */
  API_MAX_STREAMS_PER_KEY: z.coerce.number().int().min(1).default(10),
  /** Event streams all keys of one org may hold open at once, per API process. */
  API_MAX_STREAMS_PER_ORG: z.coerce.number().int().min(1).default(50),
  /** Approval long-polls (GET /v1/approvals/:id/wait, POST /v1/approvals/wait: one each, however many approvals) one key may hold open at once, per API process. */
  API_MAX_WAITS_PER_KEY: z.coerce.number().int().min(1).default(10),
});

export type ApiEnv = z.output<typeof schema>;

export function apiEnv(): ApiEnv {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(`Invalid environment for @gatehouse/api: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}
