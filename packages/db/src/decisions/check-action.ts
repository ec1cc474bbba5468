import { parseActionRequest, planDecision } from "@gatehouse/core";
import type { CheckResult } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { peekBudgets } from "./budget-plan";
import { peekGrant } from "./claim-grant";
import { evaluateCall } from "./evaluate-call";
import { atStepAsync } from "./evaluation-steps";

/**
 * canI: execute's inputs read without taking anything — rate counts and the loop counter peeked, a
 * standing grant looked at without using a use, the budgets as they stand — and answered by the same
 * plan (core's planDecision), plus `allowed` (it would execute at once) and `needsApproval` (it would
 * wait for a person). Nothing is recorded.
 */
export async function checkAction({ ctx, input, now }: { ctx: Ctx; input: unknown; now?: number }): Promise<CheckResult> {
  requireAgent(ctx); // permission before parsing
  const { read, looked } = await evaluateCall(
    ctx,
    parseActionRequest(input),
    "check",
    now,
    ({ grantQuery, budget }) =>
      Promise.all([grantQuery ? atStepAsync("grants", () => peekGrant(grantQuery)) : null, budget ? atStepAsync("budgets", () => peekBudgets(ctx.org.id, budget)) : undefined]),
    [null, undefined] as const,
  );
  const [grant, verdict] = looked;
  const { budget, at } = read;
  const { result } = planDecision({
    ...read.inputs,
    grant,
    budget: budget ? { plan: budget, verdict, at } : undefined,
    haltedAtCommit: false,
    pendingAtCommit: undefined,
    breaker: undefined,
    breakerAtCommit: undefined,
  });
  return { ...result, allowed: result.status === "executed", needsApproval: result.status === "requested", dryRun: true };
}
