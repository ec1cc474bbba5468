import { closedOrgSchema, closeOrgBodySchema, orgSchema, updateOrgBodySchema } from "../members";
import type { RouteContract } from "./contract";

/** The org itself: its name and slug, and closing it. */
export const orgRoutes = [
  {
    operationId: "getOrg",
    method: "GET",
    path: "/v1/admin/org",
    summary: "The org: name, slug, member count",
    description: "Every member may read it.",
    tag: "Organization",
    auth: "admin",
    success: { status: 200, description: "The org.", json: orgSchema },
  },
  {
    operationId: "updateOrg",
    method: "PATCH",
    path: "/v1/admin/org",
    summary: "Rename the org or change its slug",
    description: "A slug another org has is a 409. The console's URLs carry the slug: links with the old one stop working. API keys are unaffected.",
    tag: "Organization",
    auth: "admin",
    permission: "org.write",
    body: updateOrgBodySchema,
    success: { status: 200, description: "The org after the change.", json: orgSchema },
  },
  {
    operationId: "closeOrg",
    method: "POST",
    path: "/v1/admin/org/close",
    summary: "Close the org (owners only; cannot be undone)",
    description:
      "The body must carry `confirm`: the org's slug (else 400 naming `confirm`). Every agent key and admin key of the org stops working at its next request on every instance (401 UNAUTHENTICATED, its message saying the organization is closed), members other than owners lose access, pending approvals are cancelled, and every further change is refused (409 ORG_CLOSED). The audit log, its signing keys and checkpoints are kept: owners read, export and verify it in the console. There is no reopening.",
    tag: "Organization",
    auth: "admin",
    permission: "org.close",
    body: closeOrgBodySchema,
    success: { status: 200, description: "The closed org.", json: closedOrgSchema },
  },
] as const satisfies readonly RouteContract[];
