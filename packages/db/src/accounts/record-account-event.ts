import type { AuditEntryType } from "@gatehouse/core";
import type { Tx } from "../infra/client";
import { appendAuditEntry } from "../audit/append-audit-entries";

/**
 * An account-level change (password changed or reset, sessions ended) changes who can act in every
 * org the user belongs to, so it is recorded in each of those orgs' audit logs, in the caller's
 * transaction, with the user's membership as the actor. Orgs are taken in id order, the order every
 * multi-org writer locks log heads in. A closed org's log takes no more entries, so closed orgs are skipped. A user without an org has no log to write to: the change
 * is then visible only on the user row (updated_at, session_version).
 */
export async function recordAccountEvent(tx: Tx, userId: string, type: Extract<AuditEntryType, `account.${string}`>): Promise<void> {
  const memberships = await tx.membership.findMany({ where: { userId, org: { closedAt: null } }, select: { id: true, orgId: true }, orderBy: { orgId: "asc" } });
  for (const membership of memberships) {
    await appendAuditEntry(tx, membership.orgId, { type, actor: { type: "member", id: membership.id }, subjectId: userId, data: { userId } });
  }
}
