import type { MemberView } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { listMembers } from "@gatehouse/db";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/members → { members }, owners first, then by email. Session (401), membership
// (another org is 404), then the service's permission members.read (403).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "list members", async (ctx, _params, requestId) => {
    const members: MemberView[] = await listMembers({ ctx });
    return jsonResponse({ members }, requestId);
  });
}
