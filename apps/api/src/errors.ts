import { describeConnectionFailure, errorReplyOf, type ClientRefusal, type ErrorReply } from "@gatehouse/db";
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

/** Fastify's own client errors (body too large, not JSON, …) with the API's codes and texts. */
function fastifyClientError(error: unknown): ClientRefusal | null {
  if (typeof error !== "object" || error === null) return null;
  const { statusCode, code, message } = error as Partial<FastifyError>;
  if (typeof statusCode !== "number" || statusCode < 400 || statusCode >= 500) return null;
  const refusal = (status: number, text: string): ClientRefusal => ({ status, code: CODE_BY_STATUS[status] ?? "BAD_REQUEST", message: text });
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") return refusal(413, "request body is too large (64 KB; a policy draft: 2 MB)");
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return refusal(415, "send the body as application/json");
  if (code === "FST_ERR_CTP_EMPTY_JSON_BODY") return refusal(400, "body is empty but content-type is application/json");
  if (code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError) return refusal(400, "body is not valid JSON");
  return refusal(statusCode, message ?? "bad request");
}

/**
 * The API's error mapping: @gatehouse/db's `errorReplyOf`, which the console shares (a lost database
 * or Redis is 503 UNAVAILABLE with Retry-After, domain errors keep their meaning, anything else is a
 * 500 with the request id), plus Fastify's own client errors.
 */
export function toErrorResponse(error: unknown, requestId: string): ErrorReply {
  return errorReplyOf(error, requestId, fastifyClientError);
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
