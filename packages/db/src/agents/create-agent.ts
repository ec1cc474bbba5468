import type { CreatedAgent } from "@gatehouse/contracts";
import { createAgentBodySchema } from "@gatehouse/contracts";
import { conflict, newId, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";
import { insertApiKey } from "../keys/insert-api-key";
import { earlierIssue, forgetReissued, idempotencyRef, reissueKey } from "../keys/reissue";

export type { CreatedAgent };

/**
 * Registers an agent with its first API key. Admins and owners only. With an `idempotencyKey`, a retry
 * within 24 hours by the same caller (same name) answers the agent the first call created with a fresh
 * secret for its first key (`key.reissued`), never a second agent; the first secret stops working. A
 * halted agent's key is not reissued (403 AGENT_HALTED); another caller's idempotency key matches nothing.
 */
export async function createAgent({ ctx, input, idempotencyKey }: { ctx: Ctx; input: unknown; idempotencyKey?: string | undefined }): Promise<CreatedAgent> {
  requirePermission(ctx, "agents.manage");
  const parsed = createAgentBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { name, description, labels } = parsed.data;
  const createdBy = ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : null;
  let reissued: string | null = null;
  try {
    const result = await db().$transaction(async (tx) => {
      const earlier = idempotencyKey ? await earlierIssue(tx, ctx, "agent.created", idempotencyKey) : null;
      if (earlier) {
        const agent = await tx.agent.findFirst({ where: { id: earlier.subjectId, orgId: ctx.org.id } });
        const first = typeof earlier.data.keyId === "string" ? await tx.apiKey.findFirst({ where: { id: earlier.data.keyId, orgId: ctx.org.id } }) : null;
        if (!agent || !first || agent.name !== name) throw conflict("this Idempotency-Key was used for another agent");
        const fresh = await reissueKey(tx, ctx, first);
        reissued = first.id;
        return {
          id: agent.id,
          name,
          description: agent.description,
          labels: agent.labels as Record<string, string>,
          status: agent.status,
          apiKey: fresh.plaintext,
          keyId: first.id,
        };
      }
      const agent = await tx.agent.create({
        data: { id: newId("agent"), orgId: ctx.org.id, name, description: description ?? null, labels, createdByMembershipId: createdBy },
      });
      const apiKey = await insertApiKey(tx, { orgId: ctx.org.id, holder: { kind: "agent", agentId: agent.id } });
      await appendAuditEntry(tx, ctx.org.id, {
        type: "agent.created",
        actor: actorRef(ctx.actor),
        agentId: agent.id,
        subjectId: agent.id,
        data: { name, labels, keyId: apiKey.id, keyPrefix: apiKey.prefix, ...(idempotencyKey ? { idempotencyRef: idempotencyRef(ctx.actor, idempotencyKey) } : {}) },
      });
      return { id: agent.id, name, description: agent.description, labels, status: agent.status, apiKey: apiKey.plaintext, keyId: apiKey.id };
    }, TX_OPTIONS);
    if (reissued) await forgetReissued(reissued);
    return result;
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`an agent named '${name}' already exists`);
    throw error;
  }
}
