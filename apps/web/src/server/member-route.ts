import "server-only";
import type { NextRequest } from "next/server";
import { carriesBody, undeclaredBody, type IdKind } from "@gatehouse/core";
import { orgTurns, requirePermission, type Ctx, type Permission } from "@gatehouse/db";
import type { z } from "zod";
import { checkedParams, errorResponse, jsonResponse, parseInput, queryInput, toErrorResponse } from "./http";
import { readJsonBody } from "./json-body";
import { memberContext } from "./member-context";
import { markWrite, routeReads } from "./reads";
import { requestIdFrom } from "./request-id";
import { getSessionUser } from "./session";

/** A path parameter beside the org's slug: an id of a kind (checked before any lookup), or free text the handler checks. */
type ParamKind = IdKind | "text";

/** What a console route declares, as the API's routes declare it in their contracts. */
export interface MemberRouteSpec<Params extends Record<string, ParamKind>, Query extends z.ZodType | undefined, Body extends z.ZodType | undefined> {
  /** What the route does, for the 401: "Sign in to <what>." */
  what: string;
  /** The path parameters other than the org's slug. */
  params?: Params;
  /** The catalogue permission (packages/core) a member needs, checked before the query or the body is read. */
  permission?: Permission;
  /** The query's contract schema: a refusal is a 400 naming the parameter. */
  query?: Query;
  /** The JSON body's contract schema: read by the one reader (application/json only, size-capped), then parsed. Without it, the route takes no body: one is refused (400 naming `body`) before it is read. */
  body?: Body;
  /** As an API route contract's `orgTurn`: one call of the org at a time in this process, from before the body is read to the answer. */
  orgTurn?: "policy editing";
  /**
   * GET only: the answer may come from the streaming replica (server/reads.ts; docs/deploying.md), within its lag
   * bound and never without the member's own writes. Only for reads nothing refetches on a live event: a refetch
   * an event triggers must see what the event announced, which the primary has and a replica may not yet.
   */
  replicaReads?: true;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface MemberRequest<Params, Query, Body> {
  ctx: Ctx;
  params: { orgSlug: string } & { [K in keyof Params]: string };
  query: Parsed<Query>;
  body: Parsed<Body>;
  request: NextRequest;
  requestId: string;
}

/**
 * The one edge of the console's org-scoped route handlers. In order: a session (401 "Sign in to
 * <what>."); the path (a slug that cannot be an org's is 404, an id of the wrong kind a 400 naming
 * it); membership of the org (another org is 404); the org's sign-in policy (a password session in an
 * org that requires single sign-on is 403); the route's permission (403, before anything is parsed);
 * a body on a route that declares none (400 naming `body`, unread); the org's turn when the route
 * names one (`orgTurn`); the query, then the JSON body, each by its contract schema (400 naming the
 * field); then `run`.
 * What `run` returns is sent as JSON (200) unless it is a Response already; anything thrown becomes
 * the error envelope the API sends (@gatehouse/db's errorReplyOf: an unavailable database is 503
 * with Retry-After).
 */
export function memberRoute<
  Params extends Record<string, ParamKind> = Record<never, ParamKind>,
  Query extends z.ZodType | undefined = undefined,
  Body extends z.ZodType | undefined = undefined,
>(
  spec: MemberRouteSpec<Params, Query, Body>,
  run: (input: MemberRequest<Params, Query, Body>) => Promise<unknown>,
): (request: NextRequest, context: { params: Promise<{ orgSlug: string } & { [K in keyof Params]: string }> }) => Promise<Response> {
  const ids = Object.fromEntries(Object.entries(spec.params ?? {}).filter(([, kind]) => kind !== "text")) as Record<string, IdKind>;
  return async (request, context) => {
    const requestId = requestIdFrom(request.headers);
    try {
      const user = await getSessionUser();
      if (!user) return errorResponse("UNAUTHENTICATED", `Sign in to ${spec.what}.`, requestId);
      const params = await checkedParams(context.params, ids);
      const ctx = await memberContext(user, params.orgSlug, requestId);
      if (spec.permission) requirePermission(ctx, spec.permission);
      // A route that declares no body takes none: one it does not define can never change what it does.
      if (!spec.body && carriesBody(request.headers.get("content-length"), request.headers.get("transfer-encoding"))) throw undeclaredBody();
      const release = spec.orgTurn ? await orgTurns(spec.orgTurn).acquire(ctx.org.id, spec.orgTurn) : undefined;
      try {
        const query = (spec.query ? parseInput(spec.query, queryInput(request)) : undefined) as Parsed<Query>;
        const body = (spec.body ? parseInput(spec.body, await readJsonBody(request)) : undefined) as Parsed<Body>;
        // A read that may be answered by the replica is (never with less than the member's own last write); a
        // write's answer tells the member's later reads where it ended (server/reads.ts).
        const reads = request.method === "GET" || request.method === "HEAD";
        const input = { ctx, params, query, body, request, requestId };
        const answer = reads && spec.replicaReads ? await routeReads(request, () => run(input)) : await run(input);
        const response = answer instanceof Response ? answer : jsonResponse(answer, requestId);
        return reads || response.status >= 400 ? response : await markWrite(request, response);
      } finally {
        release?.();
      }
    } catch (error) {
      return toErrorResponse(error, requestId);
    }
  };
}
