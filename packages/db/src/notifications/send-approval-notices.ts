import { approvalNotifySchema, newId, WEBHOOK_APPROVAL_NOTICE, webhookPayload, type ApprovalNotify, type MemberRole } from "@gatehouse/core";
import { z } from "zod";
import { authorityRuleOf, AGENT_OWNER_SQL, POLICY_FLAGS_SQL, type RulesRow } from "../approvals/approval-view";
import { liveHandovers } from "../approvals/handovers";
import { quoteName } from "../invitations/invitation-email";
import { db } from "../infra/client";
import { consoleOrigin } from "../infra/env";
import { sendMail } from "../mail/send-mail";
import { approvalLinkUrl, issueApprovalLink, noticeRecipients } from "./approval-links";
import { slackOf } from "../integrations/slack-connection";
import { approvalBlocks, refreshSlackMessages, type ApprovalMessage } from "./slack";
import { sendAndLog } from "../webhooks/webhook-deliveries";

/**
 * Routing, reminders and escalation (docs/approvals.md, Routing). The worker's job `approval-notices`
 * looks at pending approvals whose policy has an `approval.notify`, `remind` or `escalate` block and sends
 * what is due at `now` (injected by tests):
 *   - `requested`, at once: an email with a link of their own to each eligible member the notify block
 *     names (by email or role), and a message with Approve / Deny buttons to each Slack channel;
 *   - `reminder`, `remind.beforeSeconds` before the deadline: the same people get a new link, the
 *     channels a reply in the message's thread;
 *   - `escalation`, `escalate.afterSeconds` after the request: the escalation's notify block, as above.
 * Each kind is claimed on the approval (`notices`) before it is sent, so it goes out once however many
 * workers run; an approval decided meanwhile gets nothing more. Nothing here decides: a timeout stays
 * the expiry job's (`APPROVAL_EXPIRED`). The same job updates Slack messages of approvals that ended.
 */

const approvalBlockSchema = z
  .object({
    notify: approvalNotifySchema.optional(),
    remind: z.object({ beforeSeconds: z.number() }).optional(),
    escalate: z.object({ afterSeconds: z.number(), notify: approvalNotifySchema }).optional(),
  })
  .loose();

type Kind = "requested" | "reminder" | "escalation";

interface DueRow extends RulesRow {
  id: string;
  requested_by: string | null;
  org_id: string;
  org_name: string;
  org_slug: string;
  created_at: Date;
  expires_at: Date;
  notices: string[] | null;
  approval: unknown;
  action_type: string;
  policy_name: string | null;
  metadata: Record<string, unknown>;
  agent_name: string;
}

interface MemberRow {
  membershipId: string;
  userId: string;
  email: string;
  role: MemberRole;
}

export interface NoticeResult {
  emails: number;
  webhooks: number;
  slackMessages: number;
  failures: number;
  slackUpdates: number;
}

/** One line per top-level metadata field (at most 8, each capped): what the request is about, quoted as the agent's words. */
export function metadataSummary(metadata: Record<string, unknown>): string {
  return Object.entries(metadata)
    .slice(0, 8)
    .map(([key, value]) => `${key.slice(0, 40)}: ${(typeof value === "string" ? value : JSON.stringify(value)).replace(/\s+/g, " ").slice(0, 120)}`)
    .join("\n");
}

function approvalEmail(args: { kind: Kind; orgName: string; row: DueRow; link: string }): { subject: string; text: string } {
  const { kind, orgName, row, link } = args;
  const subject =
    kind === "reminder"
      ? "Reminder: an agent is waiting for your approval"
      : kind === "escalation"
        ? "Escalated: an agent is waiting for an approval"
        : "An agent is waiting for your approval";
  return {
    subject,
    text: [
      kind === "reminder"
        ? `Nobody has decided this request yet, and it expires at ${row.expires_at.toISOString()}.`
        : kind === "escalation"
          ? `This request has waited since ${row.created_at.toISOString()} without a decision; it was escalated to you.`
          : "An agent asked to do something that needs a person's approval.",
      "",
      "What the agent sent (its own words; Gatehouse does not check them):",
      `  Action: ${quoteName(row.action_type)}`,
      `  Agent: ${quoteName(row.agent_name)}`,
      ...(row.requested_by ? [`  Requested by: ${quoteName(row.requested_by)}`] : []),
      ...metadataSummary(row.metadata)
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => `  ${quoteName(line)}`),
      "",
      `Organization: ${quoteName(orgName)}`,
      `Policy: ${row.policy_name ?? "—"}`,
      `Decide by: ${row.expires_at.toISOString()} (after that it expires and the agent is told APPROVAL_EXPIRED)`,
      "",
      "Open this link to see the request and approve or deny it. Opening it decides nothing; it works once, for you only, while the request is pending:",
      link,
      "",
      "Gatehouse never asks for your password in an email.",
    ].join("\n"),
  };
}

