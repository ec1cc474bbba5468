import { createHmac, timingSafeEqual } from "node:crypto";
import type { Block, KnownBlock, WebClient } from "@slack/web-api";
import { isDomainError, type MemberRole } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { approvalPageUrl } from "../approvals/approval-page-url";
import { db } from "../infra/client";
import { proveSlackApp, slackOf, storedSlackApp, type StoredSlackApp } from "../integrations/slack-connection";
import { decideApproval } from "../policy-rollout";

/**
 * Slack approvals (docs/approvals.md, Slack). An org connects its own Slack app (integrations/): the bot
 * token (to post and update messages, and to read a clicker's profile) and the signing secret (to verify
 * that a request came from Slack). The app is live only once Slack proved that secret its own: Slack's
 * `url_verification` to the org's events URL, signed with it (receiveSlackEvent). Policies name channels
 * in `approval.notify.slack`; the worker posts each request there with Approve / Deny buttons. A click
 * is verified (Slack's `v0` signature, at most 5 minutes old), answered at once (Slack's 3-second
 * window), and counts only from the connected workspace, from a full member of it (no guest, external
 * person, bot, app or deactivated account), on the message Gatehouse posted for that approval in that
 * channel. It is then mapped to the member whose account has the clicker's Slack email and decided
 * through the same vote as the console's (the member's role now, separation of duties, `humanOnly`
 * refusing it), recorded `via: slack`. A click proves no person (whoever holds the signing secret can
 * sign one as any member), so on an approval whose rule rests on who votes — a quorum above one, named
 * approvers, separation of duties — it counts for nothing and records nothing: the clicker is told to
 * confirm their vote in the console, with the request's link (core's `channelRefusal`).
 */

/** A click older than this (or from the future by as much) is refused: Slack's own guidance. */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 300;

