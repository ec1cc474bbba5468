import type { MemberView } from "@gatehouse/contracts";
import { listMembers } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/members → { members }, owners first, then by email. Session (401), membership
// (another org is 404), then the service's permission members.read (403).
export const GET = memberRoute({ what: "list members", replicaReads: true }, async ({ ctx, requestId }) => {
  const members: MemberView[] = await listMembers({ ctx });
  return jsonResponse({ members }, requestId);
});
