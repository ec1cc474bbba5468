import { conflict, DEFAULT_APPROVER_ROLES, forbidden, handoverRefusal, newId, notFound, validationError, type MemberRole, type Voter } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";

/**
 * Out of office (docs/approvals.md, Hand-over): a member away hands their approvals to a named colleague
 * until a time. While it lasts, the colleague gets the member's notices and may decide what the member
 * could, in their place (core's `standIn`; their own separation of duties still holds). The member's own
 * hand-over only: set, read and ended by them.
 */

/** The longest a hand-over may last: 30 days. */
export const MAX_HANDOVER_DAYS = 30;

export interface HandoverView {
  id: string;
  to: { id: string; email: string; name: string };
  endsAt: string;
  createdAt: string;
}

interface HandoverRow {
  id: string;
  to_membership_id: string;
  to_email: string;
  to_name: string;
  ends_at: Date;
  created_at: Date;
}

function memberOf(ctx: Ctx): { membershipId: string; userId: string; role: MemberRole } {
  if (ctx.actor.type !== "user" && ctx.actor.type !== "adminKey") throw forbidden("a hand-over is a member's own");
  return { membershipId: ctx.actor.membershipId, userId: ctx.actor.userId, role: ctx.actor.role };
}

/** The query of `handoversTo`, by the placeholders of its org, its member and its time (for a statement that reads more besides). */
export function handoversToSql(org: string, member: string, at: string): string {
  return `SELECT m.id AS "membershipId", u.id AS "userId", u.email, m.role::text AS role
     FROM approval_handovers h JOIN memberships m ON m.id = h.from_membership_id AND m.removed_at IS NULL JOIN users u ON u.id = m.user_id
     WHERE h.org_id = ${org} AND h.to_membership_id = ${member} AND h.ended_at IS NULL AND h.ends_at > ${at}`;
}

/** The members handing their approvals to `membershipId` at `at`, as voters (for `standIn`). */
export async function handoversTo(orgId: string, membershipId: string, at: Date = new Date()): Promise<Voter[]> {
  return db().$queryRawUnsafe<Voter[]>(handoversToSql("$1", "$2", "$3"), orgId, membershipId, at);
}

/** Every live hand-over of the org: absent member → the colleague holding their queue. */
export async function liveHandovers(orgId: string, at: Date = new Date()): Promise<Map<string, { membershipId: string; userId: string; email: string; role: MemberRole }>> {
  const rows = await db().$queryRawUnsafe<Array<{ from_membership_id: string; membershipId: string; userId: string; email: string; role: MemberRole }>>(
    `SELECT h.from_membership_id, m.id AS "membershipId", u.id AS "userId", u.email, m.role::text AS role
     FROM approval_handovers h JOIN memberships m ON m.id = h.to_membership_id AND m.removed_at IS NULL JOIN users u ON u.id = m.user_id
     WHERE h.org_id = $1 AND h.ended_at IS NULL AND h.ends_at > $2`,
    orgId,
    at,
  );
  return new Map(rows.map(({ from_membership_id, ...to }) => [from_membership_id, to]));
}

export interface HandoverState {
  handover: HandoverView | null;
  /** Who the caller may hand their approvals to: the org's other members with a role that approves by default, ranking at least as high as the caller. */
  colleagues: Array<{ id: string; email: string; name: string; role: MemberRole }>;
}

export async function getHandover({ ctx }: { ctx: Ctx }): Promise<HandoverState> {
  requirePermission(ctx, "approvals.read");
  const me = memberOf(ctx);
  const members = await db().$queryRawUnsafe<HandoverState["colleagues"]>(
    `SELECT m.id, u.email, u.name, m.role::text AS role FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.org_id = $1 AND m.removed_at IS NULL AND m.id <> $2 AND m.role = ANY($3::member_role[]) ORDER BY u.email LIMIT 500`,
    ctx.org.id,
    me.membershipId,
    [...DEFAULT_APPROVER_ROLES],
  );
  const myself = { membershipId: me.membershipId, userId: me.userId, email: "", role: me.role };
  const colleagues = members.filter((m) => !handoverRefusal(myself, { membershipId: m.id, userId: "", email: m.email, role: m.role }));
  const [row] = await db().$queryRawUnsafe<HandoverRow[]>(
    `SELECT h.id, h.to_membership_id, u.email AS to_email, u.name AS to_name, h.ends_at, h.created_at
     FROM approval_handovers h JOIN memberships m ON m.id = h.to_membership_id JOIN users u ON u.id = m.user_id
     WHERE h.org_id = $1 AND h.from_membership_id = $2 AND h.ended_at IS NULL AND h.ends_at > now()`,
    ctx.org.id,
    me.membershipId,
  );
  return {
    handover: row
      ? { id: row.id, to: { id: row.to_membership_id, email: row.to_email, name: row.to_name }, endsAt: row.ends_at.toISOString(), createdAt: row.created_at.toISOString() }
      : null,
    colleagues,
  };
}

