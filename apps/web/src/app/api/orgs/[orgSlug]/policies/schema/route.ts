import type { NextRequest } from "next/server";
import { policySetBodySchema } from "@gatehouse/contracts";
import { z } from "zod";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/policies/schema → the policy set's JSON Schema (generated from the contract,
// as the author writes it: defaults optional; draft-07, which the editor's validator reads), for the editor's completion, hover docs and checks.
// Session (401), membership (404); every member. The same for every org: computed once per process.
let cached: unknown;

export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read the policy schema", async (_ctx, _params, requestId) => {
    cached ??= z.toJSONSchema(policySetBodySchema, { io: "input", unrepresentable: "any", target: "draft-07" });
    return jsonResponse(cached, requestId);
  });
}
