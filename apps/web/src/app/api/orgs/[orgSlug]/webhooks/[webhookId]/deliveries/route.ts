import { webhookDeliveryQuerySchema } from "@gatehouse/contracts";
import { listWebhookDeliveries } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/webhooks/[webhookId]/deliveries?cursor=&limit= → { deliveries, nextCursor }, newest first.
export const GET = memberRoute(
  { what: "read webhook deliveries", params: { webhookId: "webhookEndpoint" }, permission: "integrations.manage", query: webhookDeliveryQuerySchema },
  async ({ ctx, params: { webhookId }, query, requestId }) =>
    jsonResponse(await listWebhookDeliveries({ ctx, input: { id: webhookId, cursor: query.cursor, limit: query.limit } }), requestId),
);
