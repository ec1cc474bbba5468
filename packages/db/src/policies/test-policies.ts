import type { PolicyTestRun } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { checkPolicySetOffLoop } from "./check-policies";

/**
 * Runs a set's tests against its policies with the decision engine (core's runPolicyTests), as
 * publishing does; writes nothing. A set or test that does not parse is a VALIDATION error naming
 * the field (`policies[1].effect`, `tests[0].expect.effect`). Parsed and run on the work pool, in the org's turn.
 */
export async function testPolicies({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<PolicyTestRun> {
  requirePermission(ctx, "policies.write");
  return (await checkPolicySetOffLoop(ctx.org.id, input, ["run"])).run;
}
