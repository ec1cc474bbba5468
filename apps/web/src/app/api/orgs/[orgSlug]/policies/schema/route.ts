import { policySetBodySchema } from "@gatehouse/contracts";
import { z } from "zod";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/policies/schema → the policy set's JSON Schema (generated from the contract,
// as the author writes it: defaults optional; draft-07, which the editor's validator reads), for the editor's completion, hover docs and checks.
// Session (401), membership (404); every member. The same for every org: computed once per process.
let cached: unknown;

export const GET = memberRoute({ what: "read the policy schema" }, async ({ requestId }) => {
  cached ??= z.toJSONSchema(policySetBodySchema, { io: "input", unrepresentable: "any", target: "draft-07" });
  return jsonResponse(cached, requestId);
});
