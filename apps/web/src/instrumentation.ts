import { checkEnvAtStartup } from "./env";
import { configuredOrigins, consoleUrlWarning } from "./server/edge-guard";

// Next.js calls register() once when the server starts (not during `next build`): a misconfigured
// environment (a partial AUTH_OIDC_* set, an http issuer off loopback, a short AUTH_SECRET) stops the
// console at start with every problem named, instead of failing its first request. A console that
// answers any Host (no GATEHOUSE_CONSOLE_URL) says so once.
export function register(): void {
  if (!checkEnvAtStartup()) return;
  const warning = consoleUrlWarning(configuredOrigins());
  if (warning) console.warn(warning);
}
