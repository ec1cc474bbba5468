import { revokeDelegation } from "@gatehouse/db";
import type { RevokedDelegations } from "@/lib/delegations";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/delegations/[delegationId]/revoke (no body) → RevokedDelegations:
// the delegation and every descendant still active are revoked (their keys, their pending approvals).
// Session (401), membership (another org is 404), delegations.revoke (403);
// another org's delegation is 404. Revoking twice answers an empty list.
export const POST = memberRoute(
  { what: "revoke delegations", params: { delegationId: "delegation" }, permission: "delegations.revoke" },
  async ({ ctx, params: { delegationId }, requestId }) => {
    const revoked: RevokedDelegations = await revokeDelegation({ ctx, input: { delegationId } });
    return jsonResponse(revoked, requestId);
  },
);
