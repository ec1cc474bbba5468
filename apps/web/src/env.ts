import { parseTrustedProxies, type TrustedProxies } from "@gatehouse/core";
import { flag, httpUrl, port, readEnvironment, startedForDevelopment, unsetWhenBlank } from "@gatehouse/db/env-fields";
import { metricsSettings, type MetricsSettings } from "@gatehouse/db/metrics-settings";
import { z } from "zod";

const trustedProxiesField = z
  .string()
  .optional()
  .transform((value, context): TrustedProxies => {
    try {
      return parseTrustedProxies(value);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });

// The one place in the console that reads process.env. Validation runs when the server starts
// (instrumentation.ts) and on first use, never at import, so `next build` works without a database or
// secret; a missing variable stops the console loudly instead of shipping a half-configured one.
const schema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  // Signs and encrypts the session JWT (next-auth). At least 32 characters.
  AUTH_SECRET: z.string().min(32, "AUTH_SECRET must be at least 32 characters"),
  // The console's public origin for sign-in (next-auth), equal to GATEHOUSE_CONSOLE_URL (docker-compose.yml
  // sets both): next-auth then never takes it from the Host header. Mailed links use GATEHOUSE_CONSOLE_URL.
  AUTH_URL: httpUrl(),
  // Trust the Host / X-Forwarded-Host header for sign-in: `npm start` sets it, for a console on this
  // machine only; a server sets AUTH_URL instead.
  AUTH_TRUST_HOST: flag(),
  // Proxies trusted to say who the client is (X-Forwarded-For), for the per-address sign-in and mail
  // limits: addresses / CIDR ranges, the API's variable and rule too (server.ts, docs/adr/0017). Unset: none.
  GATEHOUSE_TRUSTED_PROXIES: trustedProxiesField,
  // Replaced by GATEHOUSE_TRUSTED_PROXIES: a hop count trusted whoever connected. Only 0 (or unset) is accepted.
  AUTH_TRUSTED_PROXY_HOPS: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.trim() === "" || v.trim() === "0", "is replaced by GATEHOUSE_TRUSTED_PROXIES: list the proxies' addresses / CIDR ranges there"),
  // Base URL of the agent API (apps/api), shown to operators so they can point the SDK at it.
  API_URL: httpUrl(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  // The console's public origin (https://console.example.com): the only Host it answers for and the
  // only Origin a write may come from (server/edge-guard.ts).
  GATEHOUSE_CONSOLE_URL: httpUrl(),
  // "1" when the process was started for development (`npm start` sets it): the development outbox
  // (/dev/outbox) exists, and loopback host names on WEB_PORT are the console's too. Never inferred.
  GATEHOUSE_DEVELOPMENT: startedForDevelopment(),
  // The port the console listens on (apps/web's start script; 3000 by default).
  WEB_PORT: port({ default: 3000 }),
  // Single sign-on through one OpenID Connect provider for the whole instance (ADR 0012): all three or
  // none. The issuer is https, or http on a loopback address (a provider started on this machine for tests).
  AUTH_OIDC_ISSUER: unsetWhenBlank(z.url().refine(isAllowedIssuer, "must be an https URL (http only on a loopback address: localhost, 127.0.0.1, [::1])").optional()),
  AUTH_OIDC_CLIENT_ID: unsetWhenBlank(z.string().min(1).optional()),
  AUTH_OIDC_CLIENT_SECRET: unsetWhenBlank(z.string().min(1).optional()),
  // The provider's name on the sign-in button ("Sign in with <name>").
  AUTH_OIDC_NAME: z.string().trim().min(1).max(60).default("Single sign-on"),
});

/**
 * What the console's own server (server.ts) needs before Next.js starts: where to listen and whom to
 * believe about the client's address. The rest is checked by Next.js's instrumentation (env()).
 */
const serverSchema = z.object({
  WEB_PORT: schema.shape.WEB_PORT,
  WEB_HOST: unsetWhenBlank(z.string().optional()),
  GATEHOUSE_TRUSTED_PROXIES: trustedProxiesField,
  AUTH_TRUSTED_PROXY_HOPS: schema.shape.AUTH_TRUSTED_PROXY_HOPS,
});

/** The server's part, with where it serves the console's metrics (WEB_METRICS_PORT, METRICS_HOST, METRICS_TOKEN; docs/metrics.md). */
export type ConsoleServerEnv = z.infer<typeof serverSchema> & { metrics: MetricsSettings };

/** Validates the server's part of the environment; every problem is named in one error. */
export function consoleServerEnv(source: Record<string, string | undefined> = process.env): ConsoleServerEnv {
  return readEnvironment("@gatehouse/web", serverSchema, source, { metrics: (variables) => metricsSettings("WEB_METRICS_PORT", variables) });
}

const OIDC_VARIABLES = ["AUTH_OIDC_ISSUER", "AUTH_OIDC_CLIENT_ID", "AUTH_OIDC_CLIENT_SECRET"] as const;

/** An OIDC issuer the console may use: https, or plain http to a loopback host only. */
export function isAllowedIssuer(value: string): boolean {
  const url = new URL(value);
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && isLoopbackHost(url.hostname);
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

export type Env = z.infer<typeof schema>;

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
}

/** The instance's OpenID Connect provider, or null when single sign-on is not configured. */
export function oidcConfig(): OidcConfig | null {
  const e = env();
  if (!e.AUTH_OIDC_ISSUER || !e.AUTH_OIDC_CLIENT_ID || !e.AUTH_OIDC_CLIENT_SECRET) return null;
  return { issuer: e.AUTH_OIDC_ISSUER, clientId: e.AUTH_OIDC_CLIENT_ID, clientSecret: e.AUTH_OIDC_CLIENT_SECRET, name: e.AUTH_OIDC_NAME };
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/**
 * At server start (instrumentation.ts), in the Node.js runtime only: validates process.env now and
 * returns it (null in another runtime). An invalid one is printed and the process exits (Next.js
 * would log it and keep serving 500s); so does one that fails any of `checks`.
 */
export async function checkEnvAtStartup(checks: ReadonlyArray<() => Promise<unknown>> = []): Promise<Env | null> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return null;
  try {
    const e = env();
    for (const check of checks) await check();
    return e;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

/** Validates an environment (env() passes process.env); every problem is named in one error. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const withOidc = schema.superRefine((values, context) => {
    const set = OIDC_VARIABLES.filter((name) => values[name] !== undefined);
    if (set.length === 0 || set.length === OIDC_VARIABLES.length) return;
    for (const name of OIDC_VARIABLES.filter((n) => values[n] === undefined)) {
      context.addIssue({ code: "custom", path: [name], message: `is missing: single sign-on needs ${OIDC_VARIABLES.join(", ")} together (set: ${set.join(", ")})` });
    }
  });
  return readEnvironment("@gatehouse/web", withOidc, source);
}
