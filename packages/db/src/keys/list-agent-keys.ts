import { notFound } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";

/** An agent's keys, without secrets. */
export async function listAgentKeys({ ctx, input }: { ctx: Ctx; input: { agentId: string } }) {
  requirePermission(ctx, "keys.manage");
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
