import "server-only";
import { cache } from "react";
import { randomUUID } from "node:crypto";
import { notFound, redirect } from "next/navigation";
import { checkSessionSignInPolicy, getMemberContext, isDomainError, listMemberOrgs, SSO_REQUIRED } from "@gatehouse/db";
import { getSessionUser } from "./session";

/** The page a member lands on when their org requires single sign-on and they signed in with a password. */
export function ssoRequiredPath(orgSlug: string): string {
  return `/sso-required?${new URLSearchParams({ org: orgSlug })}`;
}

/** The orgs the user belongs to, once per request (layout and page share it). */
export const getMemberOrgs = cache((userId: string) => listMemberOrgs({ userId }));

/**
 * The member context for an org page. Not a member (or no such org) renders the 404 page:
 * another org's slug looks exactly like one that does not exist. A member whose session signed in
 * with a password, in an org that requires single sign-on, is sent to SSO_REQUIRED's page.
 */
export const getOrgContextOrNotFound = cache(async (userId: string, orgSlug: string) => {
  let ctx;
  try {
    ctx = await getMemberContext({ userId, orgSlug, requestId: `req_${randomUUID()}` });
  } catch (error) {
    if (isDomainError(error) && error.code === "NOT_FOUND") notFound();
    throw error;
  }
  try {
    await checkSessionSignInPolicy({ ctx, signInMethod: (await getSessionUser())?.signInMethod ?? "password" });
  } catch (error) {
    if (isDomainError(error) && (error.details as { reason?: unknown } | undefined)?.reason === SSO_REQUIRED) redirect(ssoRequiredPath(ctx.org.slug));
    throw error;
  }
  return ctx;
});
