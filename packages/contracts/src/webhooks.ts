import { WEBHOOK_MAX_ROTATION_OVERLAP_SECONDS, webhookEventSelectorSchema, webhookUrlSchema } from "@gatehouse/core";
import { z } from "zod";
import { idOf, named, safeString } from "./common";

// Outbound webhooks (docs/webhooks.md): endpoints, their secrets (shown once), their delivery logs.

export const webhookIdParams = z.object({ id: idOf("webhookEndpoint") });
export const webhookDeliveryParams = z.object({ id: idOf("webhookEndpoint"), deliveryId: idOf("webhookDelivery") });

const events = z.array(webhookEventSelectorSchema).min(1).max(32).describe('The event types it receives (those of `GET /v1/events`), or `["*"]` for all.');

export const createWebhookBodySchema = named(
  "CreateWebhookRequest",
  z.strictObject({
    url: webhookUrlSchema.describe(
      "Where to POST: http(s), no user name or password. Private, loopback and link-local addresses are refused, also after DNS resolution (unless the instance sets GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1).",
    ),
    events,
    description: safeString().max(200).optional(),
  }),
  "A new endpoint.",
);

export const updateWebhookBodySchema = named(
  "UpdateWebhookRequest",
  z.strictObject({
    url: webhookUrlSchema.optional(),
    events: events.optional(),
    description: safeString().max(200).optional(),
    enabled: z
      .boolean()
      .optional()
      .describe("`false` pauses deliveries (what happens meanwhile waits in the log); `true` resumes them from the first message it has not received, retries starting over."),
  }),
  "What to change; the rest stays.",
);

export const rotateWebhookBodySchema = named(
  "RotateWebhookSecretRequest",
  z.strictObject({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(WEBHOOK_MAX_ROTATION_OVERLAP_SECONDS)
      .optional()
      .describe("How long the old secret keeps signing beside the new one (both signatures in `webhook-signature`); 86400 by default."),
  }),
  "How long the old secret overlaps the new one.",
);

export const webhookEndpointSchema = named(
  "WebhookEndpoint",
  z.object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().describe("Why deliveries stopped: a 410 from the receiver, retries used up, or a member paused it."),
    failedAttempts: z.number().int().describe("Failed attempts at the message it is stuck on (0: none)."),
    nextAttemptAt: z.string().nullable().describe("When the next retry is due, while one is."),
    backlog: z.number().int().describe("Log entries not handled yet (events it does not subscribe to are skipped)."),
    previousSecretUntil: z.string().nullable().describe("Until when the rotated-out secret still signs too."),
    createdAt: z.string(),
  }),
  "A webhook endpoint (its secret is never shown again).",
);

export const webhookEndpointListSchema = named("WebhookEndpointList", z.object({ webhooks: z.array(webhookEndpointSchema) }), "The org's webhook endpoints, newest first.");

export const createdWebhookSchema = named(
  "CreatedWebhook",
  z.object({ webhook: webhookEndpointSchema, secret: z.string().describe("The `whsec_` signing secret: shown once, keep it.") }),
  "The endpoint and its secret (shown once).",
);

export const webhookDeliverySchema = named(
  "WebhookDelivery",
  z.object({
    id: z.string(),
    messageId: z.string().describe("The `webhook-id` sent: the audit entry's id (a test send's own id)."),
    seq: z.number().int().nullable(),
    eventType: z.string(),
    kind: z.enum(["event", "test", "redelivery", "notice"]).describe("`notice`: an approval routed to this endpoint by a policy's `approval.notify.webhooks`."),
    attempt: z.number().int(),
    status: z.enum(["delivered", "failed"]),
    responseStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    createdAt: z.string(),
  }),
  "One attempt to deliver a message.",
);

export const webhookDeliveryListSchema = named(
  "WebhookDeliveryList",
  z.object({ deliveries: z.array(webhookDeliverySchema), nextCursor: z.string().nullable() }),
  "An endpoint's delivery log, newest first.",
);

export const webhookDeliveryQuerySchema = z.object({
  cursor: idOf("webhookDelivery").optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export type WebhookEndpointView = z.output<typeof webhookEndpointSchema>;
export type WebhookDeliveryView = z.output<typeof webhookDeliverySchema>;
export type CreateWebhookBody = z.output<typeof createWebhookBodySchema>;
export type UpdateWebhookBody = z.output<typeof updateWebhookBodySchema>;
export type RotateWebhookBody = z.output<typeof rotateWebhookBodySchema>;

// Slack (docs/approvals.md, Slack): the org's own Slack app, its secrets never answered.

export const connectSlackBodySchema = named(
  "ConnectSlackRequest",
  z.strictObject({
    botToken: z
      .string()
      .regex(/^xox[bp]-[A-Za-z0-9-]{10,250}$/, "must be a Slack bot token (xoxb-…)")
      .describe("The app's bot token: chat:write, users:read and users:read.email."),
    signingSecret: z.string().regex(/^[0-9a-f]{32,64}$/, "must be the app's signing secret (32 hex characters)"),
  }),
  "The Slack app to post approvals with and verify clicks by.",
);

export const slackConnectionSchema = named(
  "SlackConnection",
  z.object({
    connected: z.boolean(),
    state: z
      .enum(["none", "pending", "verified"])
      .describe(
        "`pending`: connected, but Slack has not yet proven the signing secret its own; nothing is posted and no click counts until Slack's `url_verification` signed with it reaches `eventsPath` (set the app's Event Subscriptions Request URL to it). `verified`: proven, live.",
      ),
    teamId: z.string().nullable(),
    teamName: z.string().nullable(),
    botUserId: z.string().nullable(),
    interactionsPath: z.string().describe("Set the app's Interactivity Request URL to this path on the API's public address."),
    eventsPath: z.string().describe("Set the app's Event Subscriptions Request URL to this path on the API's public address: Slack's request there proves the app."),
    connectedAt: z.string().nullable(),
    verifiedAt: z.string().nullable().describe("When Slack proved the signing secret (null while pending)."),
    pendingApprovalId: z
      .string()
      .nullable()
      .describe("A connection or change of the app waiting for a second admin's approval (the two-admin rule); the current app, if any, stays until it is approved."),
  }),
  "Whether a Slack app is connected, proven by Slack, and to which workspace (its secrets are never shown).",
);

export const pendingSlackConnectionSchema = named(
  "SlackConnectionPendingApproval",
  z.object({
    status: z.literal("pending_approval"),
    approvalId: z.string().describe("The approval (action `gatehouse.integrations.slack` of the org's system agent) another owner or admin must approve."),
  }),
  "Connecting or changing the Slack app waits for a second admin's approval (the two-admin rule).",
);

/** What the events URL answers Slack: the challenge of its `url_verification`, or nothing. */
export const slackEventAnswerSchema = named(
  "SlackEventAnswer",
  z.object({ challenge: z.string().optional().describe("The `url_verification` challenge, answered as Slack sent it.") }),
  "Slack's Events API request acknowledged.",
);

export const slackInteractionParams = z.object({ orgId: idOf("org") });
