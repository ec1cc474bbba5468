import { approvalTimeoutSetting, breakerSettings, notFound, type ActionRequest, type BreakerSettings, type CircuitState, type Decision } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { agentSnapshot } from "../agents/agent-snapshot";
import { passBreaker } from "../agents/circuit-breaker";
import { rateKeysFor, rateLimiter, rateMember } from "../infra/rate-limiter";
import { orgSettingsSnapshot } from "../orgs/settings-snapshot";
import { getOrgPolicies } from "../policies/policy-cache";

/** Denials decided before policy: the agent's own state, or policies that cannot be trusted. */
export type GateReason = "AGENT_HALTED" | "CIRCUIT_OPEN" | "POLICY_TAMPERED";

export interface Prepared {
  request: ActionRequest;
  agent: { id: string; name: string; labels: Record<string, string>; circuitState: CircuitState };
  decision: Decision;
  gateReason?: GateReason;
  tampered: string[];
  probe: boolean;
  breaker: BreakerSettings;
  /** The org's default approval timeout (its settings), for a require_approval whose policy sets none. */
  approvalTimeoutSeconds: number;
}

const NO_DECISION: Decision = { effect: "deny", mode: "enforce", conditionsEvaluated: [], monitored: [] };

/**
 * Everything a decision needs, in order: the agent (halted? breaker?), the org's verified policies
 * (tampered → deny), the rate conditions this call would meet (counted: consumed by execute, only
 * peeked by canI), then the pure evaluation.
 */
export async function prepareDecision(ctx: Ctx, request: ActionRequest, mode: "execute" | "check"): Promise<Prepared> {
  const actor = requireAgent(ctx);
  const [row, settings] = await Promise.all([agentSnapshot(ctx.org.id, actor.agentId), orgSettingsSnapshot(ctx.org.id)]);
  if (!row) throw notFound("agent");
  const agent = { id: row.id, name: row.name, labels: row.labels, circuitState: row.circuitState };
  const breaker = breakerSettings(settings);
  const base = { request, agent, breaker, approvalTimeoutSeconds: approvalTimeoutSetting(settings), tampered: [] as string[], probe: false };
  if (row.status === "halted") return { ...base, decision: NO_DECISION, gateReason: "AGENT_HALTED" };
  const policies = await getOrgPolicies(ctx.org.id);
  if (policies.tampered.length > 0) return { ...base, tampered: policies.tampered, decision: NO_DECISION, gateReason: "POLICY_TAMPERED" };
  const gate = await passBreaker(row, breaker, mode);
  if (!gate.pass) return { ...base, decision: NO_DECISION, gateReason: "CIRCUIT_OPEN" };

  const facts = { actionType: request.actionType, agent, metadata: request.metadata, dataAccessed: request.dataAccessed };
  const refs = policies.set.ratesFor(request.actionType, agent);
  const keys = rateKeysFor(ctx.org.id, agent.id, refs);
  // A retry of an eventId (landing here before the original's decision is found by the commit)
  // re-adds the same member: it consumes no quota. Without Redis, or with it down, see rate-limiter.ts.
  const member = rateMember(agent.id, request.eventId);
  const counts = keys.length > 0 ? await rateLimiter().count(keys, mode === "execute" ? "consume" : "peek", member === undefined ? {} : { member }) : [];
  const rates = new Map(refs.map((ref, i) => [ref.key, counts[i] ?? Number.POSITIVE_INFINITY]));
  return { ...base, probe: gate.probe, decision: policies.set.evaluate(facts, rates) };
}
