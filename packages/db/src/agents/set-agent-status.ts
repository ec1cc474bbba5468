import { agentStatusBodySchema } from "@gatehouse/contracts";
import { notFound, validationError, zodIssues, type PendingApproval } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { announceApprovals } from "../approvals/announce-approvals";
import { endUndecided } from "../approvals/end-approvals";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import { screenWithOrgSettings } from "../content/content-screen";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { forgetAgent } from "../snapshots/agent-snapshot";
import { AGENT_VIEW_INCLUDE, agentView, type AgentView } from "./agent-view";
import { pendingUnderSql } from "./halt-by-system";

/**
 * Halts or resumes an agent. Decisions read the agent's status from the database, so the change holds
 * on every API instance from the moment it commits. Halting twice (or resuming an active agent) is a no-op.
 */
export async function setAgentStatus({ ctx, input }: { ctx: Ctx; input: { agentId: string; status: "active" | "halted"; body?: unknown } }): Promise<AgentView> {
  requirePermission(ctx, "agents.manage");
  const parsed = agentStatusBodySchema.safeParse(input.body ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  // The reason goes into the agent, the approvals it cancels and the log alike: screened once, first (docs/content.md).
  const reason = parsed.data.reason === undefined ? undefined : await screenWithOrgSettings(ctx.org.id, "reason", parsed.data.reason);
  const cancelled: string[] = [];
  const view = await db().$transaction(async (tx) => {
    // The log head first (the lock order: a decision's commit may change this agent's row under it).
    await lockAuditLog(tx, ctx.org.id);
    const agent = await tx.agent.findFirst({ where: { id: input.agentId, orgId: ctx.org.id }, include: AGENT_VIEW_INCLUDE });
    if (!agent) throw notFound("agent");
    if (agent.status === input.status) return agentView(agent);
    const halted = input.status === "halted";
    const updated = await tx.agent.update({
      where: { id: agent.id },
      include: AGENT_VIEW_INCLUDE,
      data: {
        status: input.status,
        haltedAt: halted ? new Date() : null,
        haltedReason: halted ? (reason ?? null) : null,
        // Who halted it: the member (through the console or their admin key), or the system by name.
        haltedByMembershipId: halted && (ctx.actor.type === "user" || ctx.actor.type === "adminKey") ? ctx.actor.membershipId : null,
        haltedBySystem: halted && ctx.actor.type === "system" ? ctx.actor.name : null,
      },
    });
    await appendAuditEntry(tx, ctx.org.id, {
      type: halted ? "agent.halted" : "agent.resumed",
      actor: actorRef(ctx.actor),
      agentId: agent.id,
      subjectId: agent.id,
      data: { name: agent.name, ...(reason ? { reason } : {}) },
    });
    // The log head is locked now, so no decision batch can add a pending approval for this agent
    // behind our back; batches after this commit see the halt.
    if (halted) cancelled.push(...(await cancelPendingApprovals(tx, ctx, agent.id, reason ?? null)));
    return agentView(updated);
  }, TX_OPTIONS);
  forgetAgent(input.agentId);
  await publishAfterCommit({ type: "agent.changed", orgId: ctx.org.id, agentId: input.agentId });
  await announceApprovals(ctx.org.id, cancelled);
  return view;
}

/**
 * Cancels the pending approvals of the agent and of its delegates (the subtree of delegations below
 * it, which a halt stops too) inside the halt's transaction; their waiters hear AGENT_HALTED.
 */
async function cancelPendingApprovals(tx: Tx, ctx: Ctx, agentId: string, reason: string | null): Promise<string[]> {
  const pending = await tx.$queryRawUnsafe<PendingApproval[]>(pendingUnderSql("$1", "$2"), ctx.org.id, agentId);
  const rows = pending.map((p) => ({ id: p.approvalId, agent_id: p.agentId, action_id: p.actionId, action_type: p.actionType }));
  return endUndecided(tx, ctx.org.id, rows, { status: "cancelled", reason }, actorRef(ctx.actor));
}
