import "server-only";
import type { NextRequest } from "next/server";
import { checkSessionSignInPolicy, getMemberContext, type Ctx } from "@gatehouse/db";
import { errorResponse, toErrorResponse } from "./http";
import { requestIdFrom } from "./request-id";
import { getSessionUser } from "./session";

/**
 * The preamble of every org-scoped route handler: a session (401 "Sign in to <what>."), then
 * membership of the org (another org is 404), then the org's sign-in policy (a password session in an
 * org that requires single sign-on is 403), then `run` with the member's context; anything it throws
 * becomes the one error envelope.
 */
export async function withMember<P extends { orgSlug: string }>(
  request: NextRequest,
  params: Promise<P>,
  what: string,
  run: (ctx: Ctx, params: P, requestId: string) => Promise<Response>,
): Promise<Response> {
  const requestId = requestIdFrom(request.headers);
  const user = await getSessionUser();
  if (!user) return errorResponse("UNAUTHENTICATED", `Sign in to ${what}.`, requestId);
  try {
    const resolved = await params;
    const ctx = await getMemberContext({ userId: user.id, orgSlug: resolved.orgSlug, requestId });
    await checkSessionSignInPolicy({ ctx, signInMethod: user.signInMethod });
    return await run(ctx, resolved, requestId);
  } catch (error) {
    return toErrorResponse(error, requestId);
  }
}
