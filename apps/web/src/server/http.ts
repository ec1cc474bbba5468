import "server-only";
import { NextResponse } from "next/server";
import { DOMAIN_ERROR_STATUS, isDomainError, type DomainError } from "@gatehouse/db";
import { validationError, zodIssues } from "@gatehouse/core";
import type { z } from "zod";

/** Every error the console's route handlers send: `{ error: { code, message, details?, requestId } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId: string };
}

export function errorResponse(code: DomainError["code"] | "INTERNAL", message: string, requestId: string, details?: unknown): NextResponse<ErrorBody> {
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
export function toErrorBody(error: unknown, requestId: string): ErrorBody & { status: number; retryAfterSeconds?: number } {
  if (isDomainError(error)) {
    const details = error.details === undefined ? {} : { details: error.details };
    const retry = error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds };
    return { status: DOMAIN_ERROR_STATUS[error.code], ...retry, error: { code: error.code, message: error.message, ...details, requestId } };
  }
  console.error(`[${requestId}] unhandled error`, error);
  return { status: 500, error: { code: "INTERNAL", message: "Something went wrong. Quote the request id when reporting this.", requestId } };
}

export function toErrorResponse(error: unknown, requestId: string): NextResponse<ErrorBody> {
  const { status, retryAfterSeconds, ...body } = toErrorBody(error, requestId);
  const retry: Record<string, string> = retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) };
  return NextResponse.json(body, { status, headers: { "cache-control": "no-store", "x-request-id": requestId, ...retry } });
}

/** A JSON answer that is never cached, with its request id. */
export function jsonResponse(body: unknown, requestId: string): NextResponse {
  return NextResponse.json(body, { headers: { "cache-control": "no-store", "x-request-id": requestId } });
}

/** Query parameters as a service input; an empty field (a cleared form input) counts as absent. */
export function queryInput(request: { nextUrl: URL }): Record<string, string> {
  return Object.fromEntries([...request.nextUrl.searchParams].filter(([, value]) => value !== ""));
}

/**
 * A request part parsed by its contract schema (@gatehouse/contracts); a refusal throws the VALIDATION
 * error whose issues name each field, which the route's error envelope turns into a 400.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  return parsed.data;
}
