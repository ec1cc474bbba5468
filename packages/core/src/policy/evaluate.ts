import {
  compileCondition,
  ConditionLimitError,
  matchBudget,
  type CompiledCondition,
  type ConditionResult,
  type Facts,
  type MatchBudget,
  type RateCounts,
  type RateRef,
} from "./conditions";
import type { ContentRule } from "../content/content-rules";
import type { PolicyLoop } from "../limits/loops";
import type { BudgetRule, PolicyBudget } from "../spend/budgets";
import type { DenialReasonOf } from "../actions/denial-reasons";
import { compilePattern } from "./match-pattern";
import type { ApprovalOptions, PolicyDocument, PolicyEffect } from "./document";
import type { PolicyRewrite } from "./rewrite";

export type { ConditionResult, Facts as DecisionInput } from "./conditions";

export interface PolicyVersionRef {
  name: string;
  versionId: string;
  version: number;
}

export interface AgentFacts {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface CompiledPolicy extends PolicyVersionRef {
  effect: PolicyEffect;
  mode: "enforce" | "monitor";
  approval: ApprovalOptions | undefined;
  matchesAction: (actionType: string) => boolean;
  matchesAgent: (agent: AgentFacts) => boolean;
  /** Absent: the policy applies whenever its patterns match. */
  when: CompiledCondition | undefined;
  /** The rate conditions in `when`, in document order. */
  rates: RateRef[];
  /** What happens to secrets and personal data in the calls it matches (absent: the org default). */
  content: ContentRule | undefined;
  /** Its own loop limit for the calls it matches, or `false`; absent: the org's (limits/loops.ts). */
  loop: PolicyLoop | undefined;
  /** The budget it puts on the calls it matches (spend/budgets.ts). */
  budget: PolicyBudget | undefined;
  /** What must hold after the calls it matches, tested on their outcomes (absent: nothing). */
  postConditions: CompiledCondition | undefined;
  /** Its `redact` and `transform`: made on every call it applies to (rewrite.ts); absent when it has neither. */
  rewrite: PolicyRewrite | undefined;
}

/** A post-condition an outcome broke: the policy, and the conditions as evaluated. */
export interface PostConditionViolation {
  policy: string;
  conditionsEvaluated: ConditionResult[];
  /** The condition could not be checked within the match budget: counted as broken (fail closed). */
  limit?: boolean;
}

/** CONDITION_LIMIT: an enforce-mode policy's condition could not be evaluated within the decision's bounds (MATCH_BUDGET). */
export type PolicyDenialReason = DenialReasonOf<"policy">;

export interface Decision {
  effect: PolicyEffect;
  /** Set when effect is deny. */
  reason?: PolicyDenialReason;
  /** The policy whose effect won (absent for NO_POLICY). */
  policy?: PolicyVersionRef;
  mode: "enforce" | "monitor";
  approval?: ApprovalOptions;
  /** Every condition examined, in evaluation order, with the policy it belongs to. */
  conditionsEvaluated: Array<ConditionResult & { policy: string }>;
  /** Monitor-mode policies that applied, with the effect they would have had. */
  monitored: Array<PolicyVersionRef & { effect: PolicyEffect }>;
  /**
   * The rewrites of every enforce-mode policy that applied (rewrite.ts), in name order, for a call that is
   * not denied: whichever effect won, each applying policy's `redact` and `transform` hold. Absent when none.
   */
  rewrites?: PolicyRewrite[];
}

/** How restrictive each effect is: the most restrictive applying policy wins (allow < require_approval < deny). */
export const RESTRICTIVENESS: Readonly<Record<PolicyEffect, number>> = { allow: 0, require_approval: 1, deny: 2 };

function anyOf(patterns: readonly string[]): (value: string) => boolean {
  const matchers = patterns.map(compilePattern);
  return matchers.length === 1 && matchers[0] ? matchers[0] : (value) => matchers.some((match) => match(value));
}

/** Compile once per immutable policy version; evaluation then does no parsing. */
export function compilePolicy(document: PolicyDocument, ref: { versionId: string; version: number }): CompiledPolicy {
  const action = anyOf(document.actions);
  const agent = anyOf(document.agents);
  const rates: RateRef[] = [];
  const when = document.when ? compileCondition(document.when, (i) => `${ref.versionId}#${i}`, rates) : undefined;
  return {
    name: document.name,
    versionId: ref.versionId,
    version: ref.version,
    effect: document.effect,
    mode: document.mode,
    approval: document.approval,
    matchesAction: action,
    matchesAgent: (facts) => agent(facts.name) || agent(facts.id),
    when,
    rates,
    content: document.content,
    loop: document.loop,
    budget: document.budget,
    postConditions: document.postConditions ? compileCondition(document.postConditions, (i) => `${ref.versionId}#post${i}`, []) : undefined,
    rewrite: document.redact || document.transform ? { policy: document.name, redact: document.redact, transform: document.transform } : undefined,
  };
}

function refOf(policy: CompiledPolicy): PolicyVersionRef {
  return { name: policy.name, versionId: policy.versionId, version: policy.version };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const MAX_MEMO = 4096;

/**
 * An org's compiled policies, indexed by action type: the policies whose action patterns match a
 * given type are found once and remembered, so a decision only looks at the few that can apply.
 */
export class PolicySet {
  readonly policies: readonly CompiledPolicy[];
  private readonly byAction = new Map<string, CompiledPolicy[]>();

  constructor(policies: readonly CompiledPolicy[]) {
    this.policies = [...policies].sort(byName);
  }

  candidates(actionType: string): CompiledPolicy[] {
    let list = this.byAction.get(actionType);
    if (!list) {
      list = this.policies.filter((p) => p.matchesAction(actionType));
      if (this.byAction.size >= MAX_MEMO) this.byAction.clear();
      this.byAction.set(actionType, list);
    }
    return list;
  }

  /** The rate conditions a decision for this action and agent would examine (to count before evaluating). */
  ratesFor(actionType: string, agent: AgentFacts): RateRef[] {
    const out: RateRef[] = [];
    for (const policy of this.candidates(actionType)) if (policy.rates.length > 0 && policy.matchesAgent(agent)) out.push(...policy.rates);
    return out;
  }

  /**
   * The `loop` limits of the enforce-mode policies whose action and agent patterns match this call
   * (effectiveLoopLimit picks the one that holds), `when` not consulted, as for `content`.
   */
  loopRulesFor(actionType: string, agent: AgentFacts): Array<{ policy: string; loop: PolicyLoop }> {
    const out: Array<{ policy: string; loop: PolicyLoop }> = [];
    for (const policy of this.candidates(actionType))
      if (policy.loop !== undefined && policy.mode === "enforce" && policy.matchesAgent(agent)) out.push({ policy: policy.name, loop: policy.loop });
    return out;
  }

  /** Whether an enforce-mode policy matching the agent states post-conditions: a report of its may break one. */
  statesPostConditions(agent: AgentFacts): boolean {
    return this.policies.some((policy) => policy.postConditions !== undefined && policy.mode === "enforce" && policy.matchesAgent(agent));
  }

  /**
   * The post-conditions of the enforce-mode policies whose action and agent patterns match a reported
   * action, tested on its outcome (`facts.outcome`): each that does not hold is a violation, in name
   * order. A condition the match budget cannot finish counts as broken.
   */
  checkPostConditions(facts: Facts, budget: MatchBudget = matchBudget()): PostConditionViolation[] {
    const out: PostConditionViolation[] = [];
    for (const policy of this.candidates(facts.actionType)) {
      if (!policy.postConditions || policy.mode !== "enforce" || !policy.matchesAgent(facts.agent)) continue;
      const trace: ConditionResult[] = [];
      try {
        if (!policy.postConditions(facts, EMPTY_COUNTS, trace, budget)) out.push({ policy: policy.name, conditionsEvaluated: trace });
      } catch (error) {
        if (!(error instanceof ConditionLimitError)) throw error;
        out.push({ policy: policy.name, conditionsEvaluated: trace, limit: true });
      }
    }
    return out.sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
  }

  /**
   * The budgets of the enforce-mode policies whose action and agent patterns match this call (as
   * `loop` and `content`, `when` is not consulted), in name order: each is checked (spend/budgets.ts).
   */
  budgetRulesFor(actionType: string, agent: AgentFacts): BudgetRule[] {
    const out: BudgetRule[] = [];
    for (const policy of this.candidates(actionType))
      if (policy.budget && policy.mode === "enforce" && policy.matchesAgent(agent)) out.push({ policy: policy.name, budget: policy.budget });
    return out.sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
  }

  /**
   * The `content` rules of the enforce-mode policies whose action and agent patterns match this call
   * (resolveContentActions merges them with the org default). `when` is not consulted: the content rules
   * of a policy hold for everything its patterns cover, whatever the call's values.
   */
  contentFor(actionType: string, agent: AgentFacts): ContentRule[] {
    const out: ContentRule[] = [];
    for (const policy of this.candidates(actionType)) if (policy.content && policy.mode === "enforce" && policy.matchesAgent(agent)) out.push(policy.content);
    return out;
  }

  /**
   * Deterministic decision: every applying enforce-mode policy is merged most restrictive first
   * (deny > require_approval > allow; ties go to the name that sorts first). Monitor-mode policies are
   * recorded with their would-be effect and never block. Nothing applies → deny NO_POLICY.
   *
   * Fail closed on bounds: when an enforce-mode policy whose patterns match reaches a condition it
   * cannot evaluate within the decision's match budget, the decision is deny CONDITION_LIMIT by that
   * policy, whatever its effect and whatever the other policies say. A monitor-mode policy in that
   * case does not apply (it can only ever make a decision more permissive). `budget` is one
   * decision's; tests pass their own to read what was spent.
   */
  evaluate(input: Facts, rates: RateCounts = EMPTY_COUNTS, budget: MatchBudget = matchBudget()): Decision {
    let winner: CompiledPolicy | undefined;
    let winnerRateLimited = false;
    const monitored: Decision["monitored"] = [];
    const rewrites: PolicyRewrite[] = [];
    const conditionsEvaluated: Decision["conditionsEvaluated"] = [];
    const trace: ConditionResult[] = [];
    for (const policy of this.candidates(input.actionType)) {
      if (!policy.matchesAgent(input.agent)) continue;
      let rateHeld = false;
      if (policy.when) {
        trace.length = 0;
        let holds = false;
        let beyondLimit = false;
        try {
          holds = policy.when(input, rates, trace, budget);
        } catch (error) {
          if (!(error instanceof ConditionLimitError)) throw error;
          beyondLimit = true;
        }
        for (const result of trace) {
          conditionsEvaluated.push({ ...result, policy: policy.name });
          if (result.result && result.field.startsWith("rate.")) rateHeld = true;
        }
        if (beyondLimit && policy.mode === "enforce") {
          return { effect: "deny", reason: "CONDITION_LIMIT", policy: refOf(policy), mode: "enforce", conditionsEvaluated, monitored };
        }
        if (!holds) continue;
      }
      if (policy.mode === "monitor") {
        monitored.push({ ...refOf(policy), effect: policy.effect });
        continue;
      }
      if (policy.rewrite) rewrites.push(policy.rewrite);
      // Candidates are sorted by name, so a strictly more restrictive effect is the only way to win.
      if (!winner || RESTRICTIVENESS[policy.effect] > RESTRICTIVENESS[winner.effect]) {
        winner = policy;
        winnerRateLimited = rateHeld;
      }
    }
    if (winner) {
      return {
        effect: winner.effect,
        ...(winner.effect === "deny" ? { reason: winnerRateLimited ? ("RATE_LIMITED" as const) : ("CONDITIONS_DENIED" as const) } : {}),
        policy: refOf(winner),
        mode: "enforce",
        ...(winner.effect === "require_approval" && winner.approval ? { approval: winner.approval } : {}),
        conditionsEvaluated,
        monitored,
        ...(winner.effect !== "deny" && rewrites.length > 0 ? { rewrites } : {}),
      };
    }
    const firstMonitored = monitored[0];
    if (firstMonitored) {
      const { effect: _wouldBe, ...policy } = firstMonitored;
      return { effect: "allow", policy, mode: "monitor", conditionsEvaluated, monitored };
    }
    return { effect: "deny", reason: "NO_POLICY", mode: "enforce", conditionsEvaluated, monitored };
  }
}

const EMPTY_COUNTS: RateCounts = new Map();

/** One-off evaluation (tests, tools); services keep a PolicySet per org. */
export function evaluate(policies: readonly CompiledPolicy[], input: Facts, rates?: RateCounts, budget?: MatchBudget): Decision {
  return new PolicySet(policies).evaluate(input, rates, budget);
}
