import "server-only";

const ADDRESS = /^[0-9A-Fa-f.:[\]]{2,64}$/;

/**
 * The client's address, for the per-source sign-in limit, from the request headers as Next.js passes
 * them (route handlers and server actions see no socket).
 *
 * Next.js fills in `X-Forwarded-For` with the socket's address when a request arrives without one, and
 * keeps one that arrived. Each proxy in front appends the address it saw, so with `trustedHops`
 * proxies the client is the entry that many places from the right: the address the outermost trusted
 * proxy saw, which no client can forge. Entries further left are the client's own claims and are
 * never read. With no trusted proxy (0) the last entry is used: the socket's address, unless the
 * client sent the header itself, in which case it picks its own per-source bucket and the per-email
 * limit is what still holds; a console exposed directly should sit behind a proxy and set the hops.
 * `X-Real-IP` is not read: without a proxy that sets it, any client can.
 */
export function clientAddress(headers: Headers, trustedHops: number): string | null {
  const entries = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const entry = entries[entries.length - Math.max(1, trustedHops)] ?? entries[0];
  return entry !== undefined && ADDRESS.test(entry) ? entry.toLowerCase() : null;
}
