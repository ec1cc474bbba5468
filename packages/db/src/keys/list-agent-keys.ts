import { notFound } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { keyView } from "./key-view";

/** An agent's keys, without secrets. */
export async function listAgentKeys({ ctx, input }: { ctx: Ctx; input: { agentId: string } }) {
  requirePermission(ctx, "keys.manage");
  const agent = await db().agent.findFirst({ where: { id: input.agentId, orgId: ctx.org.id } });
  if (!agent) throw notFound("agent");
  const keys = await db().apiKey.findMany({ where: { agentId: agent.id, orgId: ctx.org.id }, orderBy: { createdAt: "asc" } });
  return keys.map(keyView);
}
