import { adminKeyListSchema, issueAdminKeyBodySchema, issuedAdminKeySchema, revokedKeySchema } from "../agents";
import { apiKeyIdParams } from "../common";
import type { RouteContract } from "./contract";
import { issueIdempotencyHeaders } from "./idempotency";

/** Members' personal admin keys, and revoking any key of the org (an agent's too). */
export const keyRoutes = [
  {
    operationId: "listAdminKeys",
    method: "GET",
    path: "/v1/admin/keys",
    summary: "Personal admin keys (without secrets)",
    description:
      "The caller's own admin keys, and those of the members whose role theirs ranks at least as high as: an owner sees every member's, an admin their own and other admins'; an approver or an auditor (`keys.own` without `keys.manage`) their own only. Revoked and expired keys are listed too. Agents' keys are listed per agent.",
    tag: "Agents",
    auth: "admin",
    permission: "keys.own",
    success: { status: 200, description: "The keys, newest first.", json: adminKeyListSchema },
  },
  {
    operationId: "issueAdminKey",
    method: "POST",
    path: "/v1/admin/keys",
    summary: "Issue a personal admin key for the calling member",
    description:
      "The key belongs to the member whose key makes the call and acts with that member's role at the time of each request: it reaches what that role may and never more (approvers and auditors may hold one: `keys.own`). A role change or a removal revokes it. Without `expiresInDays` it does not expire. The key is answered once; only its hash is stored.",
    tag: "Agents",
    auth: "admin",
    permission: "keys.own",
    headers: issueIdempotencyHeaders("the key the first call issued, never a second key"),
    body: issueAdminKeyBodySchema,
    bodyOptional: true,
    success: { status: 201, description: "The key (shown once).", json: issuedAdminKeySchema },
  },
  {
    operationId: "refreshAdminKey",
    method: "POST",
    path: "/v1/admin/keys/:id/refresh",
    summary: "Refresh an expiring admin key with itself",
    description:
      "For a key that refreshes (one `gatehouse login --web` collected, which lives 30 days): called with that very key before it expires, answers a new key of the same member and name that expires 30 days from now, and revokes the calling key at once (`key.issued`, `key.revoked`). Any other caller is refused (403); a key that does not refresh, or was revoked or expired meanwhile, is a 409.",
    tag: "Agents",
    auth: "admin",
    permission: "keys.own",
    params: apiKeyIdParams,
    success: { status: 201, description: "The new key (shown once); the calling key no longer works.", json: issuedAdminKeySchema },
  },
  {
    operationId: "revokeKey",
    method: "DELETE",
    path: "/v1/admin/keys/:id",
    summary: "Revoke an API key",
    description:
      "The key stops working on every instance at its next request. An agent's key takes with it the delegations made with it and, for a delegate's key, the delegate's own delegation, each with its whole subtree (their keys answer 401 DELEGATION_REVOKED). A member's admin key only from a role ranking at least as high; without `keys.manage` (an approver, an auditor), one's own admin keys only (403).",
    tag: "Agents",
    auth: "admin",
    permission: "keys.own",
    params: apiKeyIdParams,
    success: { status: 200, description: "The revoked key.", json: revokedKeySchema },
  },
] as const satisfies readonly RouteContract[];
