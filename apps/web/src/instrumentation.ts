import { checkEnvAtStartup } from "./env";

// Next.js calls register() once when the server starts (not during `next build`): a misconfigured
// environment (a partial AUTH_OIDC_* set, an http issuer off loopback, a short AUTH_SECRET) stops the
// console at start with every problem named, instead of failing its first request.
export function register(): void {
  checkEnvAtStartup();
}
