import { issueApiKey, newId, notFound, validationError, zodIssues } from "@gatehouse/core";
import { z } from "zod";
import { db, TX_OPTIONS, type Tx } from "../client";
import type { Ctx } from "../context";
import { publishAfterCommit } from "../signals";
import { forgetAgent } from "../snapshots";
import { appendAuditEntries, appendAuditEntry } from "./append-audit-entries";
import { announceApprovals } from "./announce-approvals";
import { endingEntries, settleEndings, type Ending } from "./end-approvals";
import { actorRef, MANAGE_ROLES, requireRole } from "./permissions";

export interface AgentView {
  id: string;
  name: string;
  description: string | null;
  labels: Record<string, string>;
  status: "active" | "halted";
  haltedAt: string | null;
  haltedReason: string | null;
  cbState: "closed" | "open" | "half_open";
  createdAt: string;
}

type AgentRow = Awaited<ReturnType<ReturnType<typeof db>["agent"]["findFirstOrThrow"]>>;

export function agentView(row: AgentRow): AgentView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    labels: row.labels as Record<string, string>,
    status: row.status,
    haltedAt: row.haltedAt?.toISOString() ?? null,
    haltedReason: row.haltedReason,
    cbState: row.circuitState,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The org's agents by name. Any member may list them. */
export async function listAgents({ ctx }: { ctx: Ctx }): Promise<AgentView[]> {
  requireRole(ctx, ["owner", "admin", "approver", "auditor", "viewer"], "listing agents");
  const rows = await db().agent.findMany({ where: { orgId: ctx.org.id }, orderBy: { name: "asc" } });
  return rows.map(agentView);
}

const haltInput = z.strictObject({ reason: z.string().max(500).optional() });

/**
 * Halts or resumes an agent. Decisions read the agent's status from the database, so the change holds
 * on every API instance from the moment it commits. Halting twice (or resuming an active agent) is a no-op.
 */
export async function setAgentStatus({ ctx, input }: { ctx: Ctx; input: { agentId: string; status: "active" | "halted"; body?: unknown } }): Promise<AgentView> {
  requireRole(ctx, MANAGE_ROLES, input.status === "halted" ? "halting an agent" : "resuming an agent");
  const parsed = haltInput.safeParse(input.body ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const cancelled: string[] = [];
  const view = await db().$transaction(async (tx) => {
    const agent = await tx.agent.findFirst({ where: { id: input.agentId, orgId: ctx.org.id } });
    if (!agent) throw notFound("agent");
    if (agent.status === input.status) return agentView(agent);
    const halted = input.status === "halted";
    const updated = await tx.agent.update({
      where: { id: agent.id },
      data: { status: input.status, haltedAt: halted ? new Date() : null, haltedReason: halted ? (parsed.data.reason ?? null) : null },
    });
    await appendAuditEntry(tx, ctx.org.id, {
      type: halted ? "agent.halted" : "agent.resumed",
      actor: actorRef(ctx.actor),
      agentId: agent.id,
      subjectId: agent.id,
      data: { name: agent.name, ...(parsed.data.reason ? { reason: parsed.data.reason } : {}) },
    });
    // The log head is locked now, so no decision batch can add a pending approval for this agent
    // behind our back; batches after this commit see the halt.
    if (halted) cancelled.push(...(await cancelPendingApprovals(tx, ctx, agent.id, parsed.data.reason ?? null)));
    return agentView(updated);
  }, TX_OPTIONS);
  forgetAgent(input.agentId);
  await publishAfterCommit({ type: "agent.changed", orgId: ctx.org.id, agentId: input.agentId });
  await announceApprovals(ctx.org.id, cancelled);
  return view;
}

const keyInput = z.strictObject({ name: z.string().min(1).max(100).default("default"), expiresInDays: z.number().int().min(1).max(3650).optional() });

/** Issues another key for an agent (for rotation); shown once. */
export async function issueAgentKey({ ctx, input }: { ctx: Ctx; input: { agentId: string; body?: unknown } }): Promise<{ id: string; agentId: string; apiKey: string; prefix: string; expiresAt: string | null }> {
  requireRole(ctx, MANAGE_ROLES, "issuing an agent key");
  const parsed = keyInput.safeParse(input.body ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const key = issueApiKey("agent");
  const expiresAt = parsed.data.expiresInDays ? new Date(Date.now() + parsed.data.expiresInDays * 86_400_000) : null;
  return db().$transaction(async (tx) => {
    const agent = await tx.agent.findFirst({ where: { id: input.agentId, orgId: ctx.org.id } });
    if (!agent) throw notFound("agent");
    const row = await tx.apiKey.create({
      data: { id: newId("apiKey"), orgId: ctx.org.id, kind: "agent", agentId: agent.id, name: parsed.data.name, prefix: key.prefix, keyHash: key.hash, lastFour: key.lastFour, expiresAt },
    });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "key.issued",
      actor: actorRef(ctx.actor),
      agentId: agent.id,
      subjectId: row.id,
      data: { kind: "agent", prefix: key.prefix, name: row.name, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) },
    });
    return { id: row.id, agentId: agent.id, apiKey: key.plaintext, prefix: key.prefix, expiresAt: expiresAt?.toISOString() ?? null };
  }, TX_OPTIONS);
}

/** An agent's keys, without secrets. */
export async function listAgentKeys({ ctx, input }: { ctx: Ctx; input: { agentId: string } }) {
  requireRole(ctx, MANAGE_ROLES, "listing keys");
  const agent = await db().agent.findFirst({ where: { id: input.agentId, orgId: ctx.org.id } });
  if (!agent) throw notFound("agent");
  const keys = await db().apiKey.findMany({ where: { agentId: agent.id, orgId: ctx.org.id }, orderBy: { createdAt: "asc" } });
  return keys.map((k) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    lastFour: k.lastFour,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    expiresAt: k.expiresAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  }));
}

/** Cancels the agent's pending approvals inside the halt's transaction; their waiters hear AGENT_HALTED. */
async function cancelPendingApprovals(tx: Tx, ctx: Ctx, agentId: string, reason: string | null): Promise<string[]> {
  const rows = await tx.$queryRaw<Array<{ id: string; action_id: string; action_type: string }>>`
    SELECT a.id, a.action_id, c.action_type FROM approvals a JOIN actions c ON c.id = a.action_id
    WHERE a.org_id = ${ctx.org.id} AND a.agent_id = ${agentId} AND a.status = 'pending' ORDER BY a.id FOR UPDATE OF a`;
  if (rows.length === 0) return [];
  const endings = rows.map((r): Ending => ({ approvalId: r.id, actionId: r.action_id, agentId, actionType: r.action_type, status: "cancelled", reason, decidedBy: null }));
  await appendAuditEntries(tx, ctx.org.id, endingEntries(endings, actorRef(ctx.actor)));
  await settleEndings(tx, ctx.org.id, endings);
  return rows.map((r) => r.id);
}
