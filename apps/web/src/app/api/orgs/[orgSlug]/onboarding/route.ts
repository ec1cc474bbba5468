import { getOnboardingState } from "@gatehouse/db";
import type { OnboardingState } from "@/lib/onboarding";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/onboarding → OnboardingState: which steps of the org home's checklist are
// done (an agent, its key, a policy, the first call). Session (401), membership (another org is 404),
// then the service: agents.read (every role).
export const GET = memberRoute({ what: "read the onboarding checklist" }, async ({ ctx, requestId }) => {
  const state: OnboardingState = await getOnboardingState({ ctx });
  return jsonResponse(state, requestId);
});
