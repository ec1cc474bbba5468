import { issueAgentKeyBodySchema } from "@gatehouse/contracts";
import { conflict, forbidden, notFound, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { insertApiKey } from "./insert-api-key";
import { earlierIssue, forgetReissued, idempotencyRef, reissueKey } from "./reissue";

/**
 * Issues another key for an agent (for rotation); shown once. A delegate gets none (403: its key is its
 * delegation's). With an `idempotencyKey`, a retry within 24 hours by the same caller (same agent, same
 * name) gets a fresh secret for the key the first call issued, never a second key (`key.reissued`);
 * the first secret stops working. Not for a halted agent (403 AGENT_HALTED): resume it, or issue anew.
 */
export async function issueAgentKey({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { agentId: string; body?: unknown; idempotencyKey?: string | undefined };
}): Promise<{ id: string; agentId: string; apiKey: string; prefix: string; expiresAt: string | null }> {
  requirePermission(ctx, "keys.manage");
  const parsed = issueAgentKeyBodySchema.safeParse(input.body ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const expiresAt = parsed.data.expiresInDays ? new Date(Date.now() + parsed.data.expiresInDays * 86_400_000) : null;
  let reissued: string | null = null;
  const result = await db().$transaction(async (tx) => {
    const agent = await tx.agent.findFirst({ where: { id: input.agentId, orgId: ctx.org.id } });
    if (!agent) throw notFound("agent");
    // A delegate holds one key, the one its delegation issued: a key from here would outlive and outreach it.
    if (await tx.delegation.findUnique({ where: { childAgentId: agent.id }, select: { id: true } })) {
      throw forbidden("a delegate's only key is the one its delegation issued: its parent can delegate again");
    }
    const earlier = input.idempotencyKey ? await earlierIssue(tx, ctx, "key.issued", input.idempotencyKey) : null;
    if (earlier) {
      const first = await tx.apiKey.findFirst({ where: { id: earlier.subjectId, orgId: ctx.org.id } });
      if (!first || first.kind !== "agent" || first.agentId !== agent.id || first.name !== parsed.data.name) throw conflict("this Idempotency-Key was used for another key");
      const fresh = await reissueKey(tx, ctx, first);
      reissued = first.id;
      return { id: first.id, agentId: agent.id, apiKey: fresh.plaintext, prefix: fresh.prefix, expiresAt: first.expiresAt?.toISOString() ?? null };
    }
    const row = await insertApiKey(tx, { orgId: ctx.org.id, holder: { kind: "agent", agentId: agent.id }, name: parsed.data.name, expiresAt });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "key.issued",
      actor: actorRef(ctx.actor),
      agentId: agent.id,
      subjectId: row.id,
      data: {
        kind: "agent",
        prefix: row.prefix,
        name: row.name,
        ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
        ...(input.idempotencyKey ? { idempotencyRef: idempotencyRef(ctx.actor, input.idempotencyKey) } : {}),
      },
    });
    return { id: row.id, agentId: agent.id, apiKey: row.plaintext, prefix: row.prefix, expiresAt: expiresAt?.toISOString() ?? null };
  }, TX_OPTIONS);
  if (reissued) await forgetReissued(reissued);
  return result;
}
