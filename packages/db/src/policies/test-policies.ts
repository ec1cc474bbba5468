import type { PolicyTestRun } from "@gatehouse/contracts";
import { parsePolicySetWithTests, runPolicyTests } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";

/**
 * Runs a set's tests against its policies with the decision engine (core's runPolicyTests), as
 * publishing does; writes nothing. A set or test that does not parse is a VALIDATION error naming
 * the field (`policies[1].effect`, `tests[0].expect.effect`).
 */
export async function testPolicies({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<PolicyTestRun> {
  requirePermission(ctx, "policies.write");
  const { documents, tests } = parsePolicySetWithTests(input);
  return runPolicyTests(documents, tests);
}
