import type { IncomingMessage, RequestListener } from "node:http";
import { clientAddressOf, type TrustedProxies } from "@gatehouse/core";
import { recordConsoleRequest } from "@gatehouse/db/metrics";

/**
 * Headers that name the client. Next.js keeps an X-Forwarded-For a client sent (it fills the header
 * from the socket only when it is absent), so the console's own server removes all of them and writes
 * the one address the shared rule answers (clientAddressOf, docs/adr/0017) before Next.js sees the
 * request. Route handlers and server actions then read X-Forwarded-For as a single address
 * (client-address.ts); no client can name its own bucket.
 */
const CLIENT_HEADERS = ["x-forwarded-for", "forwarded", "x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip", "x-cluster-client-ip"] as const;

/** Rewrites the request's client headers in place: X-Forwarded-For becomes the client's address alone. */
export function stampClientAddress(request: IncomingMessage, trusted: TrustedProxies): string | null {
  const address = clientAddressOf(request.socket.remoteAddress, request.headers["x-forwarded-for"], trusted);
  for (const name of CLIENT_HEADERS) delete request.headers[name];
  if (address !== null) request.headers["x-forwarded-for"] = address;
  return address;
}

/**
 * The console's request listener: every request's client address stamped, then Next.js's handler. Each answer is
 * counted by method and status, and timed, for the console's metrics (docs/metrics.md): never by path, which names
 * orgs and objects.
 */
export function consoleListener(handle: RequestListener, trusted: TrustedProxies): RequestListener {
  return (request, response) => {
    const began = performance.now();
    response.once("close", () => recordConsoleRequest(request.method, response.statusCode, (performance.now() - began) / 1000));
    stampClientAddress(request, trusted);
    handle(request, response);
  };
}
