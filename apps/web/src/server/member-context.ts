import "server-only";
import { checkSessionSignInPolicy, getMemberContext, type Ctx } from "@gatehouse/db";
import type { SessionUser } from "./session";

/**
 * A signed-in user's context in one of their orgs, as every console path that acts checks it: membership first
 * (another org's slug, or none, is NOT_FOUND), then the org's sign-in rule for this session (a password session in an
 * org that requires single sign-on is FORBIDDEN with `details.reason` SSO_REQUIRED). Route handlers (memberRoute) and
 * server actions both go through it; org pages map its two refusals to the 404 page and the SSO page (./org.ts).
 */
export async function memberContext(user: Pick<SessionUser, "id" | "signInMethod">, orgSlug: string, requestId: string): Promise<Ctx> {
  const ctx = await getMemberContext({ userId: user.id, orgSlug, requestId });
  await checkSessionSignInPolicy({ ctx, signInMethod: user.signInMethod });
  return ctx;
}
