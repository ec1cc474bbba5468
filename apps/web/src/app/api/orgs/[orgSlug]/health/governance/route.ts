import { getGovernanceHealth } from "@gatehouse/db";
import type { GovernanceHealth } from "@gatehouse/contracts";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/health/governance → GovernanceHealth: what an on-call person checks first
// (docs/audit.md, Governance health). Session (401), membership (another org is 404), then the
// service: audit.verify (owners, admins, auditors).
export const GET = memberRoute({ what: "read the governance health" }, async ({ ctx, requestId }) => {
  const health: GovernanceHealth = await getGovernanceHealth({ ctx });
  return jsonResponse(health, requestId);
});
