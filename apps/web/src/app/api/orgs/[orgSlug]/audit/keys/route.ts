import { listSigningKeys } from "@gatehouse/db";
import type { SigningKeyList } from "@/lib/audit";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/audit/keys → { keys }: the org's checkpoint verifier keys, oldest first,
// retired ones included (old checkpoints verify with them). Public keys: every member may read them.
export const GET = memberRoute({ what: "read the audit keys" }, async ({ ctx, requestId }) => {
  const list: SigningKeyList = { keys: await listSigningKeys({ ctx }) };
  return jsonResponse(list, requestId);
});
