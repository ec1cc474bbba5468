import { conflict, issueApiKey, type IssuedKey } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import type { Tx } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { evictKeyCache } from "./authenticate-api-key";

/** How long the idempotency key of a call that issues a secret (an agent, a key) answers its retry. */
export const ISSUE_IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/**
 * The entry of `type` recorded with `idempotencyKey` in the last 24 hours, or null. Takes the org's
 * log lock first, so concurrent retries with one key queue behind each other: the second finds the
 * first's entry instead of issuing again. The key is compared exactly (not as a LIKE pattern).
 */
export async function earlierIssue(
  tx: Tx,
  orgId: string,
  type: "agent.created" | "key.issued" | "delegation.created",
  idempotencyKey: string,
): Promise<{ subjectId: string; data: Record<string, unknown> } | null> {
  await lockAuditLog(tx, orgId);
  const rows = await tx.$queryRaw<Array<{ subject_id: string | null; data: Record<string, unknown> | null }>>`
    SELECT subject_id, (canonical::jsonb) -> 'data' AS data FROM audit_entries
    WHERE org_id = ${orgId} AND type = ${type}
      AND created_at >= ${new Date(Date.now() - ISSUE_IDEMPOTENCY_WINDOW_MS)}
      AND (canonical::jsonb) -> 'data' ->> 'idempotencyKey' = ${idempotencyKey}
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
}

/**
 * A fresh secret for a key issued by an earlier call with the same idempotency key, whose answer (the
 * only copy of the first secret) was lost: the same key, a new secret; the first secret stops working.
 * Recorded as `key.reissued`. A key revoked since is a 409. Call {@link forgetReissued} after the commit.
 */
export async function reissueKey(tx: Tx, ctx: Ctx, key: KeyRow): Promise<IssuedKey> {
  if (key.revokedAt) throw conflict("the key this Idempotency-Key issued has been revoked since: issue another with a new Idempotency-Key");
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
