import type { RemovedMember } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { leaveOrg } from "@gatehouse/db";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/members/leave → RemovedMember: the signed-in member leaves the org. Session
// (401), membership (another org is 404); every member may leave except the last owner (409).
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "leave the organization", async (ctx, _params, requestId) => {
    const removed: RemovedMember = await leaveOrg({ ctx });
    return jsonResponse(removed, requestId);
  });
}
