import { createHash, randomBytes } from "node:crypto";
import {
  forbidden,
  isDomainError,
  judgeVote,
  newId,
  notFound,
  conflict,
  type ApprovalStatus,
  type AuthorityRule,
  type MemberRole,
  type SignInMethod,
  type Voter,
  type VoteDecision,
} from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db, type Tx } from "../infra/client";
import { consoleOrigin, dbEnv } from "../infra/env";
import { mailMode } from "../mail/send-mail";
import { checkSessionSignInPolicy, SSO_REQUIRED } from "../orgs/sign-in-policy";
import { decideApproval } from "../policy-rollout";

/**
 * Emailed approval links (docs/approvals.md, Email): one per approver and notice, single-use, bound to
 * one member and one approval, stored as a SHA-256 hash. Opening the link (GET, HEAD: what a mail
 * scanner does) only shows a confirmation page and changes nothing. Only a POST from a signed-in session
 * of the member the link was sent to decides, recorded like a console vote (via `email`); the link is
 * then used up. It dies with the approval (decided, expired, cancelled) and with the membership.
 * The link honours the org's sign-in rule as every console page does (checkSessionSignInPolicy): in an
 * org that requires single sign-on, a password session of anyone but an owner neither sees the request
 * nor decides it. A caller that does not say how its session signed in is taken as a password session.
 */

const hashOf = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function approvalLinkUrl(token: string): string {
  return `${consoleOrigin()}/approve/${token}`;
}

/** Issues a link for `membershipId` on `approvalId` (inside the caller's transaction or not); answers the token, once. */
export async function issueApprovalLink(client: Tx | ReturnType<typeof db>, input: { orgId: string; approvalId: string; membershipId: string }): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await client.approvalLink.create({
    data: { id: newId("approvalLink"), orgId: input.orgId, approvalId: input.approvalId, membershipId: input.membershipId, tokenHash: hashOf(token) },
  });
  return token;
}

export interface ApprovalLinkPreview {
  /** Why the link does nothing now (null: it may decide). */
  closed: null | "used" | "decided" | "not_yours" | "signed_out" | "sso_required";
  orgSlug: string;
  orgName: string;
  approvalId: string;
  status: ApprovalStatus;
  actionType: string;
  agentName: string;
  policyName: string | null;
  metadata: Record<string, unknown>;
  expiresAt: string;
  /** Who the link was sent to. */
  memberEmail: string;
  /** Who decided, when it is decided. */
  decidedBy: string | null;
}

interface LinkRow {
  link_id: string;
  used_at: Date | null;
  membership_id: string;
  member_user_id: string;
  member_role: MemberRole;
  member_email: string;
  member_removed: boolean;
  org_id: string;
  org_slug: string;
  org_name: string;
  approval_id: string;
  status: ApprovalStatus;
  action_type: string;
  agent_name: string;
  policy_name: string | null;
  metadata: Record<string, unknown>;
  expires_at: Date;
  decided_by: string | null;
}

const LINK_SQL = `
  SELECT l.id AS link_id, l.used_at, l.membership_id, m.user_id AS member_user_id, m.role::text AS member_role, u.email AS member_email, m.removed_at IS NOT NULL AS member_removed,
         o.id AS org_id, o.slug AS org_slug, o.name AS org_name, a.id AS approval_id,
         CASE WHEN a.status = 'pending' AND a.expires_at <= now() THEN 'expired' ELSE a.status::text END AS status,
         c.action_type, g.name AS agent_name, c.policy_name, c.metadata, a.expires_at,
         (SELECT du.email FROM approval_votes v JOIN memberships dm ON dm.id = v.membership_id JOIN users du ON du.id = dm.user_id
          WHERE v.approval_id = a.id ORDER BY v.created_at DESC LIMIT 1) AS decided_by
  FROM approval_links l
  JOIN memberships m ON m.id = l.membership_id JOIN users u ON u.id = m.user_id
  JOIN approvals a ON a.id = l.approval_id JOIN actions c ON c.id = a.action_id JOIN agents g ON g.id = a.agent_id
  JOIN orgs o ON o.id = l.org_id
  WHERE l.token_hash = $1`;

async function linkOf(token: string): Promise<LinkRow> {
  if (!TOKEN_PATTERN.test(token)) throw notFound("approval link");
  const [row] = await db().$queryRawUnsafe<LinkRow[]>(LINK_SQL, hashOf(token));
  if (!row || row.member_removed) throw notFound("approval link");
  return row;
}

/** The context of the member the link was sent to, deciding through it. */
function memberCtxOf(row: LinkRow, role: MemberRole): Ctx {
  return {
    org: { id: row.org_id, slug: row.org_slug, name: row.org_name },
    actor: { type: "user", userId: row.member_user_id, membershipId: row.membership_id, role },
    requestId: `approval-link-${row.link_id}`,
    channel: "email",
  };
}

/** Whether a session signed in with `signInMethod` meets the org's sign-in rule for the link's member (the console's one rule). */
async function meetsSignInRule(row: LinkRow, signInMethod: SignInMethod): Promise<boolean> {
  try {
    await checkSessionSignInPolicy({ ctx: memberCtxOf(row, row.member_role), signInMethod });
    return true;
  } catch (error) {
    if (isDomainError(error) && (error.details as { reason?: unknown } | undefined)?.reason === SSO_REQUIRED) return false;
    throw error;
  }
}

