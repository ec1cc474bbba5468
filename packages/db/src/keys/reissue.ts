import { createHash } from "node:crypto";
import { conflict, issueApiKey, type IssuedKey } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Actor, Ctx } from "../actors/context";
import { requireStandingNow } from "../actors/delegation-chain";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import type { Tx } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { evictKeyCache } from "./authenticate-api-key";

/** How long the idempotency key of a call that issues a secret (an agent, a key) answers its retry. */
export const ISSUE_IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/** The credential a call came with: a key (an agent's or a member's), a member's session, or the system. */
function callerOf(actor: Actor): string {
  switch (actor.type) {
    case "agent":
    case "adminKey":
      return `key:${actor.keyId}`;
    case "user":
      return `member:${actor.membershipId}`;
    case "system":
      return `system:${actor.name}`;
  }
}

/**
 * What the audit entry of a call that issues a secret records of its `Idempotency-Key`: a digest of
 * the key bound to the caller's credential, never the key itself. So the key cannot be read back from
 * the log, and the same key sent by anyone else (another key of the same agent, the parent of a
 * delegate, another admin) finds nothing and can never be answered the first caller's secret.
 */
export function idempotencyRef(actor: Actor, idempotencyKey: string): string {
  return createHash("sha256")
    .update(`gatehouse.idempotency.v1\u0000${callerOf(actor)}\u0000${idempotencyKey}`)
    .digest("hex");
}

/**
 * The entry of `type` this caller recorded with `idempotencyKey` in the last 24 hours, or null (see
 * {@link idempotencyRef}). Takes the org's log lock first, so concurrent retries with one key queue
 * behind each other: the second finds the first's entry instead of issuing again.
 */
export async function earlierIssue(
  tx: Tx,
  ctx: Ctx,
  type: "agent.created" | "key.issued" | "delegation.created",
  idempotencyKey: string,
): Promise<{ subjectId: string; data: Record<string, unknown> } | null> {
  await lockAuditLog(tx, ctx.org.id);
  const rows = await tx.$queryRaw<Array<{ subject_id: string | null; data: Record<string, unknown> | null }>>`
    SELECT subject_id, (canonical::jsonb) -> 'data' AS data FROM audit_entries
    WHERE org_id = ${ctx.org.id} AND type = ${type}
      AND created_at >= ${new Date(Date.now() - ISSUE_IDEMPOTENCY_WINDOW_MS)}
      AND (canonical::jsonb) -> 'data' ->> 'idempotencyRef' = ${idempotencyRef(ctx.actor, idempotencyKey)}
    ORDER BY seq DESC LIMIT 1`;
  const row = rows[0];
  return row?.subject_id ? { subjectId: row.subject_id, data: row.data ?? {} } : null;
}

interface KeyRow {
  id: string;
  kind: string;
  agentId: string | null;
  prefix: string;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/**
 * A fresh secret for a key issued by an earlier call of the same caller with the same idempotency key,
 * whose answer (the only copy of the first secret) was lost: the same key, a new secret; the first
 * secret stops working. Recorded as `key.reissued`. A key revoked or expired since is a 409; an agent's
 * key is reissued only while the agent could act — it and every agent above it active, a delegate's
 * chain unrevoked and unexpired (the errors the first call would have met). Call {@link forgetReissued}
 * after the commit.
 */
export async function reissueKey(tx: Tx, ctx: Ctx, key: KeyRow, now = Date.now()): Promise<IssuedKey> {
  if (key.revokedAt) throw conflict("the key this Idempotency-Key issued has been revoked since: issue another with a new Idempotency-Key");
  if (key.expiresAt && !(key.expiresAt.getTime() > now)) throw conflict("the key this Idempotency-Key issued has expired: issue another with a new Idempotency-Key");
  if (key.agentId) await requireStandingNow(tx, ctx.org.id, key.agentId, now);
  const kind = key.kind === "admin" ? "admin" : "agent";
  const fresh = issueApiKey(kind);
  await tx.apiKey.update({ where: { id: key.id }, data: { keyHash: fresh.hash, prefix: fresh.prefix, lastFour: fresh.lastFour } });
  await appendAuditEntry(tx, ctx.org.id, {
    type: "key.reissued",
    actor: actorRef(ctx.actor),
    agentId: key.agentId,
    subjectId: key.id,
    data: { kind, prefix: fresh.prefix, previousPrefix: key.prefix, reason: "a retry with the same Idempotency-Key" },
  });
  return fresh;
}

/** After a reissue commits: the key's first secret is forgotten here and, by the `key.revoked` signal, on every instance. */
export async function forgetReissued(keyId: string): Promise<void> {
  evictKeyCache(keyId);
  await publishAfterCommit({ type: "key.revoked", keyId });
}
