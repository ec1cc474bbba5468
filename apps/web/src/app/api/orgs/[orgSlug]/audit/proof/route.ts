import { proofQuerySchema } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { getAuditProof } from "@gatehouse/db";
import { checkedParams, jsonResponse, parseInput, queryInput } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/audit/proof?entryId= (or ?seq=&treeSize=) → the entry's inclusion proof,
// against a fresh signed checkpoint unless a tree size is named; ?from=&to= → a consistency proof.
// Session (401), membership (another org is 404), then the service: the query (400 naming the
// field), an entry of another org or none (404).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read audit proofs", async (ctx, _params, requestId) => {
    const proof = await getAuditProof({ ctx, input: parseInput(proofQuerySchema, queryInput(request)) });
    return jsonResponse(proof, requestId);
  });
}
