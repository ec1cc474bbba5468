import "server-only";
import { NextResponse } from "next/server";
import { describeConnectionFailure, DOMAIN_ERROR_STATUS, errorReplyHeaders, errorReplyOf, type DomainError, type ErrorEnvelope, type ErrorReply } from "@gatehouse/db";
import { formatIssuePath, inspectInput, MAX_REQUEST_DEPTH, notFound, validationError, zodIssues, type IdKind } from "@gatehouse/core";
import { idOf, orgSlugSchema } from "@gatehouse/contracts";
import type { z } from "zod";

/** A refusal the console makes itself (no session: 401), in the envelope every error has. */
export function errorResponse(code: DomainError["code"], message: string, requestId: string, details?: unknown): NextResponse<ErrorEnvelope> {
  return replyResponse({ status: DOMAIN_ERROR_STATUS[code], body: { error: { code, message, ...(details === undefined ? {} : { details }), requestId } } }, requestId);
}

/**
 * A thrown error as the API answers it (@gatehouse/db's errorReplyOf, shared with apps/api): a domain
 * error keeps its status, an unavailable database or Redis is 503 UNAVAILABLE with Retry-After,
 * anything else a 500 that leaks no internal text. Logged here: an outage as a warning, a bug with
 * its stack.
 */
export function toErrorReply(error: unknown, requestId: string): ErrorReply {
  const reply = errorReplyOf(error, requestId);
  if (reply.status === 503) console.warn(`[${requestId}] dependency unavailable; answered 503: ${describeConnectionFailure(error)}`);
  else if (reply.status >= 500) console.error(`[${requestId}] unhandled error`, error);
  return reply;
}

/**
 * An error after a stream's status was sent, as the stream's last line:
 * `{ status, retryAfterSeconds?, error }`, the envelope with its status beside it.
 */
export function toErrorBody(error: unknown, requestId: string): ErrorEnvelope & { status: number; retryAfterSeconds?: number } {
  const { status, body, retryAfterSeconds } = toErrorReply(error, requestId);
  return { status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }), ...body };
}

export function toErrorResponse(error: unknown, requestId: string): NextResponse<ErrorEnvelope> {
  return replyResponse(toErrorReply(error, requestId), requestId);
}

function replyResponse(reply: ErrorReply, requestId: string): NextResponse<ErrorEnvelope> {
  return NextResponse.json(reply.body, { status: reply.status, headers: errorReplyHeaders(reply, requestId) });
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
 * or shape is a 400 naming it.
 */
export async function checkedParams<P extends { orgSlug: string }>(params: Promise<P>, ids: Record<string, IdKind> = {}): Promise<P> {
  const resolved = await params;
  if (!orgSlugSchema.safeParse(resolved.orgSlug).success) throw notFound("organization");
  for (const [name, kind] of Object.entries(ids)) {
    const parsed = idOf(kind).safeParse((resolved as Record<string, unknown>)[name]);
    if (!parsed.success) throw validationError(zodIssues(parsed.error, [name]));
  }
  return resolved;
}
