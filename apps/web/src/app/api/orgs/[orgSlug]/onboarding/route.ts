import type { NextRequest } from "next/server";
import { getOnboardingState } from "@gatehouse/db";
import type { OnboardingState } from "@/lib/onboarding";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/onboarding → OnboardingState: which steps of the org home's checklist are
// done (an agent, its key, a policy, the first call). Session (401), membership (another org is 404),
// then the service: agents.read (every role).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read the onboarding checklist", async (ctx, _params, requestId) => {
    const state: OnboardingState = await getOnboardingState({ ctx });
    return jsonResponse(state, requestId);
  });
}
