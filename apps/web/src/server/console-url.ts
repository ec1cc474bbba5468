import "server-only";
import { headers } from "next/headers";
import { env } from "@/env";
import { clientAddress } from "./client-address";

/**
 * The console's public base URL, which emailed links point at: AUTH_URL when it is set; otherwise,
 * when the host header is trusted (AUTH_TRUST_HOST, as `npm start` and a trusted proxy set it), the
 * request's own origin. Never an untrusted Host header: a reset link must not point elsewhere.
 */
export async function consoleBaseUrl(): Promise<string> {
  const e = env();
  if (e.AUTH_URL) return new URL(e.AUTH_URL).origin;
  const h = await headers();
  const first = (value: string | null) => value?.split(",")[0]?.trim() || null;
  const host = e.AUTH_TRUST_HOST ? (first(h.get("x-forwarded-host")) ?? first(h.get("host"))) : null;
  if (!host) throw new Error("Set AUTH_URL to the console's public address (or AUTH_TRUST_HOST=true behind a trusted proxy) so emailed links can point at it.");
  const proto = first(h.get("x-forwarded-proto")) === "https" ? "https" : "http";
  return `${proto}://${host}`;
}

/** The client's address for the per-address limits of the account pages (as sign-in determines it). */
export async function requestSource(): Promise<string | null> {
  return clientAddress(await headers(), env().AUTH_TRUSTED_PROXY_HOPS);
}
