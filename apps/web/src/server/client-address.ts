import { normalizeAddress } from "@gatehouse/core";

/**
 * The client's address, for the per-address sign-in and mail limits, from the request headers as
 * Next.js passes them (route handlers and server actions see no socket).
 *
 * The console's own server (server.ts, console-http.ts) has already replaced every client-address
 * header with one X-Forwarded-For holding the address the shared rule chose: the socket's peer, or
 * what a proxy named in GATEHOUSE_TRUSTED_PROXIES said (docs/adr/0017). So the header is read as that
 * single address; anything else (more than one entry, not an address) is not trusted: null, and only
 * the per-account limits apply.
 */
export function clientAddress(headers: Headers): string | null {
  const value = headers.get("x-forwarded-for");
  if (value === null || value.includes(",")) return null;
  return normalizeAddress(value);
}