/** Hands the caller's approvals to `toMemberId` until `until` (replacing a live hand-over of theirs). */
export async function setHandover({ ctx, input }: { ctx: Ctx; input: { toMemberId: string; until: string } }): Promise<HandoverState> {
  requirePermission(ctx, "approvals.read");
  const me = memberOf(ctx);
  const until = new Date(input.until);
  if (Number.isNaN(until.getTime()) || until.getTime() <= Date.now()) throw validationError([{ path: "until", message: "must be a time in the future" }]);
  if (until.getTime() > Date.now() + MAX_HANDOVER_DAYS * 86_400_000) throw validationError([{ path: "until", message: `must be at most ${MAX_HANDOVER_DAYS} days away` }]);
  if (input.toMemberId === me.membershipId) throw validationError([{ path: "toMemberId", message: "must be a colleague, not yourself" }]);
  await db().$transaction(async (tx) => {
    const [to, from] = await Promise.all([
      tx.membership.findFirst({ where: { id: input.toMemberId, orgId: ctx.org.id, removedAt: null }, include: { user: { select: { email: true } } } }),
      tx.membership.findFirstOrThrow({ where: { id: me.membershipId }, include: { user: { select: { email: true } } } }),
    ]);
    if (!to) throw notFound("member");
    // Only to a colleague whose own role could approve what the member does (core's authority).
    const refusal = handoverRefusal(
      { membershipId: from.id, userId: from.userId, email: from.user.email, role: from.role as MemberRole },
      { membershipId: to.id, userId: to.userId, email: to.user.email, role: to.role as MemberRole },
    );
    if (refusal) throw validationError([{ path: "toMemberId", message: refusal }]);
    // A chain (A → B while B → A) would let each decide as the other: refused.
    const back = await tx.approvalHandover.findFirst({
      where: { orgId: ctx.org.id, fromMembershipId: to.id, toMembershipId: me.membershipId, endedAt: null, endsAt: { gt: new Date() } },
    });
    if (back) throw conflict("that colleague has handed their approvals to you: end theirs first");
    await tx.approvalHandover.updateMany({ where: { fromMembershipId: me.membershipId, endedAt: null }, data: { endedAt: new Date() } });
    await tx.approvalHandover.create({ data: { id: newId("handover"), orgId: ctx.org.id, fromMembershipId: me.membershipId, toMembershipId: to.id, endsAt: until } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "member.handover_set",
      actor: actorRef(ctx.actor),
      subjectId: me.membershipId,
      data: { from: { id: from.id, email: from.user.email }, to: { id: to.id, email: to.user.email }, until: until.toISOString() },
    });
  }, TX_OPTIONS);
  return getHandover({ ctx });
}

/** Ends the caller's live hand-over now; without one, answers the state as it is. */
export async function endHandover({ ctx }: { ctx: Ctx }): Promise<HandoverState> {
  requirePermission(ctx, "approvals.read");
  const me = memberOf(ctx);
  await db().$transaction(async (tx) => {
    const live = await tx.approvalHandover.findFirst({
      where: { orgId: ctx.org.id, fromMembershipId: me.membershipId, endedAt: null },
      include: { from: { include: { user: { select: { email: true } } } }, to: { include: { user: { select: { email: true } } } } },
    });
    // None live: nothing to end (ending twice is harmless).
    if (!live) return;
    await tx.approvalHandover.update({ where: { id: live.id }, data: { endedAt: new Date() } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "member.handover_ended",
      actor: actorRef(ctx.actor),
      subjectId: me.membershipId,
      data: { from: { id: live.from.id, email: live.from.user.email }, to: { id: live.to.id, email: live.to.user.email } },
    });
  }, TX_OPTIONS);
  return getHandover({ ctx });
}
