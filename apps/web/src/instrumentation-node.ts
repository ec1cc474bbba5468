import { checkEnvAtStartup } from "./env";
import { configuredOrigins, consoleUrlWarning } from "./server/edge-guard";

// What register() (instrumentation.ts) runs in the Node.js server: a misconfigured
// environment (a partial AUTH_OIDC_* set, an http issuer off loopback, a short AUTH_SECRET) stops the
// console at start with every problem named, instead of failing its first request. So does what the
// API and the worker refuse as well (@gatehouse/db serviceEnv): in production no GATEHOUSE_CONSOLE_URL
// (mailed links start with it), no mail transport, no sign-up mode, no master key. A console that
// answers any Host (no GATEHOUSE_CONSOLE_URL, outside production) says so once.
export async function registerNode(): Promise<void> {
  if (!(await checkEnvAtStartup([async () => (await import("@gatehouse/db")).serviceEnv()]))) return;
  // What the console's metrics read when scraped (its pools, PostgreSQL, Redis, the work pool): sources this copy of
  // @gatehouse/db provides to the listener the console's server (server.ts) runs on WEB_METRICS_PORT (docs/metrics.md).
  (await import("@gatehouse/db")).observeProcess("console");
  const warning = consoleUrlWarning(configuredOrigins());
  if (warning) console.warn(warning);
}
