import { DomainError, type DecisionStep } from "@gatehouse/core";

/**
 * A decision that cannot be evaluated (docs/policies.md, When a decision cannot be evaluated): an error
 * that is not one of the steps' own answers (a 400 naming a field, a 404, a 429, a 503 with Retry-After,
 * all DomainErrors) at one step of the evaluation — the delegation chain, the breaker, the rate counts,
 * the policies, the content screen, the budgets, the grants — is that step's failure. The call is then
 * decided by the org's `policies.failurePolicy` (`deny`, the default, or `require_approval`; never
 * `allow`), answered with `failure` naming the step, and recorded like any decision, so the log holds it
 * and the governance health counts it.
 */
export class EvaluationFailed extends Error {
  constructor(
    readonly step: DecisionStep,
    override readonly cause: unknown,
  ) {
    super(`the decision could not be evaluated at its ${step} step`);
    this.name = "EvaluationFailed";
  }
}

/** The step a test armed to fail (testing/index.ts: armEvaluationFault); nothing in the product arms one. */
let armed: DecisionStep | undefined;

/** Tests only: the next evaluations throw at `step` (undefined: none). */
export function armEvaluationFault(step: DecisionStep | undefined): void {
  armed = step;
}

function failed(step: DecisionStep, error: unknown): never {
  if (error instanceof DomainError || error instanceof EvaluationFailed) throw error;
  throw new EvaluationFailed(step, error);
}

/** One synchronous step of the evaluation: an error that is not a DomainError is the step's failure. */
export function atStep<T>(step: DecisionStep, run: () => T): T {
  try {
    if (armed === step) throw new Error(`a fault injected at ${step}`);
    return run();
  } catch (error) {
    return failed(step, error);
  }
}

/** One step that waits (a round trip, the work pool): an error that is not a DomainError is the step's failure. */
export async function atStepAsync<T>(step: DecisionStep, run: () => Promise<T>): Promise<T> {
  try {
    if (armed === step) throw new Error(`a fault injected at ${step}`);
    return await run();
  } catch (error) {
    return failed(step, error);
  }
}
