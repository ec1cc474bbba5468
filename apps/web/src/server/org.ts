import "server-only";
import { cache } from "react";
import { randomUUID } from "node:crypto";
import { notFound } from "next/navigation";
import { getMemberContext, isDomainError, listMemberOrgs } from "@gatehouse/db";

/** The orgs the user belongs to, once per request (layout and page share it). */
export const getMemberOrgs = cache((userId: string) => listMemberOrgs({ userId }));

/**
 * The member context for an org page. Not a member (or no such org) renders the 404 page:
 * another org's slug looks exactly like one that does not exist.
 */
export const getOrgContextOrNotFound = cache(async (userId: string, orgSlug: string) => {
  try {
    return await getMemberContext({ userId, orgSlug, requestId: `req_${randomUUID()}` });
  } catch (error) {
    if (isDomainError(error) && error.code === "NOT_FOUND") notFound();
    throw error;
  }
});
