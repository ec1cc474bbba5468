import { WebClient } from "@slack/web-api";
import { notFound, validationError } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { openOrgSecret, sealOrgSecret } from "../infra/org-vault";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { slackApiUrl } from "../infra/env";

/**
 * The org's Slack app (docs/approvals.md, Slack): its bot token and signing secret, sealed under the
 * master key, and whether Slack proved the signing secret its own. A connected app is `pending` until a
 * request from Slack signed with that secret arrives (the Events API's `url_verification`, sent when the
 * app's Event Subscriptions Request URL is set to the org's events path); only a `verified` app posts
 * approvals and has its clicks counted. Connecting or changing it while the two-admin rule is in force
 * waits for a second admin (policy-rollout/connect-slack.ts); this file holds what both paths share.
 */

export const SLACK_PURPOSE_TOKEN = "slack-bot-token";
export const SLACK_PURPOSE_SIGNING = "slack-signing-secret";
/** The action a Slack app waiting for a second admin is, on the org's system agent. */
export const SLACK_CONNECTION_ACTION_TYPE = "gatehouse.integrations.slack";

export type SlackConnectionState = "none" | "pending" | "verified";

export interface SlackConnectionView {
  connected: boolean;
  /** `none`; `pending` until Slack proves the signing secret (nothing posted, no click counted); `verified`. */
  state: SlackConnectionState;
  teamId: string | null;
  teamName: string | null;
  botUserId: string | null;
  /** The path of the API Slack's interactivity setting points at (on the API's public address). */
  interactionsPath: string;
  /** The path Slack's Event Subscriptions Request URL points at: Slack's `url_verification` there proves the app. */
  eventsPath: string;
  connectedAt: string | null;
  verifiedAt: string | null;
  /** A connection or change of the app waiting for a second admin's approval (two-admin rule). */
  pendingApprovalId: string | null;
}

