/** `admin.webhooks`: the org's webhook endpoints and their delivery logs (docs/webhooks.md). */
import { query, request, type TransportConfig } from "../request.ts";
import type { CreatedWebhook, CreateWebhookRequest, RequestOptions, UpdateWebhookRequest, WebhookDelivery, WebhookEndpoint } from "../types.ts";

/**
 * The org's webhook endpoints (docs/webhooks.md; `integrations.manage`: owners, admins). Events are
 * POSTed per the Standard Webhooks spec; verify them with any Standard Webhooks library and the secret.
 */
export interface AdminWebhooks {
  /** The endpoints, newest first, each with its state (paused and why, failed attempts, backlog). */
  list(options?: RequestOptions): Promise<WebhookEndpoint[]>;
  /** Adds an endpoint that receives the events from now on; the `whsec_` secret is answered once. */
  create(endpoint: CreateWebhookRequest, options?: RequestOptions): Promise<CreatedWebhook>;
  get(webhookId: string, options?: RequestOptions): Promise<WebhookEndpoint>;
  /** Changes its URL, events or description; `enabled: false` pauses it, `true` resumes it from the first message it missed. */
  update(webhookId: string, changes: UpdateWebhookRequest, options?: RequestOptions): Promise<WebhookEndpoint>;
  delete(webhookId: string, options?: RequestOptions): Promise<WebhookEndpoint>;
  /** A new secret, answered once; the old one signs beside it for `overlapSeconds` (a day by default). */
  rotateSecret(webhookId: string, options?: RequestOptions & { overlapSeconds?: number }): Promise<CreatedWebhook>;
  /** Its delivery log, newest first, a page at a time. */
  deliveries(webhookId: string, options?: RequestOptions & { cursor?: string; limit?: number }): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }>;
  /** Sends a logged message again (same `webhook-id`), answered with the attempt. */
  redeliver(webhookId: string, deliveryId: string, options?: RequestOptions): Promise<WebhookDelivery>;
  /** Sends a signed `webhook.test` message now, answered with the attempt. */
  test(webhookId: string, options?: RequestOptions): Promise<WebhookDelivery>;
}

export function createAdminWebhooks(config: TransportConfig): AdminWebhooks {
  const webhookPath = (webhookId: string, tail = "") => `/v1/admin/webhooks/${encodeURIComponent(webhookId)}${tail}`;
  return {
    list: async (options = {}) => (await request<{ webhooks: WebhookEndpoint[] }>(config, { method: "GET", path: "/v1/admin/webhooks", signal: options.signal })).webhooks,
    create: (endpoint, options = {}) => request<CreatedWebhook>(config, { method: "POST", path: "/v1/admin/webhooks", body: endpoint, signal: options.signal }),
    get: (webhookId, options = {}) => request<WebhookEndpoint>(config, { method: "GET", path: webhookPath(webhookId), signal: options.signal }),
    update: (webhookId, changes, options = {}) => request<WebhookEndpoint>(config, { method: "PATCH", path: webhookPath(webhookId), body: changes, signal: options.signal }),
    delete: (webhookId, options = {}) => request<WebhookEndpoint>(config, { method: "DELETE", path: webhookPath(webhookId), signal: options.signal }),
    rotateSecret: (webhookId, options = {}) =>
      request<CreatedWebhook>(config, {
        method: "POST",
        path: webhookPath(webhookId, "/rotate"),
        body: options.overlapSeconds === undefined ? {} : { overlapSeconds: options.overlapSeconds },
        signal: options.signal,
      }),
    deliveries: (webhookId, options = {}) =>
      request<{ deliveries: WebhookDelivery[]; nextCursor: string | null }>(config, {
        method: "GET",
        path: webhookPath(webhookId, `/deliveries${query({ cursor: options.cursor, limit: options.limit === undefined ? undefined : String(options.limit) })}`),
        signal: options.signal,
      }),
    redeliver: (webhookId, deliveryId, options = {}) =>
      request<WebhookDelivery>(config, { method: "POST", path: webhookPath(webhookId, `/deliveries/${encodeURIComponent(deliveryId)}/redeliver`), signal: options.signal }),
    test: (webhookId, options = {}) => request<WebhookDelivery>(config, { method: "POST", path: webhookPath(webhookId, "/test"), signal: options.signal }),
  };
}
