import {
  actionRequestHash,
  buildActionResult,
  conflict,
  newId,
  notFound,
  parseActionRequest,
  type ActionRequest,
  type ActionResult,
  type Decision,
} from "@gatehouse/core";
import type { CheckResult } from "@gatehouse/contracts";
import type { Ctx } from "../context";
import { commitDecision, type Materialized } from "../decision-log";
import { getOrgPolicies } from "../policy-cache";
import { rateKeysFor, rateLimiter } from "../rate-limiter";
import { agentSnapshot, orgSettingsSnapshot } from "../snapshots";
import { breakerSettings, passBreaker, recordFailure, settleProbe, type CircuitState } from "./circuit-breaker";
import { actorRef, requireAgent } from "./permissions";

/** Denials decided before policy: the agent's own state, or policies that cannot be trusted. */
type GateReason = "AGENT_HALTED" | "CIRCUIT_OPEN" | "POLICY_TAMPERED";

interface Prepared {
  request: ActionRequest;
  agent: { id: string; name: string; labels: Record<string, string>; circuitState: CircuitState };
  decision: Decision;
  gateReason?: GateReason;
  tampered: string[];
  probe: boolean;
  breaker: ReturnType<typeof breakerSettings>;
}

const NO_DECISION: Decision = { effect: "deny", mode: "enforce", conditionsEvaluated: [], monitored: [] };

/**
 * Everything a decision needs, in order: the agent (halted? breaker?), the org's verified policies
 * (tampered → deny), the rate conditions this call would meet (counted: consumed by execute, only
 * peeked by canI), then the pure evaluation.
 */
async function prepare(ctx: Ctx, request: ActionRequest, mode: "execute" | "check"): Promise<Prepared> {
  const actor = requireAgent(ctx);
  const [row, settings] = await Promise.all([agentSnapshot(ctx.org.id, actor.agentId), orgSettingsSnapshot(ctx.org.id)]);
  if (!row) throw notFound("agent");
  const agent = { id: row.id, name: row.name, labels: row.labels, circuitState: row.circuitState };
  const breaker = breakerSettings(settings);
  const base = { request, agent, breaker, tampered: [] as string[], probe: false };
  if (row.status === "halted") return { ...base, decision: NO_DECISION, gateReason: "AGENT_HALTED" };
  const policies = await getOrgPolicies(ctx.org.id);
  if (policies.tampered.length > 0) return { ...base, tampered: policies.tampered, decision: NO_DECISION, gateReason: "POLICY_TAMPERED" };
  const gate = await passBreaker(row, breaker, mode);
  if (!gate.pass) return { ...base, decision: NO_DECISION, gateReason: "CIRCUIT_OPEN" };

  const facts = { actionType: request.actionType, agent, metadata: request.metadata, dataAccessed: request.dataAccessed };
  const refs = policies.set.ratesFor(request.actionType, agent);
  const keys = rateKeysFor(ctx.org.id, agent.id, refs);
  const counts = keys.length > 0 ? await rateLimiter().count(keys, mode === "execute" ? "consume" : "peek") : [];
  const rates = new Map(refs.map((ref, i) => [ref.key, counts[i] ?? Number.POSITIVE_INFINITY]));
  return { ...base, probe: gate.probe, decision: policies.set.evaluate(facts, rates) };
}

/**
 * canI: the same decision as execute, without recording anything or consuming rate limits, plus
 * `allowed` (it would execute at once) and `needsApproval` (it would wait for a person).
 */