async function preview(row: LinkRow, userId: string | null, signInMethod: SignInMethod): Promise<ApprovalLinkPreview> {
  // Who asks comes first: what the request is, and who decided it, are for the member it was sent to, in a session the org accepts.
  const closed =
    userId === null
      ? "signed_out"
      : userId !== row.member_user_id
        ? "not_yours"
        : !(await meetsSignInRule(row, signInMethod))
          ? "sso_required"
          : row.status !== "pending"
            ? "decided"
            : row.used_at
              ? "used"
              : null;
  const withheld = closed === "signed_out" || closed === "not_yours" || closed === "sso_required";
  return {
    closed,
    orgSlug: row.org_slug,
    orgName: row.org_name,
    approvalId: row.approval_id,
    status: row.status,
    actionType: row.action_type,
    agentName: row.agent_name,
    policyName: row.policy_name,
    metadata: withheld ? {} : row.metadata,
    expiresAt: row.expires_at.toISOString(),
    memberEmail: row.member_email,
    decidedBy: !withheld && (row.status === "approved" || row.status === "denied") ? row.decided_by : null,
  };
}

/**
 * What the link's page shows (a GET: nothing changes). An unknown, malformed or revoked-member link is a 404.
 * `closed: "sso_required"`: the session does not meet the org's sign-in rule; the page shows no details then.
 */
export async function previewApprovalLink({ input }: { input: { token: string; userId: string | null; signInMethod?: SignInMethod | undefined } }): Promise<ApprovalLinkPreview> {
  return preview(await linkOf(input.token), input.userId, input.signInMethod ?? "password");
}

/**
 * Decides through a link: the signed-in `userId` must be the member it was sent to (else 403), their
 * session must meet the org's sign-in rule (else 403 with details.reason SSO_REQUIRED), the link
 * unused (else 409) and the approval pending (else 409). The link is used up in the same step that
 * records the vote; the vote is the member's, with their role now, through the same rules as the console's.
 */
export async function decideByApprovalLink({
  input,
}: {
  input: { token: string; userId: string; signInMethod?: SignInMethod | undefined; decision: VoteDecision; reason?: string | undefined };
}): Promise<ApprovalLinkPreview> {
  const signInMethod = input.signInMethod ?? "password";
  const row = await linkOf(input.token);
  if (row.member_user_id !== input.userId) throw forbidden("this link was sent to another member: open your own, or decide in the console");
  // The org's sign-in rule, before anything is claimed: a refused session uses nothing up.
  await checkSessionSignInPolicy({ ctx: memberCtxOf(row, row.member_role), signInMethod });
  if (row.status !== "pending") throw conflict(`this request was already ${row.status}${row.decided_by ? ` by ${row.decided_by}` : ""}`);
  // Claim the link first: of two POSTs with it, one decides.
  const claimed = await db().approvalLink.updateMany({ where: { id: row.link_id, usedAt: null }, data: { usedAt: new Date() } });
  if (claimed.count === 0) throw conflict("this link was already used");
  const membership = await db().membership.findUnique({ where: { id: row.membership_id }, select: { role: true, removedAt: true } });
  if (!membership || membership.removedAt) throw notFound("approval link");
  const ctx = memberCtxOf(row, membership.role as MemberRole);
  try {
    await decideApproval({ ctx, input: { approvalId: row.approval_id, body: { decision: input.decision, ...(input.reason ? { reason: input.reason } : {}) } } });
  } catch (error) {
    // A refused vote (no longer eligible, already decided meanwhile) gives the link back only if nothing was recorded.
    await db().approvalLink.update({ where: { id: row.link_id }, data: { usedAt: null } });
    throw error;
  }
  return preview(await linkOf(input.token), input.userId, signInMethod);
}

/**
 * The members an approval's notice goes to: those the notify block names (by email or role) who may
 * decide it by an emailed link, as core's authority answers; a member away who handed their approvals
 * to a colleague is reached through the colleague, when the colleague may decide in their place.
 */
export function noticeRecipients<M extends Voter>(
  members: readonly M[],
  rule: AuthorityRule,
  notify: { emails?: readonly string[] | undefined; roles?: readonly MemberRole[] | undefined },
  away: ReadonlyMap<string, M>,
): M[] {
  const emails = new Set((notify.emails ?? []).map((e) => e.toLowerCase()));
  const roles = new Set(notify.roles ?? []);
  const state = { rule, status: "pending" as const, expiresAt: new Date(8_640_000_000_000_000), votes: [] };
  const mayDecide = (voter: M, absent: readonly M[] = []) => judgeVote({ state, voter, channel: "email", absent, now: new Date(0) }).ok;
  const recipients = new Map<string, M>();
  for (const member of members) {
    if (!emails.has(member.email.toLowerCase()) && !roles.has(member.role)) continue;
    if (!mayDecide(member)) continue;
    const colleague = away.get(member.membershipId);
    if (!colleague) recipients.set(member.membershipId, member);
    else if (mayDecide(colleague, [member])) recipients.set(colleague.membershipId, colleague);
  }
  return [...recipients.values()];
}

/** How this instance mails approval links (the Integrations page says so; no secret of the transport). */
export function approvalMailSettings(): { transport: "smtp" | "outbox" | "off"; from: string; linkOrigin: string } {
  return { transport: mailMode(), from: dbEnv().MAIL_FROM, linkOrigin: consoleOrigin() };
}
