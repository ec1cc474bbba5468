import "server-only";
import { NextResponse } from "next/server";
import { DOMAIN_ERROR_STATUS, isDomainError, type DomainError } from "@gatehouse/db";

/** Every error the console's route handlers send: `{ error: { code, message, details?, requestId } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId: string };
}

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
    status: code === "INTERNAL" ? 500 : DOMAIN_ERROR_STATUS[code],
    headers: { "cache-control": "no-store", "x-request-id": requestId },
  });
}

/**
 * The one place a thrown error becomes an error envelope and its status. Unknown errors leak no
 * internal text. Streamed answers use it too, for an error after their status was sent.
 */
export function toErrorBody(error: unknown, requestId: string): ErrorBody & { status: number } {
  if (isDomainError(error)) {
    const details = error.details === undefined ? {} : { details: error.details };
    return { status: DOMAIN_ERROR_STATUS[error.code], error: { code: error.code, message: error.message, ...details, requestId } };
  }
  console.error(`[${requestId}] unhandled error`, error);
  return { status: 500, error: { code: "INTERNAL", message: "Something went wrong. Quote the request id when reporting this.", requestId } };
}

export function toErrorResponse(error: unknown, requestId: string): NextResponse<ErrorBody> {
  const { status, ...body } = toErrorBody(error, requestId);
  return NextResponse.json(body, { status, headers: { "cache-control": "no-store", "x-request-id": requestId } });
}

/** A 400 for a query or body the route's zod schema rejected, naming each field like the services do. */
export function invalidInputResponse(
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
  requestId: string,
  where: "query" | "body",
): NextResponse<ErrorBody> {
  const issues = error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || where, message: issue.message }));
  const [only] = issues;
  const message = issues.length === 1 && only ? `${only.path}: ${only.message}` : `Invalid ${where === "query" ? "query parameters" : "request body"}`;
  return errorResponse("VALIDATION", message, requestId, { issues });
}

/** A JSON answer that is never cached, with its request id. */
export function jsonResponse(body: unknown, requestId: string): NextResponse {
  return NextResponse.json(body, { headers: { "cache-control": "no-store", "x-request-id": requestId } });
}

/** Query parameters as a service input; an empty field (a cleared form input) counts as absent. */
export function queryInput(request: { nextUrl: URL }): Record<string, string> {
  return Object.fromEntries([...request.nextUrl.searchParams].filter(([, value]) => value !== ""));
}
