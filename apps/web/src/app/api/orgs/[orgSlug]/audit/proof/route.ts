import { proofQuerySchema } from "@gatehouse/contracts";
import { getAuditProof } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/audit/proof?entryId= (or ?seq=&treeSize=) → the entry's inclusion proof,
// against a fresh signed checkpoint unless a tree size is named; ?from=&to= → a consistency proof.
// Session (401), membership (another org is 404), then the service: the query (400 naming the
// field), an entry of another org or none (404).
export const GET = memberRoute({ what: "read audit proofs", query: proofQuerySchema }, async ({ ctx, query, requestId }) => {
  const proof = await getAuditProof({ ctx, input: query });
  return jsonResponse(proof, requestId);
});
