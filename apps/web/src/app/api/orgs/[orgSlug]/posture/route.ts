import { getPosture } from "@gatehouse/db";
import type { Posture } from "@gatehouse/contracts";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/posture → Posture: the score, its four components and their findings
// (docs/posture.md). Session (401), membership (another org is 404), then the service: posture.read
// (every role).
export const GET = memberRoute({ what: "read the posture" }, async ({ ctx, requestId }) => {
  const posture: Posture = await getPosture({ ctx });
  return jsonResponse(posture, requestId);
});
