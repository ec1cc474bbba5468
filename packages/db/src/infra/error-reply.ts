import { DOMAIN_ERROR_STATUS, isDomainError } from "@gatehouse/core";
import type { ErrorEnvelope } from "@gatehouse/contracts";
import { asUnavailable } from "./db-errors";

/** The one error envelope of the API and the console: `{ error: { code, message, details?, requestId } }`, as the contract declares it. */
export type { ErrorEnvelope } from "@gatehouse/contracts";

/** An error as HTTP: its status, its envelope and, for RATE_LIMITED and UNAVAILABLE, the Retry-After seconds. */
export interface ErrorReply {
  status: number;
  body: ErrorEnvelope;
  retryAfterSeconds?: number;
}

/** A refusal an app's own framework made before any service ran (Fastify's body parser, say). */
export type ClientRefusal = { status: number; code: string; message: string };

/** The text of every 500: nothing about internals, the request id to quote. */
export const INTERNAL_ERROR_MESSAGE = "internal error; quote the request id when reporting it";

/**
 * The one place a thrown error becomes HTTP, for the API and the console alike. A lost or
 * unreachable database (or Redis) is UNAVAILABLE, 503 with Retry-After (`asUnavailable`: never an
 * allow, the client retries); a domain error keeps its status and text; `clientRefusal` names what
 * the app's framework refused; anything else is a 500 that carries the request id and no internal text.
 */
export function errorReplyOf(error: unknown, requestId: string, clientRefusal?: (error: unknown) => ClientRefusal | null): ErrorReply {
  const known = isDomainError(error) ? error : asUnavailable(error);
  if (known) {
    return {
      status: DOMAIN_ERROR_STATUS[known.code],
      ...(known.retryAfterSeconds !== undefined ? { retryAfterSeconds: known.retryAfterSeconds } : {}),
      body: { error: { code: known.code, message: known.message, ...(known.details !== undefined ? { details: known.details } : {}), requestId } },
    };
  }
  const refused = clientRefusal?.(error);
  if (refused) return { status: refused.status, body: { error: { code: refused.code, message: refused.message, requestId } } };
  return { status: 500, body: { error: { code: "INTERNAL", message: INTERNAL_ERROR_MESSAGE, requestId } } };
}

/** The response headers of an error reply: never cached, its request id, and Retry-After when it has one. */
export function errorReplyHeaders(reply: ErrorReply, requestId: string): Record<string, string> {
  return {
    "cache-control": "no-store",
    "x-request-id": requestId,
    ...(reply.retryAfterSeconds !== undefined ? { "retry-after": String(reply.retryAfterSeconds) } : {}),
  };
}
