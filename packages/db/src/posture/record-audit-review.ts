import { newId } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";

/**
 * Records that the audit log was verified (with the result) or exported, and by whom, for the
 * posture score's audit integrity (docs/posture.md): the actor's type and id and, for a member or a
 * member's admin key, their role. Called by every handler that verifies or exports the log (API and
 * console). Observation: it fails open — an error here never fails the verify or the export.
 */
export async function recordAuditReview({ ctx, input }: { ctx: Ctx; input: { kind: "verify"; valid: boolean } | { kind: "export" } }): Promise<void> {
  const { actor } = ctx;
  const [actorType, actorId, role] =
    actor.type === "user"
      ? ["member", actor.membershipId, actor.role]
      : actor.type === "adminKey"
        ? ["adminKey", actor.keyId, actor.role]
        : actor.type === "agent"
          ? ["agent", actor.agentId, null]
          : ["system", actor.name, null];
  try {
    await db().pool.query(`INSERT INTO audit_reviews (id, org_id, kind, actor_type, actor_id, member_role, valid) VALUES ($1, $2, $3, $4, $5, $6::member_role, $7)`, [
      newId("auditReview"),
      ctx.org.id,
      input.kind,
      actorType,
      actorId,
      role,
      input.kind === "verify" ? input.valid : null,
    ]);
  } catch {
    // Fails open: the review happened whether or not it could be recorded.
  }
}
