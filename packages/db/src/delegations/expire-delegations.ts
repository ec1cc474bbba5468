import type { ActorRef } from "@gatehouse/core";
import { appendAuditEntries } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import { db, TX_OPTIONS } from "../infra/client";

const EXPIRY_ACTOR: ActorRef = { type: "system", id: "delegation-expiry" };

/**
 * Records `delegation.expired` for the org's delegations past their expiry (not revoked, not yet
 * recorded). Expiry itself needs no job: it is exact at request time (the chain check and the key's
 * own `expires_at`); this only puts it in the log. Safe from every instance at once: rows are taken
 * FOR UPDATE SKIP LOCKED and marked, so each expiry is recorded once. Returns the ids recorded.
 */
export async function expireDelegations(orgId: string, now = new Date(), limit = 500): Promise<string[]> {
  return db().$transaction(async (tx) => {
    await lockAuditLog(tx, orgId);
    const rows = await tx.$queryRaw<Array<{ id: string; name: string; parent_agent_id: string; child_agent_id: string; expires_at: Date }>>`
      SELECT id, name, parent_agent_id, child_agent_id, expires_at FROM delegations
      WHERE org_id = ${orgId} AND revoked_at IS NULL AND expiry_recorded_at IS NULL AND expires_at <= ${now}
      ORDER BY expires_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await tx.$executeRaw`UPDATE delegations SET expiry_recorded_at = ${now} WHERE id = ANY(${ids}::text[])`;
    await appendAuditEntries(
      tx,
      orgId,
      rows.map((r) => ({
        type: "delegation.expired",
        actor: EXPIRY_ACTOR,
        agentId: r.parent_agent_id,
        subjectId: r.id,
        data: { delegationId: r.id, name: r.name, parentAgentId: r.parent_agent_id, childAgentId: r.child_agent_id, expiresAt: r.expires_at.toISOString() },
      })),
    );
    return ids;
  }, TX_OPTIONS);
}

/** One sweep over every org (the worker runs it every second). */
export async function expireDueDelegations(now = new Date()): Promise<number> {
  const due = await db().$queryRaw<Array<{ org_id: string }>>`
    SELECT DISTINCT org_id FROM delegations WHERE revoked_at IS NULL AND expiry_recorded_at IS NULL AND expires_at <= ${now} LIMIT 100`;
  let total = 0;
  for (const { org_id } of due) total += (await expireDelegations(org_id, now)).length;
  return total;
}
