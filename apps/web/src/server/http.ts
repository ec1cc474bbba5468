import "server-only";
import { NextResponse } from "next/server";
import { DOMAIN_ERROR_STATUS, isDomainError, type DomainError } from "@gatehouse/db";
import { formatIssuePath, inspectInput, MAX_REQUEST_DEPTH, notFound, validationError, zodIssues, type IdKind } from "@gatehouse/core";
import { idOf, orgSlugSchema } from "@gatehouse/contracts";
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
export function jsonResponse(body: unknown, requestId: string, status = 200): NextResponse {
  return NextResponse.json(body, { status, headers: { "cache-control": "no-store", "x-request-id": requestId } });
}

/**
 * Query parameters as a service input; an empty field (a cleared form input) counts as absent. A
 * parameter given more than once is refused (400 naming it), as the API refuses it: taking one of
 * the values silently would filter by something the caller did not mean.
 */
export function queryInput(request: { nextUrl: URL }): Record<string, string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const [name] of request.nextUrl.searchParams) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  if (repeated.size > 0) throw validationError([...repeated].map((name) => ({ path: name, message: "must be given once" })));
  return Object.fromEntries([...request.nextUrl.searchParams].filter(([, value]) => value !== ""));
}

/**
 * A request part parsed by its contract schema (@gatehouse/contracts); a refusal throws the VALIDATION
 * error whose issues name each field, which the route's error envelope turns into a 400. Text that
 * PostgreSQL cannot store (NUL, an unpaired surrogate) and nesting deeper than any schema allows are
 * refused first, wherever they are.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const unsafe = inspectInput(value, { maxDepth: MAX_REQUEST_DEPTH });
  if (unsafe) throw validationError([{ path: formatIssuePath(unsafe.path), message: unsafe.message }]);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  return parsed.data;
}

/**
 * The path parameters of an org-scoped route, checked before anything is looked up: a slug that
 * cannot be an org's is the same 404 as an org the user is not a member of; an id of the wrong kind
 * or shape is a 400 naming it. Hand the result to withMember in place of the raw params (it awaits
 * them inside its error handling).
 */
export function checkedParams<P extends { orgSlug: string }>(params: Promise<P>, ids: Partial<Record<Exclude<keyof P, "orgSlug">, IdKind>> = {}): Promise<P> {
  const checked = params.then((resolved) => {
    if (!orgSlugSchema.safeParse(resolved.orgSlug).success) throw notFound("organization");
    for (const [name, kind] of Object.entries(ids) as Array<[string, IdKind]>) {
      const parsed = idOf(kind).safeParse((resolved as Record<string, unknown>)[name]);
      if (!parsed.success) throw validationError(zodIssues(parsed.error, [name]));
    }
    return resolved;
  });
  // Handled where withMember awaits it; this keeps a refusal from counting as unhandled before then
  // (or at all, when the caller has no session and the params are never read).
  checked.catch(() => {});
  return checked;
}
