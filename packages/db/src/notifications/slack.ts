import { createHmac, timingSafeEqual } from "node:crypto";
import { WebClient, type Block, type KnownBlock } from "@slack/web-api";
import { isDomainError, notFound, validationError, type MemberRole } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { actorRef } from "../actors/actor-ref";
import { openOrgSecret, sealOrgSecret } from "../audit/signing-keys";
import { db, TX_OPTIONS } from "../infra/client";
import { slackApiUrl } from "../infra/env";
import { decideApproval } from "../policy-rollout";

/**
 * Slack approvals (docs/approvals.md, Slack). An org connects its own Slack app: the bot token (to post
 * and update messages, and to read a clicker's verified email) and the signing secret (to verify that a
 * click came from Slack), both sealed under the master key. Policies name channels in `approval.notify.slack`;
 * the worker posts each request there with Approve / Deny buttons. A click is verified (Slack's `v0`
 * signature, at most 5 minutes old), answered at once (Slack's 3-second window), mapped to the member
 * whose account has the clicker's Slack email, and decided through the same vote as the console's (the
 * member's role now, separation of duties, `humanOnly` refusing it), recorded `via: slack`.
 */

const PURPOSE_TOKEN = "slack-bot-token";
const PURPOSE_SIGNING = "slack-signing-secret";
/** A click older than this (or from the future by as much) is refused: Slack's own guidance. */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 300;

export interface SlackConnectionView {
  connected: boolean;
  teamId: string | null;
  teamName: string | null;
  botUserId: string | null;
  /** The path of the API Slack's interactivity setting points at (on the API's public address). */
  interactionsPath: string;
  connectedAt: string | null;
}

export function slackClient(botToken: string): WebClient {
  const url = slackApiUrl();
  return new WebClient(botToken, {
    ...(url ? { slackApiUrl: url.endsWith("/") ? url : `${url}/` } : {}),
    allowAbsoluteUrls: false,
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1_000 },
    timeout: 5_000,
  });
}

const interactionsPath = (orgId: string) => `/v1/slack/${orgId}/interactions`;

export async function getSlackConnection({ ctx }: { ctx: Ctx }): Promise<SlackConnectionView> {
  requirePermission(ctx, "integrations.manage");
  const row = await db().orgSlackConnection.findUnique({ where: { orgId: ctx.org.id } });
  return {
    connected: row !== null,
    teamId: row?.teamId ?? null,
    teamName: row?.teamName ?? null,
    botUserId: row?.botUserId ?? null,
    interactionsPath: interactionsPath(ctx.org.id),
    connectedAt: row?.updatedAt.toISOString() ?? null,
  };
}

/** Connects (or replaces) the org's Slack app after Slack accepts the token (`auth.test`). */
export async function connectSlack({ ctx, input }: { ctx: Ctx; input: { botToken: string; signingSecret: string } }): Promise<SlackConnectionView> {
  requirePermission(ctx, "integrations.manage");
  let identity: { team_id?: string; team?: string; user_id?: string };
  try {
    identity = await slackClient(input.botToken).auth.test();
  } catch {
    throw validationError([{ path: "botToken", message: "Slack did not accept this bot token (auth.test failed)" }]);
  }
  const [botTokenEnc, signingSecretEnc] = await Promise.all([
    sealOrgSecret(PURPOSE_TOKEN, ctx.org.id, ctx.org.id, input.botToken),
    sealOrgSecret(PURPOSE_SIGNING, ctx.org.id, ctx.org.id, input.signingSecret),
  ]);
  await db().$transaction(async (tx) => {
    const data = {
      botTokenEnc,
      signingSecretEnc,
      teamId: identity.team_id ?? null,
      teamName: identity.team ?? null,
      botUserId: identity.user_id ?? null,
      createdBy: ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : null,
      updatedAt: new Date(),
    };
    await tx.orgSlackConnection.upsert({ where: { orgId: ctx.org.id }, create: { orgId: ctx.org.id, ...data }, update: data });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "integration.changed",
      actor: actorRef(ctx.actor),
      data: { integration: "slack", change: "connected", ...(identity.team_id ? { account: identity.team_id } : {}) },
    });
  }, TX_OPTIONS);
  return getSlackConnection({ ctx });
}