/** The kinds due for a row at `now`, in the order they are sent. */
function dueKinds(row: DueRow, block: z.output<typeof approvalBlockSchema>, now: Date): Kind[] {
  const done = new Set(row.notices ?? []);
  const kinds: Kind[] = [];
  if (block.notify && !done.has("requested")) kinds.push("requested");
  if (block.escalate && !done.has("escalation") && now.getTime() >= row.created_at.getTime() + block.escalate.afterSeconds * 1_000) kinds.push("escalation");
  if (block.remind && !done.has("reminder") && now.getTime() >= row.expires_at.getTime() - block.remind.beforeSeconds * 1_000) kinds.push("reminder");
  return kinds;
}

/** Sends what is due at `now` for every pending approval with routing, then updates Slack messages of approvals that ended. */
export async function sendApprovalNotices({ now = new Date(), orgIds }: { now?: Date; orgIds?: readonly string[] } = {}): Promise<NoticeResult> {
  const result: NoticeResult = { emails: 0, webhooks: 0, slackMessages: 0, failures: 0, slackUpdates: 0 };
  const rows = await db().$queryRawUnsafe<DueRow[]>(
    `SELECT a.id, a.org_id, o.name AS org_name, o.slug AS org_slug, a.created_at, a.expires_at, a.notices, a.quorum, a.approver_roles::text[] AS approver_roles, a.approver_member_ids,
            a.exclude_agent_owner, a.requested_by, a.requester_ref, a.system, ${AGENT_OWNER_SQL} AS agent_owner, ${POLICY_FLAGS_SQL}, pv.document->'approval' AS approval,
            c.action_type, c.policy_name, c.metadata, g.name AS agent_name
     FROM approvals a JOIN policy_versions pv ON pv.id = a.policy_version_id JOIN actions c ON c.id = a.action_id JOIN agents g ON g.id = a.agent_id
       JOIN orgs o ON o.id = a.org_id
     WHERE a.status = 'pending' AND a.expires_at > $1 AND o.closed_at IS NULL AND ($2::text[] IS NULL OR a.org_id = ANY($2::text[]))
       AND (pv.document->'approval') ?| array['notify', 'remind', 'escalate']
       AND NOT (COALESCE(a.notices, '{}') @> array['requested', 'reminder', 'escalation'])
     ORDER BY a.created_at LIMIT 500`,
    now,
    orgIds ?? null,
  );
  // What one tick reads once per org, however many of its approvals are due: members, hand-overs, its Slack app.
  const onceFor = <T>(load: (orgId: string) => Promise<T>) => {
    const seen = new Map<string, Promise<T>>();
    return (orgId: string): Promise<T> => {
      if (!seen.has(orgId)) seen.set(orgId, load(orgId));
      return seen.get(orgId) as Promise<T>;
    };
  };
  const org: OrgLookups = {
    members: onceFor((orgId) =>
      db().$queryRawUnsafe<MemberRow[]>(
        `SELECT m.id AS "membershipId", u.id AS "userId", u.email, m.role::text AS role FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 AND m.removed_at IS NULL AND u.email_verified_at IS NOT NULL`,
        orgId,
      ),
    ),
    away: onceFor((orgId) => liveHandovers(orgId, now)),
    slack: onceFor((orgId) => slackOf(orgId)),
  };
  for (const row of rows) {
    const parsed = approvalBlockSchema.safeParse(row.approval);
    if (!parsed.success) continue;
    for (const kind of dueKinds(row, parsed.data, now)) {
      // Claimed before it is sent: whichever worker claims it sends it; none sends it twice.
      const claimed = await db().$executeRawUnsafe(
        `UPDATE approvals SET notices = array_append(COALESCE(notices, '{}'), $2) WHERE id = $1 AND status = 'pending' AND NOT ($2 = ANY(COALESCE(notices, '{}')))`,
        row.id,
        kind,
      );
      if (claimed === 0) continue;
      const notify: ApprovalNotify =
        kind === "escalation" ? (parsed.data.escalate?.notify ?? {}) : kind === "reminder" ? reminderNotify(parsed.data, row, now) : (parsed.data.notify ?? {});
      await sendNotice(kind, row, notify, org, result);
    }
  }
  result.slackUpdates = await updateEndedSlackMessages(orgIds);
  return result;
}

/** A reminder goes to whoever was notified: the request's people, and the escalation's once it escalated. */
function reminderNotify(block: z.output<typeof approvalBlockSchema>, row: DueRow, now: Date): ApprovalNotify {
  const base = block.notify;
  const escalated = block.escalate !== undefined && now.getTime() >= row.created_at.getTime() + block.escalate.afterSeconds * 1_000;
  const extra = escalated ? block.escalate?.notify : undefined;
  return {
    emails: [...(base?.emails ?? []), ...(extra?.emails ?? [])],
    roles: [...new Set([...(base?.roles ?? []), ...(extra?.roles ?? [])])],
    slack: [...new Set([...(base?.slack ?? []), ...(extra?.slack ?? [])])],
    webhooks: [...new Set([...(base?.webhooks ?? []), ...(extra?.webhooks ?? [])])],
  };
}

