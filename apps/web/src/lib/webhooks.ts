import type { CreateWebhookBody, RotateWebhookBody, UpdateWebhookBody, WebhookDeliveryView, WebhookEndpointView } from "@gatehouse/contracts";
import { getJson, orgPath, postJson, request } from "./api-client";

// The Integrations page's calls (docs/webhooks.md): the console's own routes under /api/orgs/<slug>/webhooks.

export type WebhookList = { webhooks: WebhookEndpointView[] };
export type CreatedWebhook = { webhook: WebhookEndpointView; secret: string };
export type WebhookDeliveryPage = { deliveries: WebhookDeliveryView[]; nextCursor: string | null };
export type { WebhookDeliveryView, WebhookEndpointView };

export const webhookKeys = {
  list: (orgSlug: string) => ["webhooks", orgSlug] as const,
  deliveries: (orgSlug: string, id: string) => ["webhooks", orgSlug, id, "deliveries"] as const,
};

const base = (orgSlug: string) => `${orgPath(orgSlug)}/webhooks`;
const one = (orgSlug: string, id: string) => `${base(orgSlug)}/${encodeURIComponent(id)}`;

export const fetchWebhooks = (orgSlug: string, signal?: AbortSignal) => getJson<WebhookList>(base(orgSlug), signal);
export const createWebhook = (orgSlug: string, body: CreateWebhookBody) => postJson<CreatedWebhook>(base(orgSlug), body);
export const updateWebhook = (orgSlug: string, id: string, body: UpdateWebhookBody) => request<WebhookEndpointView>("PATCH", one(orgSlug, id), { body });
export const deleteWebhook = (orgSlug: string, id: string) => request<WebhookEndpointView>("DELETE", one(orgSlug, id));
export const rotateWebhook = (orgSlug: string, id: string, body: RotateWebhookBody) => postJson<CreatedWebhook>(`${one(orgSlug, id)}/rotate`, body);
export const testWebhook = (orgSlug: string, id: string) => request<WebhookDeliveryView>("POST", `${one(orgSlug, id)}/test`);
export const fetchDeliveries = (orgSlug: string, id: string, signal?: AbortSignal) => getJson<WebhookDeliveryPage>(`${one(orgSlug, id)}/deliveries?limit=50`, signal);
export const redeliver = (orgSlug: string, id: string, deliveryId: string) =>
  request<WebhookDeliveryView>("POST", `${one(orgSlug, id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`);

/** An endpoint's state in words: active, retrying (and when), or paused (and why). */
export function endpointState(w: WebhookEndpointView): { label: string; tone: "good" | "waiting" | "bad"; detail: string | null } {
  if (!w.enabled) return { label: "paused", tone: "bad", detail: w.disabledReason };
  if (w.failedAttempts > 0) return { label: "retrying", tone: "waiting", detail: `${w.failedAttempts} failed attempt${w.failedAttempts === 1 ? "" : "s"} at its current message` };
  return { label: "active", tone: "good", detail: null };
}

/** The org's Slack app as the console shows it (its secrets are never answered). */
export interface SlackConnection {
  connected: boolean;
  /** `pending` until Slack proves the signing secret its own (nothing posted, no click counted); then `verified`. */
  state: "none" | "pending" | "verified";
  teamId: string | null;
  teamName: string | null;
  botUserId: string | null;
  interactionsPath: string;
  eventsPath: string;
  connectedAt: string | null;
  verifiedAt: string | null;
  /** A connection or change waiting for a second admin (the two-admin rule). */
  pendingApprovalId: string | null;
}
/** Connecting or changing the app under the two-admin rule: nothing changed yet, an approval opened. */
export type SlackConnectionPending = { status: "pending_approval"; approvalId: string };

export const slackKey = (orgSlug: string) => ["integrations", orgSlug, "slack"] as const;
const slackPath = (orgSlug: string) => `${orgPath(orgSlug)}/integrations/slack`;
export const fetchSlack = (orgSlug: string, signal?: AbortSignal) => getJson<SlackConnection>(slackPath(orgSlug), signal);
export const connectSlack = (orgSlug: string, body: { botToken: string; signingSecret: string }) =>
  request<SlackConnection | SlackConnectionPending>("PUT", slackPath(orgSlug), { body });
export const disconnectSlack = (orgSlug: string) => request<SlackConnection>("DELETE", slackPath(orgSlug));
