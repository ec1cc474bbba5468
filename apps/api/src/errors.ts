import { DOMAIN_ERROR_STATUS, isDomainError } from "@gatehouse/core";
import { asUnavailable, describeConnectionFailure } from "@gatehouse/db";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

const CODE_BY_STATUS: Record<number, string> = {
  400: "VALIDATION",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  503: "UNAVAILABLE",
};

export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown; requestId: string };
}

function fastifyClientError(error: unknown): { status: number; message: string } | null {
  if (typeof error !== "object" || error === null) return null;
  const { statusCode, code, message } = error as Partial<FastifyError>;
  if (typeof statusCode !== "number" || statusCode < 400 || statusCode >= 500) return null;
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") return { status: 413, message: "request body is too large (64 KB; a policy draft: 2 MB)" };
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return { status: 415, message: "send the body as application/json" };
  if (code === "FST_ERR_CTP_EMPTY_JSON_BODY") return { status: 400, message: "body is empty but content-type is application/json" };
  if (code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError) return { status: 400, message: "body is not valid JSON" };
  return { status: statusCode, message: message ?? "bad request" };
}

/**
 * The one place errors become HTTP. Domain errors and Fastify's own client errors keep their
 * meaning; a lost or unreachable database (or Redis) is UNAVAILABLE, 503 with Retry-After
 * (@gatehouse/db's `asUnavailable`: never an allow, the client retries with the same eventId);
 * anything else is a 500 that says nothing about internals and carries the request id.
 */
export function toErrorResponse(error: unknown, requestId: string): { status: number; body: ErrorEnvelope; retryAfterSeconds?: number } {
  const outage = isDomainError(error) ? null : asUnavailable(error);
  if (outage) return toErrorResponse(outage, requestId);
  if (isDomainError(error)) {
    return {
      status: DOMAIN_ERROR_STATUS[error.code],
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
      body: { error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}), requestId } },
    };
  }
  const client = fastifyClientError(error);
  if (client) {
    return { status: client.status, body: { error: { code: CODE_BY_STATUS[client.status] ?? "BAD_REQUEST", message: client.message, requestId } } };
  }
  return { status: 500, body: { error: { code: "INTERNAL", message: "internal error; quote the request id when reporting it", requestId } } };
}

/** Outage warnings: the first at once, then at most one per interval with how many were left out. */
const OUTAGE_LOG_INTERVAL_MS = 5_000;
let outageLoggedAt = 0;
let outageSuppressed = 0;

function logOutage(request: FastifyRequest, error: unknown): void {
  const now = Date.now();
  if (now - outageLoggedAt < OUTAGE_LOG_INTERVAL_MS) {
    outageSuppressed += 1;
    return;
  }
  request.log.warn({ cause: describeConnectionFailure(error), similarSinceLast: outageSuppressed }, "dependency unavailable; answered 503");
  outageLoggedAt = now;
  outageSuppressed = 0;
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, retryAfterSeconds } = toErrorResponse(error, request.id);
  // A 503 is the database or Redis away: an outage, logged at warn (throttled), not a bug.
  if (status === 503) logOutage(request, error);
  else if (status >= 500) request.log.error({ err: error }, "unhandled error");
  if (retryAfterSeconds !== undefined) void reply.header("retry-after", String(retryAfterSeconds));
  void reply.status(status).send(body);
}
