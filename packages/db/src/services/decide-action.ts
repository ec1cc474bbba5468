import {
  actionRequestHash,
  buildActionResult,
  compilePolicy,
  conflict,
  evaluate,
  newId,
  notFound,
  parseActionRequest,
  type ActionResult,
  type CompiledPolicy,
  type Decision,
  type PolicyDocument,
} from "@gatehouse/core";
import { db, TX_OPTIONS } from "../client";
import type { Ctx } from "../context";
import { isUniqueViolation } from "../prisma-errors";
import { appendAuditEntry } from "./append-audit-entries";
import { listActivePolicyVersions } from "./apply-policies";
import { actorRef, requireAgent } from "./permissions";

/** Policy versions are immutable, so a compiled version never goes stale; keyed by version id. */
const compiled = new Map<string, CompiledPolicy>();

async function compiledPoliciesFor(orgId: string): Promise<CompiledPolicy[]> {
  const versions = await listActivePolicyVersions(orgId);
  return versions.map((v) => {
    let policy = compiled.get(v.id);
    if (!policy) {
      policy = compilePolicy(v.document as unknown as PolicyDocument, { versionId: v.id, version: v.version });
      compiled.set(v.id, policy);
    }
    return policy;
  });
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
 * `execute`: decides an agent's request by the org's policies and records it. The action row, its
 * audit entry and (for require_approval) its approval are written in one transaction; nothing is
 * answered before that commit. A repeated eventId answers the original result without a new entry;
 * the same eventId with a different request is a conflict.
 */
export async function decideAction({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<ActionResult> {
  const actor = requireAgent(ctx);
  const request = parseActionRequest(input);
  const requestHash = actionRequestHash(actor.agentId, request);
  if (request.eventId) {
    const previous = await findPrevious(actor.agentId, request.eventId, requestHash);
    if (previous) return previous;
  }

  const agent = await db().agent.findFirst({ where: { id: actor.agentId, orgId: ctx.org.id } });
  if (!agent) throw notFound("agent");
  const policies = await compiledPoliciesFor(ctx.org.id);
  const decision: Decision = evaluate(policies, {
    actionType: request.actionType,
    agent: { id: agent.id, name: agent.name, labels: agent.labels as Record<string, string> },
    metadata: request.metadata,
    dataAccessed: request.dataAccessed,
  });
  const denialReason = agent.status === "halted" ? "AGENT_HALTED" : undefined;
  const needsApproval = !denialReason && decision.effect === "require_approval";

  try {
    return await db().$transaction(async (tx) => {
      const actionId = newId("action");
      const approval =
        needsApproval && decision.approval
          ? { id: newId("approval"), expiresAt: new Date(Date.now() + decision.approval.timeoutSeconds * 1000) }
          : undefined;
      const draft = buildActionResult({ decision, auditEventId: "", ...(approval ? { approval } : {}), ...(denialReason ? { denialReason } : {}) });
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
          mode: decision.mode,
          monitored: decision.monitored,
          metadata: request.metadata,
          dataAccessed: request.dataAccessed,
          requestHash,
          ...(request.eventId ? { eventId: request.eventId } : {}),
          ...(approval ? { approvalId: approval.id, timeoutAt: approval.expiresAt.toISOString() } : {}),
        },
      });
      const result: ActionResult = { ...draft, auditEventId: entry.id };
      await tx.action.create({
        data: {
          id: actionId,
          orgId: ctx.org.id,
          agentId: agent.id,
          actionType: request.actionType,
          metadata: request.metadata as object,
          dataAccessed: request.dataAccessed,
          status: result.status,
          denialReason: result.denialReason ?? null,
          policyName: decision.policy?.name ?? null,
          policyVersionId: decision.policy?.versionId ?? null,
          mode: decision.mode,
          result: result as object,
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
      return result;
    }, TX_OPTIONS);
  } catch (error) {
    // Two concurrent calls with one eventId: the loser's transaction (entry included) rolled back.
    if (request.eventId && isUniqueViolation(error)) {
      const previous = await findPrevious(actor.agentId, request.eventId, requestHash);
      if (previous) return previous;
    }
    throw error;
  }
}
