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
import { db, TX_OPTIONS } from "../client";
import type { Ctx } from "../context";
import { getOrgPolicies } from "../policy-cache";
import { isUniqueViolation } from "../prisma-errors";
import { rateKeysFor, rateLimiter } from "../rate-limiter";
import { appendAuditEntry } from "./append-audit-entries";
import { breakerSettings, passBreaker, recordFailure, settleProbe, type CircuitState } from "./circuit-breaker";
import { actorRef, requireAgent } from "./permissions";

/** Denials decided before policy: the agent's own state, or policies that cannot be trusted. */
type GateReason = "AGENT_HALTED" | "CIRCUIT_OPEN" | "POLICY_TAMPERED";

interface Prepared {
  request: ActionRequest;
  requestHash: string;
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
async function prepare(ctx: Ctx, input: unknown, mode: "execute" | "check"): Promise<Prepared> {
  const actor = requireAgent(ctx);
  const request = parseActionRequest(input);
  const requestHash = actionRequestHash(actor.agentId, request);
  const [row, org] = await Promise.all([
    db().agent.findFirst({ where: { id: actor.agentId, orgId: ctx.org.id } }),
    db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } }),
  ]);
  if (!row) throw notFound("agent");
  const agent = { id: row.id, name: row.name, labels: row.labels as Record<string, string>, circuitState: row.circuitState };
  const breaker = breakerSettings(org.settings);
  const base = { request, requestHash, agent, breaker, tampered: [] as string[], probe: false };
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

/** canI: the same decision as execute, without recording anything or consuming rate limits. */
export async function checkAction({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<Omit<ActionResult, "auditEventId"> & { dryRun: true }> {
  const prepared = await prepare(ctx, input, "check");
  const { auditEventId: _unused, ...result } = buildActionResult({
    decision: prepared.decision,
    auditEventId: "",
    ...(prepared.gateReason ? { denialReason: prepared.gateReason } : {}),
  });
  return { ...result, dryRun: true };
}

async function findPrevious(agentId: string, eventId: string, requestHash: string): Promise<ActionResult | null> {
  const previous = await db().action.findUnique({ where: { agentId_idempotencyKey: { agentId, idempotencyKey: eventId } } });
  if (!previous) return null;
  if (previous.requestHash !== requestHash) {
    throw conflict(`eventId '${eventId}' was already used for a different request`, { eventId });
  }
  return previous.result as unknown as ActionResult;
}

/**
 * `execute`: decides an agent's request and records it. The action row, its audit entry and (for
 * require_approval) its approval are written in one transaction; nothing is answered before that
 * commit. A repeated eventId answers the original result without a new entry; the same eventId with a
 * different request is a conflict.
 */
export async function decideAction({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<ActionResult> {
  const actor = requireAgent(ctx);
  const early = parseActionRequest(input);
  if (early.eventId) {
    const previous = await findPrevious(actor.agentId, early.eventId, actionRequestHash(actor.agentId, early));
    if (previous) return previous;
  }
  const prepared = await prepare(ctx, input, "execute");
  const { request, requestHash, agent, decision, gateReason } = prepared;
  const needsApproval = !gateReason && decision.effect === "require_approval" && decision.approval;

  let result: ActionResult;
  try {
    result = await db().$transaction(async (tx) => {
      const actionId = newId("action");
      const approval =
        needsApproval && decision.approval ? { id: newId("approval"), expiresAt: new Date(Date.now() + decision.approval.timeoutSeconds * 1000) } : undefined;
      const draft = buildActionResult({ decision, auditEventId: "", ...(approval ? { approval } : {}), ...(gateReason ? { denialReason: gateReason } : {}) });
      const entry = await appendAuditEntry(tx, ctx.org.id, {
        type: "action.decided",
        actor: actorRef(actor),
        agentId: agent.id,
        subjectId: actionId,
        data: {
          actionId,
          agentName: agent.name,
          actionType: request.actionType,
          status: draft.status,
          ...(draft.denialReason ? { denialReason: draft.denialReason } : {}),
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
      });
      const final: ActionResult = { ...draft, auditEventId: entry.id };
      await tx.action.create({
        data: {
          id: actionId,
          orgId: ctx.org.id,
          agentId: agent.id,
          actionType: request.actionType,
          metadata: request.metadata as object,
          dataAccessed: request.dataAccessed,
          status: final.status,
          denialReason: final.denialReason ?? null,
          policyName: decision.policy?.name ?? null,
          policyVersionId: decision.policy?.versionId ?? null,
          mode: decision.mode,
          result: final as object,
          idempotencyKey: request.eventId ?? null,
          requestHash,
          auditEntryId: entry.id,
        },
      });
      if (approval && decision.approval) {
        await tx.approval.create({
          data: {
            id: approval.id,
            orgId: ctx.org.id,
            actionId,
            agentId: agent.id,
            policyVersionId: decision.policy?.versionId ?? null,
            requestHash,
            quorum: decision.approval.quorum,
            approverRoles: decision.approval.approverRoles,
            approverMemberIds: decision.approval.approvers,
            excludeAgentOwner: decision.approval.excludeAgentOwner,
            requestedBy: typeof request.metadata.requestedBy === "string" ? request.metadata.requestedBy : null,
            expiresAt: approval.expiresAt,
          },
        });
      }
      return final;
    }, TX_OPTIONS);
  } catch (error) {
    // Two concurrent calls with one eventId: the loser's transaction (entry included) rolled back.
    if (request.eventId && isUniqueViolation(error)) {
      const previous = await findPrevious(agent.id, request.eventId, requestHash);
      if (previous) return previous;
    }
    throw error;
  }

  if (prepared.probe) await settleProbe(ctx, agent.id, result.status !== "denied");
  else if (result.status === "denied" && !gateReason) await recordFailure(ctx, agent.id, prepared.breaker, `denied ${request.actionType}`);
  return result;
}
