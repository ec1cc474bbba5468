import type { NextRequest } from "next/server";
import { getPosture } from "@gatehouse/db";
import type { Posture } from "@gatehouse/contracts";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/posture → Posture: the score, its four components and their findings
// (docs/posture.md). Session (401), membership (another org is 404), then the service: posture.read
// (every role).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read the posture", async (ctx, _params, requestId) => {
    const posture: Posture = await getPosture({ ctx });
    return jsonResponse(posture, requestId);
  });
}
