import {
  approvalTimeoutSetting,
  breakerSettings,
  checkChain,
  notFound,
  judgePolicies,
  passGates,
  type GateAnswer,
  type RateRef,
  policySettings,
  type ActionRequest,
  type Rewritten,
  type BreakerSettings,
  type ChainDenial,
  type ContentActions,
  type CircuitState,
  type Decision,
  type DenialReasonOf,
  type LoopFinding,
  type ReportOnly,
  effectiveLoopLimit,
  loopFinding,
  spendSettings,
  orgBudgetRules,
  orgBudgets,
  type BudgetRule,
  type SpendSettings,
} from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { agentSnapshot } from "../snapshots/agent-snapshot";
import { contentActionsFor, promptContentActionsFor } from "../content/content-screen";
import { ancestorsOf } from "../actors/delegation-chain";
import { passBreaker } from "../agents/circuit-breaker";
import { databaseFallbackLimiter, rateKeysFor, rateLimiter, rateMember, type CountOptions } from "../infra/rate-limiter";
import { orgSettingsSnapshot, perSnapshot } from "../snapshots/settings-snapshot";
import { getOrgPolicies } from "../snapshots/policy-cache";
import { loopCounting, loopFingerprint, loopKey, loopSettingsOf } from "./loop-guard";
import { atStep, atStepAsync } from "./evaluation-steps";

/** Denials decided before policy: the agent's own state, or policies that cannot be trusted. */
export type GateReason = DenialReasonOf<"gate"> | ChainDenial;

export interface Prepared {
  /** The call as it will run: as sent, with its policies' rewrites made (docs/policies.md, Rewriting a call). */
  request: ActionRequest;
  /** The call as the agent sent it: idempotency (a retry's eventId) and who asked are read from it. */
  sent: ActionRequest;
  /** What the policies' rewrites changed, when they changed anything. */
  rewritten?: Rewritten;
  agent: { id: string; name: string; labels: Record<string, string>; circuitState: CircuitState };
  /** For a delegate: its root agent (whose policies apply) and its chain's agent names, root first. */
  delegation?: { rootAgentId: string; rootAgentName: string; depth: number; chain: string[] };
  /** Agents whose halt (re-read at commit) denies this decision besides the agent itself: a delegate's ancestors. */
  gateAgentIds: string[];
  decision: Decision;
  gateReason?: GateReason;
  tampered: string[];
  probe: boolean;
  breaker: BreakerSettings;
  /** The org's default approval timeout (its settings), for a require_approval whose policy sets none. */
  approvalTimeoutSeconds: number;
  /** Set when the org's report-only trial turned the policies' deny or require_approval into this allow: what it would have been. */
  reportOnly?: ReportOnly;
  /** What happens to secrets and personal data in this call: its matching policies' `content`, else the org default (docs/content.md). */
  content: ContentActions;
  /** What happens to what a model call's prompt holds, when the caller screened it (`screened`): the org's prompt defaults under the same policies (docs/guardrails.md). */
  promptContent: ContentActions | undefined;
  /** Set when this call went over its loop limit (refused LOOP_DETECTED); `haltAgent`: the org's `loops.haltAgent`. */
  loop?: LoopFinding & { haltAgent: boolean };
  /** The budgets of the enforce-mode policies matching the call (docs/budgets.md), and the org's prices. */
  budgetRules: BudgetRule[];
  spend: SpendSettings;
  /** The agent budgets count against: the caller, or a delegate's root. */
  subjectAgentId: string;
}

/** `policies.reportOnly` of a settings snapshot object: parsed once per snapshot, then one lookup per decision. */
const reportOnlyOn = perSnapshot((settings) => Boolean(settings && typeof settings === "object") && policySettings(settings).reportOnly);

const spendOf = perSnapshot(spendSettings);
/** The org's circuit breaker settings and default approval timeout, parsed once per settings snapshot. */
const breakerOf = perSnapshot(breakerSettings);
const approvalTimeoutOf = perSnapshot(approvalTimeoutSetting);
/** The org's settings `budgets`, compiled once per settings snapshot. */
const orgBudgetRulesOf = perSnapshot((settings) => orgBudgetRules(orgBudgets(settings)));

/** A decision no policy made: what a refusal before policy (or one that could not be evaluated) carries. */
export const NO_DECISION: Decision = { effect: "deny", mode: "enforce", conditionsEvaluated: [], monitored: [] };

/**
 * Everything a decision needs, in order: the agent (halted? or under a halted ancestor?), a
 * delegate's chain (revoked, expired, out of scope: checked at `now` against every link), the org's verified policies
 * (tampered → deny), the rate conditions this call would meet and its loop limit (counted together:
 * consumed by execute, only peeked by canI; over the loop limit → LOOP_DETECTED), then the pure evaluation — and, with the org's `policies.reportOnly`, a deny or
 * require_approval by the policies becomes an execution that records what it would have been.
 */
