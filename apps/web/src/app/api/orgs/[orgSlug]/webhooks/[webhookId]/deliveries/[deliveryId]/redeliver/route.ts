import { redeliverWebhook } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/webhooks/[webhookId]/deliveries/[deliveryId]/redeliver → the attempt (same webhook-id as the logged message).
export const POST = memberRoute(
  { what: "redeliver webhooks", params: { webhookId: "webhookEndpoint", deliveryId: "webhookDelivery" }, permission: "integrations.manage" },
  async ({ ctx, params: { webhookId, deliveryId }, requestId }) => jsonResponse(await redeliverWebhook({ ctx, input: { id: webhookId, deliveryId } }), requestId),
);