export async function checkAction({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<CheckResult> {
  requireAgent(ctx); // permission before parsing
  const prepared = await prepare(ctx, parseActionRequest(input), "check");
  const { auditEventId: _unused, ...result } = buildActionResult({
    decision: prepared.decision,
    auditEventId: "",
    ...(prepared.gateReason ? { denialReason: prepared.gateReason } : {}),
  });
  return { ...result, allowed: result.status === "executed", needsApproval: result.status === "requested", dryRun: true };
}

/** Answers to recent calls by (agent, eventId), so a retry to this process needs no database read. */
const recent = new Map<string, { requestHash: string; result: ActionResult }>();
const MAX_RECENT = 20_000;

function remember(agentId: string, eventId: string, requestHash: string, result: ActionResult): void {
  if (recent.size >= MAX_RECENT) recent.clear();
  recent.set(`${agentId}\u0000${eventId}`, { requestHash, result });
}

/**
 * `execute`: decides an agent's request and records it. The action row, its audit entry and (for
 * require_approval) its approval are committed together by the org's decision log (group commit);
 * nothing is answered before that commit. A repeated eventId answers the original result without a
 * new entry; the same eventId with a different request is a conflict.
 */
export async function decideAction({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<ActionResult> {
  const actor = requireAgent(ctx);
  const parsed = parseActionRequest(input);
  if (parsed.eventId) {
    const seen = recent.get(`${actor.agentId}\u0000${parsed.eventId}`);
    if (seen) {
      if (seen.requestHash !== actionRequestHash(actor.agentId, parsed)) {
        throw conflict(`eventId '${parsed.eventId}' was already used for a different request`, { eventId: parsed.eventId });
      }
      return seen.result;
    }
  }
  const prepared = await prepare(ctx, parsed, "execute");
  const { request, agent, decision, gateReason } = prepared;
  const requestHash = actionRequestHash(agent.id, request);

  const materialize = (haltedNow: boolean): Materialized => {
    const denial: GateReason | undefined = gateReason ?? (haltedNow ? "AGENT_HALTED" : undefined);
    const actionId = newId("action");
    const approval =
      !denial && decision.effect === "require_approval" && decision.approval
        ? { id: newId("approval"), expiresAt: new Date(Date.now() + decision.approval.timeoutSeconds * 1000) }
        : undefined;
    const { auditEventId: _none, ...result } = buildActionResult({ decision, auditEventId: "", ...(approval ? { approval } : {}), ...(denial ? { denialReason: denial } : {}) });
    return {
      actionId,
      result,
      entry: {
        type: "action.decided",
        actor: actorRef(actor),
        agentId: agent.id,
        subjectId: actionId,
        data: {
          actionId,
          agentName: agent.name,
          actionType: request.actionType,
          status: result.status,
          ...(result.denialReason ? { denialReason: result.denialReason } : {}),
          ...(decision.policy ? { policy: decision.policy } : {}),
          ...(prepared.tampered.length > 0 ? { tamperedPolicies: prepared.tampered } : {}),
          mode: decision.mode,
          monitored: decision.monitored,
          conditionsEvaluated: decision.conditionsEvaluated,
          metadata: request.metadata,
          dataAccessed: request.dataAccessed,
          requestHash,
          ...(request.eventId ? { eventId: request.eventId } : {}),
          ...(approval ? { approvalId: approval.id, timeoutAt: approval.expiresAt.toISOString() } : {}),
        },
      },
      action: {
        actionType: request.actionType,
        metadata: request.metadata,
        dataAccessed: request.dataAccessed,
        status: result.status,
        denialReason: result.denialReason ?? null,
        policyName: decision.policy?.name ?? null,
        policyVersionId: decision.policy?.versionId ?? null,
        mode: decision.mode,
      },
      ...(approval && decision.approval
        ? {
            approval: {
              id: approval.id,
              policyVersionId: decision.policy?.versionId ?? null,
              quorum: decision.approval.quorum,
              approverRoles: decision.approval.approverRoles,
              approverMemberIds: decision.approval.approvers,
              excludeAgentOwner: decision.approval.excludeAgentOwner,
              requestedBy: typeof request.metadata.requestedBy === "string" ? request.metadata.requestedBy : null,
              expiresAt: approval.expiresAt,
            },
          }
        : {}),
    };
  };

  const { result, fresh } = await commitDecision({ orgId: ctx.org.id, agentId: agent.id, eventId: request.eventId, requestHash, materialize });
  if (request.eventId) remember(agent.id, request.eventId, requestHash, result);
  if (!fresh) return result;
  if (prepared.probe) await settleProbe(ctx, agent.id, result.status !== "denied");
  else if (result.status === "denied" && !gateReason && result.denialReason !== "AGENT_HALTED") {
    await recordFailure(ctx, agent.id, prepared.breaker, `denied ${request.actionType}`);
  }
  return result;
}