interface OrgLookups {
  members: (orgId: string) => Promise<MemberRow[]>;
  away: (orgId: string) => ReturnType<typeof liveHandovers>;
  slack: (orgId: string) => ReturnType<typeof slackOf>;
}

async function sendNotice(kind: Kind, row: DueRow, notify: ApprovalNotify, org: OrgLookups, result: NoticeResult): Promise<void> {
  const record = (channel: "email" | "slack" | "webhook", target: string, status: "sent" | "failed", extra: { slackTs?: string; error?: string } = {}) =>
    db().approvalNotice.create({
      data: { id: newId("approvalNotice"), orgId: row.org_id, approvalId: row.id, kind, channel, target, status, slackTs: extra.slackTs ?? null, error: extra.error ?? null },
    });
  // A member away who handed their approvals to a colleague: the colleague gets the notice (their own
  // separation of duties still holds: a colleague who requested the action gets none).
  const recipients = noticeRecipients(await org.members(row.org_id), authorityRuleOf(row), notify, await org.away(row.org_id));
  for (const member of recipients) {
    try {
      const token = await issueApprovalLink(db(), { orgId: row.org_id, approvalId: row.id, membershipId: member.membershipId });
      const link = approvalLinkUrl(token);
      await sendMail({ to: member.email, ...approvalEmail({ kind, orgName: row.org_name, row, link }), link });
      await record("email", member.email, "sent");
      result.emails += 1;
    } catch (error) {
      await record("email", member.email, "failed", { error: (error as Error).message.slice(0, 300) });
      result.failures += 1;
    }
  }
  for (const endpointId of notify.webhooks ?? []) {
    const endpoint = await db().webhookEndpoint.findFirst({ where: { id: endpointId, orgId: row.org_id }, omit: { secretEnc: false, previousSecretEnc: false } });
    if (!endpoint) {
      await record("webhook", endpointId, "failed", { error: "no such webhook endpoint in the organization" });
      result.failures += 1;
      continue;
    }
    const data = {
      approvalId: row.id,
      kind,
      actionType: row.action_type,
      agentName: row.agent_name,
      requestedBy: row.requested_by,
      policyName: row.policy_name,
      expiresAt: row.expires_at.toISOString(),
      consoleUrl: `${consoleOrigin()}/o/${encodeURIComponent(row.org_slug)}/approvals?approval=${row.id}`,
    };
    const sent = await sendAndLog(endpoint, {
      id: `${row.id}.${kind}`,
      seq: null,
      type: WEBHOOK_APPROVAL_NOTICE,
      body: webhookPayload(WEBHOOK_APPROVAL_NOTICE, new Date().toISOString(), data),
      kind: "notice",
      attempt: 1,
    });
    await record("webhook", endpointId, sent.status === "delivered" ? "sent" : "failed", sent.error ? { error: sent.error } : {});
    if (sent.status === "delivered") result.webhooks += 1;
    else result.failures += 1;
  }
  const channels = notify.slack ?? [];
  if (channels.length === 0) return;
  const slack = await org.slack(row.org_id);
  if (!slack) {
    for (const channel of channels) await record("slack", channel, "failed", { error: "no Slack app proven by Slack is connected to the organization" });
    result.failures += channels.length;
    return;
  }
  const message: ApprovalMessage = {
    approvalId: row.id,
    actionType: row.action_type,
    agentName: row.agent_name,
    requestedBy: row.requested_by,
    policyName: row.policy_name,
    expiresAt: row.expires_at,
    metadataSummary: metadataSummary(row.metadata),
    consoleUrl: `${consoleOrigin()}/o/${encodeURIComponent(row.org_slug)}/approvals`,
  };
  const heading = kind === "reminder" ? "Reminder, still waiting" : kind === "escalation" ? "Escalated, still waiting" : "Approval requested";
  for (const channel of channels) {
    try {
      const posted = await slack.client.chat.postMessage({ channel, text: `${heading}: ${row.action_type} (${row.agent_name})`, blocks: approvalBlocks(message, heading) });
      await record("slack", posted.channel ?? channel, "sent", posted.ts ? { slackTs: posted.ts } : {});
      result.slackMessages += 1;
    } catch (error) {
      await record("slack", channel, "failed", { error: (error as Error).message.slice(0, 300) });
      result.failures += 1;
    }
  }
}

async function updateEndedSlackMessages(orgIds: readonly string[] | undefined): Promise<number> {
  const ended = await db().$queryRawUnsafe<Array<{ org_id: string; approval_id: string }>>(
    `SELECT DISTINCT n.org_id, n.approval_id FROM approval_notices n JOIN approvals a ON a.id = n.approval_id
     WHERE n.channel = 'slack' AND n.status = 'sent' AND n.outcome_posted_at IS NULL AND a.status <> 'pending' AND ($1::text[] IS NULL OR n.org_id = ANY($1::text[]))
     LIMIT 200`,
    orgIds ?? null,
  );
  let updated = 0;
  for (const { org_id, approval_id } of ended) updated += await refreshSlackMessages(org_id, approval_id).catch(() => 0);
  return updated;
}
