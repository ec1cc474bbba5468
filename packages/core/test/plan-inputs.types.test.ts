import { describe, expect, it } from "vitest";
import { planDecision, type DecisionInputs } from "../src";

// A plan input declared but not wired fails to compile (issue 64): every field of DecisionInputs, and of its
// screen, is required, its absence said as `undefined`, so a new input must be named where every plan is made
// (execute, canI, a decision that cannot be evaluated, core's judgeCall). `npm run typecheck` checks this file;
// on the code before issue 64 (seven optional inputs, among them `budget` and `run`) it does not compile.

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type NoneOptional<T> = [OptionalKeys<T>] extends [never] ? true : false;

const inputsHaveNoOptionalField: NoneOptional<DecisionInputs> = true;
const screenHasNoOptionalField: NoneOptional<DecisionInputs["screen"]> = true;

const complete: DecisionInputs = {
  request: { actionType: "deploy.service", metadata: {}, dataAccessed: [] },
  rewritten: undefined,
  written: { metadata: {}, dataAccessed: [] },
  agent: { id: "agent_1", name: "a" },
  delegation: undefined,
  decision: { effect: "allow", mode: "enforce", conditionsEvaluated: [], monitored: [] },
  gateReason: undefined,
  tampered: [],
  reportOnly: undefined,
  screen: { findings: [], denied: false, limited: undefined, conditionsEvaluated: [], content: undefined },
  grant: null,
  budget: undefined,
  haltedAtCommit: false,
  approvalTimeoutSeconds: 60,
  run: undefined,
  failure: undefined,
  loop: undefined,
  pendingAtCommit: undefined,
  breaker: undefined,
  breakerAtCommit: undefined,
};

describe("the plan's inputs", () => {
  it("are all required: one left out does not compile", () => {
    expect([inputsHaveNoOptionalField, screenHasNoOptionalField]).toEqual([true, true]);
    const { budget: _unwired, ...withoutBudget } = complete;
    // @ts-expect-error — the budgets' input left out where the plan is made.
    expect(planDecision(withoutBudget).result.status).toBe("executed");
    expect(planDecision(complete).result.status).toBe("executed");
  });
});
