import { randomUUID } from "node:crypto";

const INCOMING = /^[A-Za-z0-9._:-]{8,128}$/;

/** Reuses a well-formed X-Request-Id from a trusted proxy, else mints one. */
export function requestIdFrom(headers: Headers): string {
  const incoming = headers.get("x-request-id");
  return incoming && INCOMING.test(incoming) ? incoming : `req_${randomUUID()}`;
}
