import type { NextRequest } from "next/server";
import { requirePermission, revokeDelegation } from "@gatehouse/db";
import type { RevokedDelegations } from "@/lib/delegations";
import { checkedParams, jsonResponse } from "@/server/http";
import { readJsonBody } from "@/server/json-body";
import { withMember } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/delegations/[delegationId]/revoke (JSON body, may be {}) → RevokedDelegations:
// the delegation and every descendant still active are revoked (their keys, their pending approvals).
// Session (401), membership (another org is 404), delegations.revoke (403);
// another org's delegation is 404. Revoking twice answers an empty list.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; delegationId: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params, { delegationId: "delegation" }), "revoke delegations", async (ctx, { delegationId }, requestId) => {
    requirePermission(ctx, "delegations.revoke");
    await readJsonBody(request);
    const revoked: RevokedDelegations = await revokeDelegation({ ctx, input: { delegationId } });
    return jsonResponse(revoked, requestId);
  });
}