/** Whether `signature` (`x-slack-signature`) is Slack's `v0` HMAC of `v0:<timestamp>:<body>`, made within the window of `nowSeconds`. */
export function verifySlackSignature(args: { signingSecret: string; timestamp: string | undefined; signature: string | undefined; rawBody: string; nowSeconds: number }): boolean {
  const { signingSecret, timestamp, signature, rawBody, nowSeconds } = args;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp) || !/^v0=[0-9a-f]{64}$/.test(signature)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_SIGNATURE_WINDOW_SECONDS) return false;
  const expected = `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`, "utf8").digest("hex")}`;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

// ── Messages ──────────────────────────────────────────────────────────────────────────────────────

export interface ApprovalMessage {
  approvalId: string;
  actionType: string;
  agentName: string;
  requestedBy: string | null;
  policyName: string | null;
  expiresAt: Date;
  metadataSummary: string;
  consoleUrl: string;
}

/** A value from the request as plain text (never mrkdwn: an agent's words cannot mention @channel or make links), capped. */
const plain = (text: string, max = 150) => ({ type: "plain_text" as const, text: (text.length > max ? `${text.slice(0, max - 1)}…` : text) || "—", emoji: false });

/** The request as a Block Kit message with Approve / Deny buttons. */
export function approvalBlocks(m: ApprovalMessage, heading = "Approval requested"): Array<Block | KnownBlock> {
  return [
    { type: "header", text: plain(`${heading}: ${m.actionType}`) },
    {
      type: "section",
      fields: [
        plain(`Agent: ${m.agentName}`),
        plain(`Requested by: ${m.requestedBy ?? "—"}`),
        plain(`Policy: ${m.policyName ?? "—"}`),
        plain(`Decide by: ${m.expiresAt.toISOString()}`),
      ],
    },
    ...(m.metadataSummary ? [{ type: "section" as const, text: plain(m.metadataSummary, 1_000) }] : []),
    {
      type: "actions",
      block_id: "gatehouse_approval",
      elements: [
        { type: "button", action_id: "approve", style: "primary", text: plain("Approve"), value: m.approvalId },
        { type: "button", action_id: "deny", style: "danger", text: plain("Deny"), value: m.approvalId },
      ],
    },
    { type: "context", elements: [plain(`Or decide in the console: ${m.consoleUrl}`, 300)] },
  ];
}

/** The message once the approval ended: no buttons, what happened and who decided. */
export function outcomeBlocks(m: ApprovalMessage, outcome: string): Array<Block | KnownBlock> {
  return [
    { type: "header", text: plain(`${m.actionType}: ${outcome}`) },
    { type: "section", fields: [plain(`Agent: ${m.agentName}`), plain(`Requested by: ${m.requestedBy ?? "—"}`), plain(`Policy: ${m.policyName ?? "—"}`)] },
    { type: "context", elements: [plain(`Gatehouse approval ${m.approvalId}`)] },
  ];
}

// ── Requests from Slack ───────────────────────────────────────────────────────────────────────────

const ORG_ID = /^org_[0-9a-zA-Z]{22}$/;
const APPROVAL_ID = /^apr_[0-9a-zA-Z]{22}$/;
/** Slack's ids (team, user, channel) and a message's ts, as they look: anything else is not Slack's. */
const SLACK_ID = /^[A-Z0-9]{2,32}$/;
const MESSAGE_TS = /^\d{1,12}\.\d{1,9}$/;

type Headers = Record<string, string | string[] | undefined>;

/**
 * The org's stored app, and whether `rawBody` is signed by its secret: 404 (no such org, no app), 401
 * (a signature that does not verify, or is more than 5 minutes off; nothing is read), or the app.
 */
async function signedBySlack(orgId: string, rawBody: string, headers: Headers, now: Date | undefined): Promise<{ status: 404 | 401 } | { status: 200; app: StoredSlackApp }> {
  if (!ORG_ID.test(orgId)) return { status: 404 };
  const app = await storedSlackApp(orgId);
  if (!app) return { status: 404 };
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const verified = verifySlackSignature({
    signingSecret: app.signingSecret,
    timestamp: header("x-slack-request-timestamp"),
    signature: header("x-slack-signature"),
    rawBody,
    nowSeconds: Math.floor((now ?? new Date()).getTime() / 1_000),
  });
  return verified ? { status: 200, app } : { status: 401 };
}

/** What the events route answers Slack: the challenge of a `url_verification` it was sent, or nothing. */
export interface SlackEventResult {
  status: 200 | 400 | 401 | 404;
  challenge?: string;
  /** This request proved the org's app (it was pending and is verified now). */
  proved: boolean;
}

/**
 * A request to the org's events URL (`POST /v1/slack/:orgId/events`, JSON). Unknown org or no Slack
 * app: 404. A signature that does not verify with the app's signing secret, or is more than 5 minutes
 * off: 401, nothing read, nothing proven. Slack's `url_verification` (sent when the app's Event
 * Subscriptions Request URL is set) signed with it proves the secret is Slack's for the app: a pending
 * app becomes verified (an `integration.changed` entry), and the challenge is answered. Other events are
 * acknowledged and change nothing: Gatehouse subscribes to none.
 */
export async function receiveSlackEvent(args: { orgId: string; rawBody: string; headers: Headers; now?: Date }): Promise<SlackEventResult> {
  const signed = await signedBySlack(args.orgId, args.rawBody, args.headers, args.now);
  if (signed.status !== 200) return { status: signed.status, proved: false };
  let payload: { type?: unknown; challenge?: unknown };
  try {
    payload = JSON.parse(args.rawBody) as { type?: unknown; challenge?: unknown };
  } catch {
    return { status: 400, proved: false };
  }
  if (payload === null || typeof payload !== "object") return { status: 400, proved: false };
  if (payload.type !== "url_verification") return { status: 200, proved: false };
  if (typeof payload.challenge !== "string" || !/^[\x21-\x7e]{1,256}$/.test(payload.challenge)) return { status: 400, proved: false };
  const proved = signed.app.verified ? false : await proveSlackApp(args.orgId, signed.app.signingSecretEnc);
  return { status: 200, challenge: payload.challenge, proved };
}

interface BlockActionsPayload {
  type?: string;
  team?: { id?: string } | null;
  user?: { id?: string; team_id?: string };
  channel?: { id?: string };
  container?: { message_ts?: string; channel_id?: string };
  message?: { ts?: string };
  actions?: Array<{ action_id?: string; value?: string }>;
}

/** What the route answers Slack (always at once) and the work that goes on after it. */
export interface SlackClickResult {
  status: 200 | 400 | 401 | 404;
  /** The click's effect, settled after the answer (tests await it). */
  done: Promise<SlackClickOutcome>;
}

export type SlackClickOutcome =
  | { kind: "decided"; approvalId: string; decision: "approve" | "deny"; memberEmail: string }
  | { kind: "refused"; approvalId: string; message: string }
  | { kind: "ignored"; reason: string };

/**
 * A request to the org's interactions URL. Unknown org or no Slack app: 404. A signature that does not
 * verify, or is older than 5 minutes: 401, and nothing is read from the payload. Otherwise 200 at once.
 * An app Slack has not proven yet takes no click (and says nothing in Slack). A click whose workspace
 * (`team.id`, the clicker's `team_id`) is not the app's is refused unanswered. Then, after the answer:
 * the message clicked must be one Gatehouse posted for that approval in that channel, the clicker a
 * full member of the workspace (`users.info`), their email a member's; then the vote.
 */
export async function receiveSlackInteraction(args: { orgId: string; rawBody: string; headers: Headers; now?: Date }): Promise<SlackClickResult> {
  const settled = (status: SlackClickResult["status"], outcome: SlackClickOutcome): SlackClickResult => ({ status, done: Promise.resolve(outcome) });
  const signed = await signedBySlack(args.orgId, args.rawBody, args.headers, args.now);
  if (signed.status !== 200) return settled(signed.status, { kind: "ignored", reason: signed.status === 404 ? "no Slack app connected" : "signature" });
  let payload: BlockActionsPayload;
  try {
    payload = JSON.parse(new URLSearchParams(args.rawBody).get("payload") ?? "") as BlockActionsPayload;
  } catch {
    return settled(400, { kind: "ignored", reason: "payload" });
  }
  if (payload === null || typeof payload !== "object") return settled(400, { kind: "ignored", reason: "payload" });
  const { app } = signed;
  if (!app.verified || !app.teamId) return settled(200, { kind: "ignored", reason: "the Slack app is not proven by Slack yet" });
  const action = payload.actions?.[0];
  const decision = action?.action_id === "approve" ? "approve" : action?.action_id === "deny" ? "deny" : null;
  const approvalId = action?.value ?? "";
  const slackUser = payload.user?.id ?? "";
  if (payload.type !== "block_actions" || !decision || !APPROVAL_ID.test(approvalId) || !SLACK_ID.test(slackUser))
    return settled(200, { kind: "ignored", reason: "not an approval button" });
  // Another workspace's request (a Slack Connect channel, another install) is not answered in this one.
  const userTeam = payload.user?.team_id;
  if (payload.team?.id !== app.teamId || (userTeam !== undefined && userTeam !== app.teamId)) {
    return settled(200, { kind: "refused", approvalId, message: "the click is not from the workspace the org's Slack app is installed in" });
  }
  const channel = payload.channel?.id ?? payload.container?.channel_id ?? "";
  const messageTs = payload.message?.ts ?? payload.container?.message_ts ?? "";
  const done = handleClick({ orgId: args.orgId, client: app.client, teamId: app.teamId, slackUser, channel, messageTs, approvalId, decision });
  return { status: 200, done };
}

/** The refusal a click gets when its Slack account is not a full member of the connected workspace, or null when it is. */
function notAFullMember(
  user:
    | {
        id?: string;
        team_id?: string;
        deleted?: boolean;
        is_bot?: boolean;
        is_app_user?: boolean;
        is_restricted?: boolean;
        is_ultra_restricted?: boolean;
        is_stranger?: boolean;
        is_invited_user?: boolean;
      }
    | undefined,
  slackUser: string,
  teamId: string,
): string | null {
  if (!user || user.id !== slackUser) return "Gatehouse could not read your Slack profile";
  if (user.deleted) return "your Slack account is deactivated";
  if (user.is_bot || user.is_app_user || slackUser === "USLACKBOT") return "bots and apps do not decide";
  if (user.is_restricted || user.is_ultra_restricted) return "guests of the workspace do not decide";
  if (user.is_stranger || user.team_id !== teamId) return "people from outside the workspace (Slack Connect) do not decide";
  if (user.is_invited_user) return "your Slack account has not joined the workspace";
  return null;
}

async function handleClick(args: {
  orgId: string;
  client: WebClient;
  teamId: string;
  slackUser: string;
  channel: string;
  messageTs: string;
  approvalId: string;
  decision: "approve" | "deny";
}): Promise<SlackClickOutcome> {
  const tell = async (message: string): Promise<SlackClickOutcome> => {
    if (SLACK_ID.test(args.channel)) await args.client.chat.postEphemeral({ channel: args.channel, user: args.slackUser, text: message }).catch(() => {});
    return { kind: "refused", approvalId: args.approvalId, message };
  };
  // The button must be on a message Gatehouse posted for THIS approval, in this channel.
  const [notice] =
    SLACK_ID.test(args.channel) && MESSAGE_TS.test(args.messageTs)
      ? await db().$queryRaw<Array<{ id: string }>>`
          SELECT id FROM approval_notices
          WHERE org_id = ${args.orgId} AND approval_id = ${args.approvalId} AND channel = 'slack' AND status = 'sent'
            AND target = ${args.channel} AND slack_ts = ${args.messageTs}
          LIMIT 1`
      : [];
  if (!notice) return tell("This button is not on a message Gatehouse posted for this request here: nothing was recorded. Decide in the console instead.");
  let email: string | undefined;
  try {
    const info = await args.client.users.info({ user: args.slackUser });
    const refusal = notAFullMember(info.user, args.slackUser, args.teamId);
    if (refusal) return tell(`Your vote was not counted: ${refusal}. Decide in the console instead.`);
    email = info.user?.profile?.email;
  } catch {
    return tell("Gatehouse could not read your Slack profile: decide in the console instead.");
  }
  if (!email) return tell("Your Slack account has no email Gatehouse can match to a member: decide in the console instead.");
  const [member] = await db().$queryRawUnsafe<Array<{ user_id: string; membership_id: string; role: MemberRole; email: string; slug: string; name: string }>>(
    `SELECT u.id AS user_id, m.id AS membership_id, m.role::text AS role, u.email, o.slug, o.name
     FROM users u JOIN memberships m ON m.user_id = u.id AND m.org_id = $1 AND m.removed_at IS NULL JOIN orgs o ON o.id = m.org_id
     WHERE lower(u.email) = lower($2) AND u.email_verified_at IS NOT NULL`,
    args.orgId,
    email,
  );
  if (!member) return tell(`No member of this Gatehouse organization has the email ${email}: ask an admin to invite you, or decide in the console.`);
  const ctx: Ctx = {
    org: { id: args.orgId, slug: member.slug, name: member.name },
    actor: { type: "user", userId: member.user_id, membershipId: member.membership_id, role: member.role },
    requestId: `slack-${args.approvalId}`,
    channel: "slack",
  };
  try {
    const view = await decideApproval({ ctx, input: { approvalId: args.approvalId, body: { decision: args.decision } } });
    if (view.status !== "pending") await refreshSlackMessages(args.orgId, args.approvalId).catch(() => {});
    return { kind: "decided", approvalId: args.approvalId, decision: args.decision, memberEmail: member.email };
  } catch (error) {
    if (!isDomainError(error)) throw error;
    if (error.code === "CONFLICT") {
      const by = await decidedBy(args.approvalId);
      return tell(`This request was already decided${by ? ` by ${by}` : ""}.`);
    }
    if (error.code === "NOT_FOUND") return tell("This request is not one of your organization's.");
    return tell(`Your vote was not counted: ${error.message}. Open the request in the console: ${approvalPageUrl(member.slug, args.approvalId)}`);
  }
}

async function decidedBy(approvalId: string): Promise<string | null> {
  const [row] = await db().$queryRawUnsafe<Array<{ email: string; status: string }>>(
    `SELECT u.email, a.status::text AS status FROM approvals a LEFT JOIN approval_votes v ON v.approval_id = a.id
       LEFT JOIN memberships m ON m.id = v.membership_id LEFT JOIN users u ON u.id = m.user_id
     WHERE a.id = $1 ORDER BY v.created_at DESC NULLS LAST LIMIT 1`,
    approvalId,
  );
  if (!row) return null;
  return row.email ?? (row.status === "expired" ? "nobody (it expired)" : null);
}

/** Updates every Slack message of an approval that ended: its outcome, no buttons. Observation: a failure is retried by the worker's sweep. */
export async function refreshSlackMessages(orgId: string, approvalId: string): Promise<number> {
  const rows = await db().$queryRawUnsafe<
    Array<{
      id: string;
      target: string;
      slack_ts: string;
      status: string;
      action_type: string;
      agent_name: string;
      policy_name: string | null;
      requested_by: string | null;
      expires_at: Date;
    }>
  >(
    `SELECT n.id, n.target, n.slack_ts, a.status::text AS status, c.action_type, g.name AS agent_name, c.policy_name, a.requested_by, a.expires_at
     FROM approval_notices n JOIN approvals a ON a.id = n.approval_id JOIN actions c ON c.id = a.action_id JOIN agents g ON g.id = a.agent_id
     WHERE n.org_id = $1 AND n.approval_id = $2 AND n.channel = 'slack' AND n.status = 'sent' AND n.outcome_posted_at IS NULL AND n.slack_ts IS NOT NULL AND a.status <> 'pending'`,
    orgId,
    approvalId,
  );
  if (rows.length === 0) return 0;
  const slack = await slackOf(orgId);
  if (!slack) return 0;
  const by = await decidedBy(approvalId);
  let updated = 0;
  for (const row of rows) {
    const outcome =
      row.status === "approved"
        ? `approved by ${by ?? "a member"}`
        : row.status === "denied"
          ? `denied by ${by ?? "a member"}`
          : row.status === "expired"
            ? "expired: nobody decided in time"
            : "cancelled";
    const message: ApprovalMessage = {
      approvalId,
      actionType: row.action_type,
      agentName: row.agent_name,
      requestedBy: row.requested_by,
      policyName: row.policy_name,
      expiresAt: row.expires_at,
      metadataSummary: "",
      consoleUrl: "",
    };
    await slack.client.chat.update({ channel: row.target, ts: row.slack_ts, text: `${row.action_type}: ${outcome}`, blocks: outcomeBlocks(message, outcome) });
    await db().approvalNotice.update({ where: { id: row.id }, data: { outcomePostedAt: new Date() } });
    updated += 1;
  }
  return updated;
}
