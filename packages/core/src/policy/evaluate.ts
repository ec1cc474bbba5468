import type { ApprovalOptions, PolicyDocument, PolicyEffect } from "./document";

export interface PolicyVersionRef {
  name: string;
  versionId: string;
  version: number;
}

export interface CompiledPolicy extends PolicyVersionRef {
  effect: PolicyEffect;
  mode: "enforce" | "monitor";
  approval: ApprovalOptions | undefined;
  matchesAction: (actionType: string) => boolean;
  matchesAgent: (agent: AgentFacts) => boolean;
}

export interface AgentFacts {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface DecisionInput {
  actionType: string;
  agent: AgentFacts;
  metadata: Record<string, unknown>;
  dataAccessed: unknown[];
}

export interface ConditionResult {
  field: string;
  operator: string;
  expected: unknown;
  actual?: unknown;
  result: boolean;
}

export type DenialReason = "NO_POLICY" | "CONDITIONS_DENIED";

export interface Decision {
  effect: PolicyEffect;
  /** Set when effect is deny. */
  reason?: DenialReason;
  /** The policy whose effect won (absent for NO_POLICY). */
  policy?: PolicyVersionRef;
  mode: "enforce" | "monitor";
  approval?: ApprovalOptions;
  conditionsEvaluated: ConditionResult[];
  /** Monitor-mode policies that applied, with the effect they would have had. */
  monitored: Array<PolicyVersionRef & { effect: PolicyEffect }>;
}

const RESTRICTIVENESS: Record<PolicyEffect, number> = { allow: 0, require_approval: 1, deny: 2 };

/** `*` matches any run of characters (dots included); everything else is literal. */
export function compilePattern(pattern: string): (value: string) => boolean {
  if (pattern === "*") return () => true;
  if (!pattern.includes("*")) return (value) => value === pattern;
  const source = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  const regex = new RegExp(`^${source}$`);
  return (value) => regex.test(value);
}

function anyOf(patterns: readonly string[]): (value: string) => boolean {
  const matchers = patterns.map(compilePattern);
  return (value) => matchers.some((match) => match(value));
}

/** Compile once per immutable policy version; evaluation then does no parsing or allocation-heavy work. */
export function compilePolicy(document: PolicyDocument, ref: { versionId: string; version: number }): CompiledPolicy {
  const action = anyOf(document.actions);
  const agent = anyOf(document.agents);
  return {
    name: document.name,
    versionId: ref.versionId,
    version: ref.version,
    effect: document.effect,
    mode: document.mode,
    approval: document.approval,
    matchesAction: action,
    matchesAgent: (facts) => agent(facts.name) || agent(facts.id),
  };
}

function ref(policy: CompiledPolicy): PolicyVersionRef {
  return { name: policy.name, versionId: policy.versionId, version: policy.version };
}

/**
 * Deterministic decision: every applying enforce-mode policy is merged most restrictive first
 * (deny > require_approval > allow; ties go to the policy whose name sorts first). Monitor-mode
 * policies are recorded with their would-be effect and never block. Nothing applies → deny NO_POLICY.
 */
export function evaluate(policies: readonly CompiledPolicy[], input: DecisionInput): Decision {
  let winner: CompiledPolicy | undefined;
  const monitored: Decision["monitored"] = [];
  for (const policy of policies) {
    if (!policy.matchesAction(input.actionType) || !policy.matchesAgent(input.agent)) continue;
    if (policy.mode === "monitor") {
      monitored.push({ ...ref(policy), effect: policy.effect });
      continue;
    }
    if (
      !winner ||
      RESTRICTIVENESS[policy.effect] > RESTRICTIVENESS[winner.effect] ||
      (RESTRICTIVENESS[policy.effect] === RESTRICTIVENESS[winner.effect] && policy.name < winner.name)
    ) {
      winner = policy;
    }
  }
  monitored.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (winner) {
    return {
      effect: winner.effect,
      ...(winner.effect === "deny" ? { reason: "CONDITIONS_DENIED" as const } : {}),
      policy: ref(winner),
      mode: "enforce",
      ...(winner.effect === "require_approval" && winner.approval ? { approval: winner.approval } : {}),
      conditionsEvaluated: [],
      monitored,
    };
  }
  const firstMonitored = monitored[0];
  if (firstMonitored) {
    return { effect: "allow", policy: firstMonitored, mode: "monitor", conditionsEvaluated: [], monitored };
  }
  return { effect: "deny", reason: "NO_POLICY", mode: "enforce", conditionsEvaluated: [], monitored };
}
