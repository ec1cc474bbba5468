import { buildActionResult, canonicalize, conflict, newId, sha256Hex } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { commitDecision, type CommitFacts, type Materialized } from "../decisions/group-commit";
import { ensurePolicyAgent } from "./system-agent";

/** Who may approve what waits for a second admin: one vote of another owner or admin. */
const SECOND_ADMIN = { quorum: 1, approverRoles: ["owner", "admin"] as Array<"owner" | "admin">, approvers: [] as string[], excludeAgentOwner: false };

/**
 * Opens the approval a change under the two-admin rule waits for: an action `actionType` of the org's
 * system agent, decided through the approvals like any agent's, with `requester` (the member asking)
 * as its requester, so separation of duties refuses their own vote. `approvalId` is chosen by the
 * caller and recorded with the change before this runs, so the change is bound to this one approval
 * (an approval of any other action, whatever its metadata says, never applies it). Recorded by the
 * same group commit as every decision: the action, its approval and its `action.decided` entry together.
 */
export async function openSystemApproval(
  ctx: Ctx,
  input: { actionType: string; metadata: Record<string, unknown>; requester: string; approvalId: string; timeoutSeconds: number },
): Promise<string> {
  const { actionType, metadata, requester, approvalId, timeoutSeconds } = input;
  const agent = await ensurePolicyAgent(ctx);
  const requestHash = sha256Hex(canonicalize({ agentId: agent.id, actionType, metadata }));
  const approval = { ...SECOND_ADMIN, timeoutSeconds };
  const materialize = ({ at, halted }: CommitFacts): Materialized => {
    const actionId = newId("action");
    const pending = halted ? undefined : { id: approvalId, expiresAt: new Date(at.getTime() + timeoutSeconds * 1000) };
    const decision = { effect: "require_approval" as const, mode: "enforce" as const, conditionsEvaluated: [], monitored: [], approval };
    const { auditEventId: _none, ...result } = buildActionResult({ decision, auditEventId: "", ...(pending ? { approval: pending } : { denialReason: "AGENT_HALTED" }) });
    return {
      actionId,
      result,
      entry: {
        type: "action.decided",
        actor: actorRef(ctx.actor),
        agentId: agent.id,
        subjectId: actionId,
        data: {
          actionId,
          agentName: agent.name,
          actionType,
          status: result.status,
          ...(result.denialReason ? { denialReason: result.denialReason } : {}),
          mode: "enforce",
          monitored: [],
          conditionsEvaluated: [],
          metadata,
          dataAccessed: [],
          requestHash,
          ...(pending ? { approvalId: pending.id, timeoutAt: pending.expiresAt.toISOString() } : {}),
        },
      },
      action: {
        actionType,
        metadata,
        dataAccessed: [],
        status: result.status,
        denialReason: result.denialReason ?? null,
        policyName: null,
        policyVersionId: null,
        mode: "enforce",
      },
      ...(pending
        ? {
            approval: {
              id: pending.id,
              policyVersionId: null,
              quorum: approval.quorum,
              approverRoles: approval.approverRoles,
              approverMemberIds: [],
              excludeAgentOwner: false,
              requestedBy: requester,
              requesterRef: requester,
              system: true,
              expiresAt: pending.expiresAt,
            },
          }
        : {}),
      // Gatehouse's own request screens nothing and spends nothing: no entry follows it.
      followers: [],
      budgetAlerts: [],
    };
  };
  const { result } = await commitDecision({ orgId: ctx.org.id, agentId: agent.id, eventId: undefined, requestHash, materialize });
  if (!result.approvalId) throw conflict(`the '${agent.name}' agent is halted: resume it to make changes under the two-admin rule`);
  return result.approvalId;
}