export async function prepareDecision(ctx: Ctx, request: ActionRequest, mode: "execute" | "check", now = Date.now()): Promise<Prepared> {
  const actor = requireAgent(ctx);
  const chain = actor.delegation;
  const ancestorIds = chain ? ancestorsOf(chain) : [];
  const [row, settings, ancestors, policies, fingerprintKey] = await Promise.all([
    agentSnapshot(ctx.org.id, actor.agentId),
    orgSettingsSnapshot(ctx.org.id),
    Promise.all(ancestorIds.map((id) => agentSnapshot(ctx.org.id, id))),
    getOrgPolicies(ctx.org.id),
    loopKey(ctx.org.id),
  ]);
  if (!row) throw notFound("agent");
  const agent = { id: row.id, name: row.name, labels: row.labels, circuitState: row.circuitState };
  const breaker = breakerOf(settings);
  const root = ancestors[0];
  // Policies apply to a delegate as to its root agent: its name, id and labels; rates count against the root.
  const subject = root ? { id: root.id, name: root.name, labels: root.labels } : agent;
  // Content rules hold whatever else decides the call (a refusal before policy records the call too);
  // policies that fail their integrity check contribute none (the org default holds).
  const { content, promptContent, budgetRules } = atStep("policies", () => {
    const contentRules = policies.tampered.length > 0 ? [] : policies.set.contentFor(request.actionType, subject);
    return {
      content: contentActionsFor(settings, contentRules),
      // What the caller's own screen found in a model call's prompt is judged by the prompt rules (docs/guardrails.md).
      promptContent: request.screened ? promptContentActionsFor(settings, contentRules) : undefined,
      // The policies' budgets (none while they fail their integrity check) and the org's own, which hold whatever the policies say.
      budgetRules: [...(policies.tampered.length > 0 ? [] : policies.set.budgetRulesFor(request.actionType, subject)), ...orgBudgetRulesOf(settings)(request.actionType, subject)],
    };
  });
  const delegation = chain
    ? { rootAgentId: chain.rootAgentId, rootAgentName: chain.rootAgentName, depth: chain.depth, chain: [chain.rootAgentName, ...chain.links.map((l) => l.agentName)] }
    : undefined;
  const base = {
    request,
    sent: request,
    agent,
    ...(delegation ? { delegation } : {}),
    gateAgentIds: ancestorIds,
    breaker,
    approvalTimeoutSeconds: approvalTimeoutOf(settings),
    tampered: [] as string[],
    probe: false,
    content,
    promptContent,
    budgetRules,
    spend: spendOf(settings),
    subjectAgentId: subject.id,
  };
  // The checks before policy, run in the order of their reasons' precedence (DENIAL_REASONS), stopping at the
  // first that denies: a halted agent never reaches the rate counter, so it consumes no quota.
  const gates = await passGates({
    // A halted agent, or a delegate under a halted ancestor: the whole subtree stops while it is halted.
    halted: {
      gives: ["AGENT_HALTED"],
      check: () => (row.status === "halted" || ancestors.some((a) => a?.status === "halted") ? denied("AGENT_HALTED") : PASSED),
    },
    // An ancestor that no longer exists fails closed, as a revoked link would.
    delegation: {
      gives: ["DELEGATION_REVOKED", "DELEGATION_EXPIRED", "DELEGATION_SCOPE"],
      check: () => {
        const denial = chain ? atStep("delegation", () => (ancestors.some((a) => !a) ? "DELEGATION_REVOKED" : checkChain(chain.links, request.actionType, now))) : null;
        return denial ? denied(denial) : PASSED;
      },
    },
    tampered: { gives: ["POLICY_TAMPERED"], check: () => (policies.tampered.length > 0 ? denied("POLICY_TAMPERED") : PASSED) },
    breaker: {
      gives: ["CIRCUIT_OPEN"],
      check: async () => {
        const gate = await atStepAsync("breaker", () => passBreaker(row, breaker, mode));
        return gate.pass ? { passed: gate.probe } : denied("CIRCUIT_OPEN");
      },
    },
    // The rate conditions this call meets and its loop limit (docs/loops.md), counted per calling agent in one round trip.
    counts: {
      gives: ["LOOP_DETECTED"],
      check: () =>
        countRatesAndLoop(ctx.org.id, { agentId: agent.id, subjectId: subject.id, request, mode, fingerprintKey }, loopSettingsOf(settings), {
          rates: atStep("policies", () => policies.set.ratesFor(request.actionType, subject)),
          loops: policies.set.loopRulesFor(request.actionType, subject),
        }),
    },
  });
  if (gates.stopped) {
    const refused = { ...base, decision: NO_DECISION, gateReason: gates.denied };
    if (gates.gate === "tampered") return { ...refused, tampered: policies.tampered };
    if (gates.gate === "counts") return { ...refused, loop: gates.detail };
    return refused;
  }
  const rates = gates.passed.counts;
  // The policies' part of the one judgement (core's judge-call.ts): evaluated, a report-only trial, the rewrites made or refused.
  const judged = atStep("policies", () =>
    judgePolicies(
      policies.set,
      request,
      { agent: subject, ...(delegation ? { delegation: { depth: delegation.depth, rootAgent: delegation.rootAgentName, chain: delegation.chain } } : {}) },
      rates,
      {
        reportOnly: reportOnlyOn(settings),
      },
    ),
  );
  return {
    ...base,
    request: judged.request,
    ...(judged.rewritten ? { rewritten: judged.rewritten } : {}),
    probe: gates.passed.breaker,
    decision: judged.decision,
    ...(judged.reportOnly ? { reportOnly: judged.reportOnly } : {}),
  };
}

