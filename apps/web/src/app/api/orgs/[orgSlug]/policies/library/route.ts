import type { NextRequest } from "next/server";
import { policyLibrary } from "@gatehouse/core";
import type { PolicyLibrary } from "@/lib/policies";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/policies/library → the template library (core's POLICY_TEMPLATES, grouped by
// POLICY_PACKS), as GET /v1/admin/policies/library answers it. Session (401), membership (404); every member.
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read the policy library", async (_ctx, _params, requestId) => {
    const library = policyLibrary() as unknown as PolicyLibrary;
    return jsonResponse(library, requestId);
  });
}
