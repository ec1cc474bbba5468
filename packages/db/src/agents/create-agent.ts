import type { CreatedAgent } from "@gatehouse/contracts";
import { createAgentBodySchema } from "@gatehouse/contracts";
import { conflict, issueApiKey, newId, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";

export type { CreatedAgent };

/** Registers an agent with its first API key. Admins and owners only. */
export async function createAgent({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<CreatedAgent> {
  requirePermission(ctx, "agents.manage");
  const parsed = createAgentBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { name, description, labels } = parsed.data;
  const key = issueApiKey("agent");
  const createdBy = ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : null;
  try {
    return await db().$transaction(async (tx) => {
      const agent = await tx.agent.create({
        data: { id: newId("agent"), orgId: ctx.org.id, name, description: description ?? null, labels, createdByMembershipId: createdBy },
      });
      const apiKey = await tx.apiKey.create({
        data: { id: newId("apiKey"), orgId: ctx.org.id, kind: "agent", agentId: agent.id, prefix: key.prefix, keyHash: key.hash, lastFour: key.lastFour },
      });
      await appendAuditEntry(tx, ctx.org.id, {
        type: "agent.created",
        actor: actorRef(ctx.actor),
        agentId: agent.id,
        subjectId: agent.id,
        data: { name, labels, keyId: apiKey.id, keyPrefix: key.prefix },
      });
      return { id: agent.id, name, description: agent.description, labels, status: agent.status, apiKey: key.plaintext, keyId: apiKey.id };
    }, TX_OPTIONS);
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`an agent named '${name}' already exists`);
    throw error;
  }
}
