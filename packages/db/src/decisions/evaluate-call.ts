import type { ActionRequest } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { readDecisionInputs, type ReadInputs } from "./decision-inputs";
import { failedEvaluation } from "./evaluation-failure";
import { EvaluationFailed } from "./evaluation-steps";
import { prepareDecision, type Prepared } from "./prepare-decision";

/**
 * A call evaluated for execute or canI: its preparation (prepare-decision.ts), the inputs both verbs read
 * (decision-inputs.ts) and what the verb itself looks up with them (`lookup`: execute's grant candidates;
 * canI's grant and budgets, peeked). A step that fails (evaluation-steps.ts) makes the org's failure
 * policy the decision, with nothing to look up (`none`); a DomainError (a 400, 404, 429 or 503) is the answer.
 */
export async function evaluateCall<L>(
  ctx: Ctx,
  request: ActionRequest,
  mode: "execute" | "check",
  now: number | undefined,
  lookup: (read: ReadInputs) => Promise<L>,
  none: L,
): Promise<{ prepared: Prepared; read: ReadInputs; looked: L }> {
  try {
    const prepared = await prepareDecision(ctx, request, mode, now);
    const read = await readDecisionInputs(ctx, prepared, now);
    return { prepared, read, looked: await lookup(read) };
  } catch (error) {
    if (!(error instanceof EvaluationFailed)) throw error;
    return { ...(await failedEvaluation(ctx, request, error, now)), looked: none };
  }
}
