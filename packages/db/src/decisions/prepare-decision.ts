import {
  approvalTimeoutSetting,
  breakerSettings,
  checkChain,
  notFound,
  policySettings,
  reportOnlyDecision,
  type ActionRequest,
  type BreakerSettings,
  type ChainDenial,
  type ContentAction,
  type ContentClass,
  type CircuitState,
  type Decision,
  type DenialReasonOf,
  type DecisionInput,
  type ReportOnly,
} from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { agentSnapshot } from "../agents/agent-snapshot";
import { contentActionsFor } from "../content/content-screen";
import { ancestorsOf } from "../actors/delegation-chain";
import { passBreaker } from "../agents/circuit-breaker";
import { rateKeysFor, rateLimiter, rateMember } from "../infra/rate-limiter";
import { orgSettingsSnapshot } from "../orgs/settings-snapshot";
import { getOrgPolicies } from "../policies/policy-cache";

/** Denials decided before policy: the agent's own state, or policies that cannot be trusted. */
export type GateReason = DenialReasonOf<"gate"> | ChainDenial;

export interface Prepared {
  request: ActionRequest;
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
  content: Record<ContentClass, ContentAction>;
}

/** `policies.reportOnly` per settings snapshot object: parsed once per snapshot, then one lookup per decision. */
const reportOnlyBySnapshot = new WeakMap<object, boolean>();

function reportOnlyOn(settings: unknown): boolean {
  if (!settings || typeof settings !== "object") return false;
  let on = reportOnlyBySnapshot.get(settings);
  if (on === undefined) {
    on = policySettings(settings).reportOnly;
    reportOnlyBySnapshot.set(settings, on);
  }
  return on;
}

const NO_DECISION: Decision = { effect: "deny", mode: "enforce", conditionsEvaluated: [], monitored: [] };

/**
 * Everything a decision needs, in order: the agent (halted? or under a halted ancestor?), a
 * delegate's chain (revoked, expired, out of scope: checked at `now` against every link), the org's verified policies
 * (tampered → deny), the rate conditions this call would meet (counted: consumed by execute, only
 * peeked by canI), then the pure evaluation — and, with the org's `policies.reportOnly`, a deny or
 * require_approval by the policies becomes an execution that records what it would have been.
 */
export async function prepareDecision(ctx: Ctx, request: ActionRequest, mode: "execute" | "check", now = Date.now()): Promise<Prepared> {
  const actor = requireAgent(ctx);
  const chain = actor.delegation;
  const ancestorIds = chain ? ancestorsOf(chain) : [];
  const [row, settings, ancestors, policies] = await Promise.all([
    agentSnapshot(ctx.org.id, actor.agentId),
    orgSettingsSnapshot(ctx.org.id),
    Promise.all(ancestorIds.map((id) => agentSnapshot(ctx.org.id, id))),
    getOrgPolicies(ctx.org.id),
  ]);
  if (!row) throw notFound("agent");
  const agent = { id: row.id, name: row.name, labels: row.labels, circuitState: row.circuitState };
  const breaker = breakerSettings(settings);
  const root = ancestors[0];
  // Policies apply to a delegate as to its root agent: its name, id and labels; rates count against the root.
  const subject = root ? { id: root.id, name: root.name, labels: root.labels } : agent;
  // Content rules hold whatever else decides the call (a refusal before policy records the call too);
  // policies that fail their integrity check contribute none (the org default holds).
  const content = contentActionsFor(settings, policies.tampered.length > 0 ? [] : policies.set.contentFor(request.actionType, subject));
  const delegation = chain
    ? { rootAgentId: chain.rootAgentId, rootAgentName: chain.rootAgentName, depth: chain.depth, chain: [chain.rootAgentName, ...chain.links.map((l) => l.agentName)] }
    : undefined;
  const base = {
    request,
    agent,
    ...(delegation ? { delegation } : {}),
    gateAgentIds: ancestorIds,
    breaker,
    approvalTimeoutSeconds: approvalTimeoutSetting(settings),
    tampered: [] as string[],
    probe: false,
    content,
  };
  // A halted agent, or a delegate under a halted ancestor: the whole subtree stops while it is halted.
  if (row.status === "halted" || ancestors.some((a) => a?.status === "halted")) return { ...base, decision: NO_DECISION, gateReason: "AGENT_HALTED" };
  if (chain) {
    // An ancestor that no longer exists fails closed, as a revoked link would.
    const denial = ancestors.some((a) => !a) ? "DELEGATION_REVOKED" : checkChain(chain.links, request.actionType, now);
    if (denial) return { ...base, decision: NO_DECISION, gateReason: denial };
  }
  if (policies.tampered.length > 0) return { ...base, tampered: policies.tampered, decision: NO_DECISION, gateReason: "POLICY_TAMPERED" };
  const gate = await passBreaker(row, breaker, mode);
  if (!gate.pass) return { ...base, decision: NO_DECISION, gateReason: "CIRCUIT_OPEN" };

  const facts: DecisionInput = {
    actionType: request.actionType,
    agent: subject,
    metadata: request.metadata,
    dataAccessed: request.dataAccessed,
    ...(delegation ? { delegation: { depth: delegation.depth, rootAgent: delegation.rootAgentName, chain: delegation.chain } } : {}),
  };
  const refs = policies.set.ratesFor(request.actionType, subject);
  const keys = rateKeysFor(ctx.org.id, subject.id, refs);
  // A retry of an eventId (landing here before the original's decision is found by the commit)
  // re-adds the same member: it consumes no quota. Without Redis, or with it down, see rate-limiter.ts.
  const member = rateMember(agent.id, request.eventId);
  const counts = keys.length > 0 ? await rateLimiter().count(keys, mode === "execute" ? "consume" : "peek", member === undefined ? {} : { member }) : [];
  const rates = new Map(refs.map((ref, i) => [ref.key, counts[i] ?? Number.POSITIVE_INFINITY]));
  const decision = policies.set.evaluate(facts, rates);
  // Report-only trial: what the policies would refuse or hold is executed and recorded as such.
  const trial = reportOnlyOn(settings) ? reportOnlyDecision(decision) : null;
  if (trial) return { ...base, probe: gate.probe, decision: trial.decision, reportOnly: trial.reportOnly };
  return { ...base, probe: gate.probe, decision };
}