/** The app as asked: its secrets in clear (sealed before they are stored) and the workspace Slack said the token is of. */
export interface SlackApp {
  botToken: string;
  signingSecret: string;
  teamId: string;
  teamName: string | null;
  botUserId: string | null;
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
const eventsPath = (orgId: string) => `/v1/slack/${orgId}/events`;

/** The workspace and bot user of `botToken`, from Slack (`auth.test`); a token Slack refuses is a 400 naming `botToken`. */
export async function slackIdentity(botToken: string): Promise<Omit<SlackApp, "botToken" | "signingSecret">> {
  let identity: { team_id?: string; team?: string; user_id?: string };
  try {
    identity = await slackClient(botToken).auth.test();
  } catch {
    throw validationError([{ path: "botToken", message: "Slack did not accept this bot token (auth.test failed)" }]);
  }
  if (!identity.team_id) throw validationError([{ path: "botToken", message: "Slack named no workspace for this bot token (auth.test)" }]);
  return { teamId: identity.team_id, teamName: identity.team ?? null, botUserId: identity.user_id ?? null };
}

export async function getSlackConnection({ ctx }: { ctx: Ctx }): Promise<SlackConnectionView> {
  requirePermission(ctx, "integrations.manage");
  const [row, [waiting]] = await Promise.all([
    db().orgSlackConnection.findUnique({ where: { orgId: ctx.org.id } }),
    db().$queryRaw<Array<{ approval_id: string }>>`
      SELECT r.approval_id FROM slack_connection_requests r JOIN approvals a ON a.id = r.approval_id AND a.org_id = r.org_id
      WHERE r.org_id = ${ctx.org.id} AND r.applied_at IS NULL AND a.status = 'pending'
      ORDER BY r.created_at DESC LIMIT 1`,
  ]);
  return {
    connected: row !== null,
    state: row === null ? "none" : row.verifiedAt ? "verified" : "pending",
    teamId: row?.teamId ?? null,
    teamName: row?.teamName ?? null,
    botUserId: row?.botUserId ?? null,
    interactionsPath: interactionsPath(ctx.org.id),
    eventsPath: eventsPath(ctx.org.id),
    connectedAt: row?.updatedAt.toISOString() ?? null,
    verifiedAt: row?.verifiedAt?.toISOString() ?? null,
    pendingApprovalId: waiting?.approval_id ?? null,
  };
}

/** What storing an app changed, for the notice every owner gets (policy-rollout/tell-owners-of-slack-change.ts). */
export interface SlackConnectionChange {
  /** `connected`: the org had no app; `replaced`: another workspace or another signing secret; `token`: the same app, a new bot token. */
  change: "connected" | "replaced" | "token";
  /** The workspace the org's app was of before, when it had one. */
  previousTeamId: string | null;
  /** The `integration.changed` entry. */
  entryId: string;
  entrySeq: number;
}

/**
 * Stores `app` as the org's Slack app, with an `integration.changed` entry (`approvalId` when a second
 * admin approved it), in one transaction whose `within` runs first (an approved request marks itself
 * applied there). The app is `pending` until Slack proves its signing secret, unless it is the app
 * already proven with the same signing secret and workspace (a new bot token of the same app).
 */
export async function writeSlackConnection(ctx: Ctx, app: SlackApp, options: { approvalId?: string; within?: (tx: Tx) => Promise<void> } = {}): Promise<SlackConnectionChange> {
  const orgId = ctx.org.id;
  const [botTokenEnc, signingSecretEnc] = await Promise.all([
    sealOrgSecret(SLACK_PURPOSE_TOKEN, orgId, orgId, app.botToken),
    sealOrgSecret(SLACK_PURPOSE_SIGNING, orgId, orgId, app.signingSecret),
  ]);
  return db().$transaction(async (tx) => {
    await options.within?.(tx);
    // Locked: a proof arriving meanwhile waits, and then finds the secret it was checked against gone.
    await tx.$executeRaw`SELECT 1 FROM org_slack_connections WHERE org_id = ${orgId} FOR UPDATE`;
    const current = await tx.orgSlackConnection.findUnique({ where: { orgId }, omit: { signingSecretEnc: false } });
    const sameApp =
      current != null &&
      current.teamId === app.teamId &&
      (await openOrgSecret(SLACK_PURPOSE_SIGNING, orgId, orgId, current.signingSecretEnc).catch(() => null)) === app.signingSecret;
    const sameProvenApp = sameApp && current.verifiedAt != null;
    const data = {
      botTokenEnc,
      signingSecretEnc,
      teamId: app.teamId,
      teamName: app.teamName,
      botUserId: app.botUserId,
      createdBy: ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : null,
      updatedAt: new Date(),
      verifiedAt: sameProvenApp ? current.verifiedAt : null,
    };
    await tx.orgSlackConnection.upsert({ where: { orgId }, create: { orgId, ...data }, update: data });
    const entry = await appendAuditEntry(tx, orgId, {
      type: "integration.changed",
      actor: actorRef(ctx.actor),
      data: { integration: "slack", change: "connected", account: app.teamId, ...(options.approvalId ? { approvalId: options.approvalId } : {}) },
    });
    return {
      change: current == null ? "connected" : sameApp ? "token" : "replaced",
      previousTeamId: current?.teamId ?? null,
      entryId: entry.id,
      entrySeq: entry.seq,
    } satisfies SlackConnectionChange;
  }, TX_OPTIONS);
}

/** Disconnecting weakens nothing: applied at once, under the two-admin rule too. Without a connection: 404. */
export async function disconnectSlack({ ctx }: { ctx: Ctx }): Promise<SlackConnectionView> {
  requirePermission(ctx, "integrations.manage");
  await db().$transaction(async (tx) => {
    const removed = await tx.orgSlackConnection.deleteMany({ where: { orgId: ctx.org.id } });
    if (removed.count === 0) throw notFound("Slack connection");
    await appendAuditEntry(tx, ctx.org.id, { type: "integration.changed", actor: actorRef(ctx.actor), data: { integration: "slack", change: "disconnected" } });
  }, TX_OPTIONS);
  return getSlackConnection({ ctx });
}

/** The org's Slack app as stored, proven or not: what a request from Slack is checked against. */
export interface StoredSlackApp {
  client: WebClient;
  signingSecret: string;
  /** The sealed secret the request is checked against, so a proof is recorded for that secret only. */
  signingSecretEnc: string;
  teamId: string | null;
  verified: boolean;
}

export async function storedSlackApp(orgId: string): Promise<StoredSlackApp | null> {
  const row = await db().orgSlackConnection.findUnique({ where: { orgId }, omit: { botTokenEnc: false, signingSecretEnc: false } });
  if (!row) return null;
  const [botToken, signingSecret] = await Promise.all([
    openOrgSecret(SLACK_PURPOSE_TOKEN, orgId, orgId, row.botTokenEnc),
    openOrgSecret(SLACK_PURPOSE_SIGNING, orgId, orgId, row.signingSecretEnc),
  ]);
  return { client: slackClient(botToken), signingSecret, signingSecretEnc: row.signingSecretEnc, teamId: row.teamId, verified: row.verifiedAt !== null };
}

/** The org's Slack client and signing secret when its app is connected AND proven by Slack; else null (nothing is posted). */
export async function slackOf(orgId: string): Promise<{ client: WebClient; signingSecret: string; teamId: string } | null> {
  const app = await storedSlackApp(orgId);
  if (!app?.verified || !app.teamId) return null;
  return { client: app.client, signingSecret: app.signingSecret, teamId: app.teamId };
}

/**
 * Records that Slack proved the org's app: a request signed with the secret sealed as `signingSecretEnc`
 * came from Slack. Only that secret's row, still unproven, is marked (a replaced app waits for its own
 * proof); with a `verified` entry by the system actor `slack`. True when this call proved it.
 */
export async function proveSlackApp(orgId: string, signingSecretEnc: string): Promise<boolean> {
  return db().$transaction(async (tx) => {
    const marked = await tx.$executeRaw`
      UPDATE org_slack_connections SET verified_at = clock_timestamp()
      WHERE org_id = ${orgId} AND verified_at IS NULL AND signing_secret_enc = ${signingSecretEnc}`;
    if (marked === 0) return false;
    const row = await tx.orgSlackConnection.findUniqueOrThrow({ where: { orgId }, select: { teamId: true } });
    await appendAuditEntry(tx, orgId, {
      type: "integration.changed",
      actor: { type: "system", id: "slack" },
      data: { integration: "slack", change: "verified", ...(row.teamId ? { account: row.teamId } : {}) },
    });
    return true;
  }, TX_OPTIONS);
}
