import { updateWebhookBodySchema } from "@gatehouse/contracts";
import { deleteWebhook, updateWebhook } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// PATCH /api/orgs/[orgSlug]/webhooks/[webhookId] { url?, events?, description?, enabled? } → the endpoint.
// Another org's endpoint is 404; integrations.manage (403).
export const PATCH = memberRoute(
  { what: "change webhook endpoints", params: { webhookId: "webhookEndpoint" }, permission: "integrations.manage", body: updateWebhookBodySchema },
  async ({ ctx, params: { webhookId }, body, requestId }) => jsonResponse(await updateWebhook({ ctx, input: { id: webhookId, body } }), requestId),
);

// DELETE /api/orgs/[orgSlug]/webhooks/[webhookId] → the deleted endpoint.
export const DELETE = memberRoute(
  { what: "delete webhook endpoints", params: { webhookId: "webhookEndpoint" }, permission: "integrations.manage" },
  async ({ ctx, params: { webhookId }, requestId }) => jsonResponse(await deleteWebhook({ ctx, input: { id: webhookId } }), requestId),
);
