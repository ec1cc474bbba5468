import { matchBudget, type ConditionResult, type Facts, type RateCounts } from "../src/policy/conditions";
import { parsePolicySet } from "../src/policy/document";
import { compilePolicy, type AgentFacts, type CompiledPolicy } from "../src/policy/evaluate";
import { issuePaths } from "./helpers";

export const AGENT: AgentFacts = { id: "agt_0123456789abcdefghijkl", name: "ci-bot", labels: { env: "prod", "team.sub": "infra" } };

/** Facts for one call: action `pr.merge` by AGENT with no metadata and no data, overridden by `over`. */
export function facts(over: Partial<Facts> = {}): Facts {
  return { actionType: "pr.merge", agent: AGENT, metadata: {}, dataAccessed: [], ...over };
}

/** Parses the documents as one set and compiles each with versionId `pv_<name>` and version index+1. */
export function compile(...documents: Array<Record<string, unknown>>): CompiledPolicy[] {
  return parsePolicySet({ policies: documents }).map((document, index) => compilePolicy(document, { versionId: `pv_${document.name}`, version: index + 1 }));
}

export const policy = (name: string, effect: string, extra: Record<string, unknown> = {}) => ({ name, actions: ["pr.merge"], effect, ...extra });
export const ref = (name: string, version: number) => ({ name, versionId: `pv_${name}`, version });

/** Validates `when` through parsePolicySet, compiles it and runs it once; returns the result and the trace. */
export function check(when: unknown, input: Facts = facts(), counts: RateCounts = new Map()): { result: boolean; trace: ConditionResult[] } {
  const [compiled] = compile({ name: "p", actions: ["*"], effect: "allow", when });
  if (!compiled?.when) throw new Error("the policy compiled without a condition");
  const trace: ConditionResult[] = [];
  const result = compiled.when(input, counts, trace, matchBudget());
  return { result, trace };
}

/** Whether the condition holds for metadata `{ [key]: value }` (or the given metadata). */
export function holdsOn(when: unknown, metadata: Record<string, unknown>): boolean {
  return check(when, facts({ metadata })).result;
}

/** The issue paths parsePolicySet reports for a one-policy set with this `when`. */
export function whenIssuePaths(when: unknown): string[] {
  return issuePaths(() => parsePolicySet({ policies: [{ name: "p", actions: ["*"], effect: "deny", when }] }));
}

/** Wraps a comparison in `levels - 1` combinators, giving a condition of depth `levels`. */
export function nested(levels: number, wrap: (inner: unknown) => unknown): unknown {
  let condition: unknown = { field: "actionType", op: "exists" };
  for (let i = 1; i < levels; i++) condition = wrap(condition);
  return condition;
}
