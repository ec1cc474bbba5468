import { parseActionRequest, planDecision } from "@gatehouse/core";
import type { CheckResult } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { peekBudgets } from "./budget-plan";
import { peekGrant } from "./claim-grant";
import { readDecisionInputs } from "./decision-inputs";
import { prepareDecision } from "./prepare-decision";

/**
 * canI: execute's inputs read without taking anything — rate counts and the loop counter peeked, a
 * standing grant looked at without using a use, the budgets as they stand — and answered by the same
 * plan (core's planDecision), plus `allowed` (it would execute at once) and `needsApproval` (it would
 * wait for a person). Nothing is recorded.
 */
export async function checkAction({ ctx, input, now }: { ctx: Ctx; input: unknown; now?: number }): Promise<CheckResult> {
  requireAgent(ctx); // permission before parsing
  const prepared = await prepareDecision(ctx, parseActionRequest(input), "check", now);
  const read = await readDecisionInputs(ctx, prepared, now);
  const { budget, at } = read;
  const [grant, verdict] = await Promise.all([read.grantQuery ? peekGrant(read.grantQuery) : null, budget ? peekBudgets(ctx.org.id, budget) : undefined]);
  const { result } = planDecision({ ...read.inputs, grant, ...(budget ? { budget: { plan: budget, verdict, at } } : {}), haltedAtCommit: false });
  return { ...result, allowed: result.status === "executed", needsApproval: result.status === "requested", dryRun: true };
}