export async function disconnectSlack({ ctx }: { ctx: Ctx }): Promise<SlackConnectionView> {
  requirePermission(ctx, "integrations.manage");
  await db().$transaction(async (tx) => {
    const removed = await tx.orgSlackConnection.deleteMany({ where: { orgId: ctx.org.id } });
    if (removed.count === 0) throw notFound("Slack connection");
    await appendAuditEntry(tx, ctx.org.id, { type: "integration.changed", actor: actorRef(ctx.actor), data: { integration: "slack", change: "disconnected" } });
  }, TX_OPTIONS);
  return getSlackConnection({ ctx });
}

/** The org's Slack client and signing secret, or null when it has no Slack app connected. */
export async function slackOf(orgId: string): Promise<{ client: WebClient; signingSecret: string } | null> {
  const row = await db().orgSlackConnection.findUnique({ where: { orgId }, omit: { botTokenEnc: false, signingSecretEnc: false } });
  if (!row) return null;
  const [botToken, signingSecret] = await Promise.all([
    openOrgSecret(PURPOSE_TOKEN, orgId, orgId, row.botTokenEnc),
    openOrgSecret(PURPOSE_SIGNING, orgId, orgId, row.signingSecretEnc),
  ]);
  return { client: slackClient(botToken), signingSecret };
}

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

// ── Clicks ────────────────────────────────────────────────────────────────────────────────────────

interface BlockActionsPayload {
  type?: string;
  user?: { id?: string };
  channel?: { id?: string };
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

const APPROVAL_ID = /^apr_[0-9a-zA-Z]{22}$/;

/**
 * A request to the org's interactions URL. Unknown org or no Slack app: 404. A signature that does not
 * verify, or is older than 5 minutes: 401, and nothing is read from the payload. Otherwise 200 at once,
 * and the click is handled after: the clicker's email from `users.info`, their membership, the vote.
 */
export async function receiveSlackInteraction(args: {
  orgId: string;
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
  now?: Date;
}): Promise<SlackClickResult> {
  const ignored = (reason: string): SlackClickResult => ({ status: 200, done: Promise.resolve({ kind: "ignored", reason }) });
  if (!/^org_[0-9a-zA-Z]{22}$/.test(args.orgId)) return { status: 404, done: Promise.resolve({ kind: "ignored", reason: "no such org" }) };
  const slack = await slackOf(args.orgId);
  if (!slack) return { status: 404, done: Promise.resolve({ kind: "ignored", reason: "no Slack app connected" }) };
  const header = (name: string) => {
    const value = args.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const nowSeconds = Math.floor((args.now ?? new Date()).getTime() / 1_000);
  if (
    !verifySlackSignature({
      signingSecret: slack.signingSecret,
      timestamp: header("x-slack-request-timestamp"),
      signature: header("x-slack-signature"),
      rawBody: args.rawBody,
      nowSeconds,
    })
  ) {
    return { status: 401, done: Promise.resolve({ kind: "ignored", reason: "signature" }) };
  }
  let payload: BlockActionsPayload;
  try {
    payload = JSON.parse(new URLSearchParams(args.rawBody).get("payload") ?? "") as BlockActionsPayload;
  } catch {
    return { status: 400, done: Promise.resolve({ kind: "ignored", reason: "payload" }) };
  }
  const action = payload.actions?.[0];
  const decision = action?.action_id === "approve" ? "approve" : action?.action_id === "deny" ? "deny" : null;
  const approvalId = action?.value ?? "";
  const slackUser = payload.user?.id;
  if (payload.type !== "block_actions" || !decision || !APPROVAL_ID.test(approvalId) || !slackUser) return ignored("not an approval button");
  const done = handleClick({ orgId: args.orgId, client: slack.client, slackUser, channel: payload.channel?.id ?? null, approvalId, decision });
  return { status: 200, done };
}

async function handleClick(args: {
  orgId: string;
  client: WebClient;
  slackUser: string;
  channel: string | null;
  approvalId: string;
  decision: "approve" | "deny";
}): Promise<SlackClickOutcome> {
  const tell = async (message: string): Promise<SlackClickOutcome> => {
    if (args.channel) await args.client.chat.postEphemeral({ channel: args.channel, user: args.slackUser, text: message }).catch(() => {});
    return { kind: "refused", approvalId: args.approvalId, message };
  };
  let email: string | undefined;
  try {
    const info = await args.client.users.info({ user: args.slackUser });
    // Slack confirms a workspace member's email; a guest or a bot without one decides nothing.
    email = info.user?.is_bot ? undefined : info.user?.profile?.email;
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
    return tell(`Your vote was not counted: ${error.message}.`);
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