const PASSED = { passed: undefined };

function denied<R extends GateReason>(reason: R): { denied: R; detail: undefined } {
  return { denied: reason, detail: undefined };
}

/**
 * The loop gate: the call's rate conditions and its loop limit counted together (consumed by execute, only
 * peeked by canI). Over the loop limit → LOOP_DETECTED, with what the record of it names; else the rate
 * conditions' counts by key, for the policies. A count the counter did not give fails closed: a rate
 * condition holds; a loop limit is over.
 */
async function countRatesAndLoop(
  orgId: string,
  call: { agentId: string; subjectId: string; request: ActionRequest; mode: "execute" | "check"; fingerprintKey: Awaited<ReturnType<typeof loopKey>> },
  loops: ReturnType<typeof loopSettingsOf>,
  rules: { rates: readonly RateRef[]; loops: Parameters<typeof effectiveLoopLimit>[1] },
): Promise<GateAnswer<"LOOP_DETECTED", Map<string, number>, LoopFinding & { haltAgent: boolean }>> {
  const { agentId, subjectId, request, mode, fingerprintKey } = call;
  const refs = rules.rates;
  const keys = rateKeysFor(orgId, subjectId, refs);
  // A retry of an eventId (landing here before the original's decision is found by the commit)
  // re-adds the same member: it consumes no quota. Without Redis, or with it down, see rate-limiter.ts.
  const member = rateMember(agentId, request.eventId);
  const limit = effectiveLoopLimit(loops, rules.loops);
  const loop = limit ? loopCounting(orgId, agentId, limit, loopFingerprint(fingerprintKey, request)) : null;
  const counted = loop ? [...keys, loop.ref] : keys;
  const counting = { ...(member === undefined ? {} : { member }), ...(loop ? { sequence: loop.sequence } : {}) };
  const counts = counted.length > 0 ? await atStepAsync("rates", () => countCalls(counted, mode === "execute" ? "consume" : "peek", counting, keys.length > 0)) : [];
  const found = limit ? loopFinding(limit, counts[keys.length] ?? Number.POSITIVE_INFINITY, counts[keys.length + 1] ?? Number.POSITIVE_INFINITY) : null;
  if (found) return { denied: "LOOP_DETECTED", detail: { ...found, haltAgent: loops.haltAgent } };
  return { passed: new Map(refs.map((ref, i) => [ref.key, counts[i] ?? Number.POSITIVE_INFINITY])) };
}

/**
 * One round trip to the rate counter for a decision's rate conditions and its loop limit. Rate
 * conditions fail closed with the counter (Redis away → 503). A decision with none — only its loop
 * limit to count — counts in PostgreSQL while Redis is away or not answering, as the breaker does, so a Redis outage never stops decisions that have no rate condition; during the
 * outage the window is split between the two counters, so a loop may be refused a little later.
 */
async function countCalls(refs: ReadonlyArray<{ key: string; windowSeconds: number }>, mode: "consume" | "peek", options: CountOptions, rated: boolean): Promise<number[]> {
  const limiter = rateLimiter();
  if (rated || limiter.backend === "database") return limiter.count(refs, mode, options);
  // Not `available()`: before its first connection Redis is not down, and counting half a window in
  // each store would let a loop through. A Redis known down fails at once (no wait) and falls back.
  return limiter.count(refs, mode, options).catch(() => databaseFallbackLimiter().count(refs, mode, options));
}
