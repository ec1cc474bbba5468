import { issueAgentKeyBodySchema } from "@gatehouse/contracts";
import { issueApiKey, newId, notFound, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";

/** Issues another key for an agent (for rotation); shown once. */
export async function issueAgentKey({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { agentId: string; body?: unknown };
}): Promise<{ id: string; agentId: string; apiKey: string; prefix: string; expiresAt: string | null }> {
  requirePermission(ctx, "keys.manage");
  const parsed = issueAgentKeyBodySchema.safeParse(input.body ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const key = issueApiKey("agent");
  const expiresAt = parsed.data.expiresInDays ? new Date(Date.now() + parsed.data.expiresInDays * 86_400_000) : null;
  return db().$transaction(async (tx) => {
    const agent = await tx.agent.findFirst({ where: { id: input.agentId, orgId: ctx.org.id } });
    if (!agent) throw notFound("agent");
    const row = await tx.apiKey.create({
      data: {
        id: newId("apiKey"),
        orgId: ctx.org.id,
        kind: "agent",
        agentId: agent.id,
        name: parsed.data.name,
        prefix: key.prefix,
        keyHash: key.hash,
        lastFour: key.lastFour,
        expiresAt,
      },
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
