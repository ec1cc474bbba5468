import "server-only";
import { NextResponse } from "next/server";
import { isDomainError, type DomainError } from "@gatehouse/db";

/** Every error the console's route handlers send: `{ error: { code, message, details?, requestId } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId: string };
}

// Exhaustive over the closed set of domain error codes: a new code fails the type check here.
const STATUS: Record<DomainError["code"], number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
};

export function errorResponse(
  code: DomainError["code"] | "INTERNAL",
  message: string,
  requestId: string,
  details?: unknown,
): NextResponse<ErrorBody> {
  const body: ErrorBody = {
    error: { code, message, ...(details === undefined ? {} : { details }), requestId },
  };
  return NextResponse.json(body, {
    status: code === "INTERNAL" ? 500 : STATUS[code],
    headers: { "cache-control": "no-store", "x-request-id": requestId },
  });
}

/** The one place a thrown error becomes an HTTP answer. Unknown errors leak no internal text. */
export function toErrorResponse(error: unknown, requestId: string): NextResponse<ErrorBody> {
  if (isDomainError(error)) {
    return errorResponse(error.code, error.message, requestId, error.details);
  }
  console.error(`[${requestId}] unhandled error`, error);
  return errorResponse("INTERNAL", "Something went wrong. Quote the request id when reporting this.", requestId);
}
