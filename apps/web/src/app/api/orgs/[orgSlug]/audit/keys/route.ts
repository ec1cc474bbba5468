import type { NextRequest } from "next/server";
import { listSigningKeys } from "@gatehouse/db";
import type { SigningKeyList } from "@/lib/audit";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/audit/keys → { keys }: the org's checkpoint verifier keys, oldest first,
// retired ones included (old checkpoints verify with them). Public keys: every member may read them.
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read the audit keys", async (ctx, _params, requestId) => {
    const list: SigningKeyList = { keys: await listSigningKeys({ ctx }) };
    return jsonResponse(list, requestId);
  });
}
