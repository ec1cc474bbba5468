import { testWebhook } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/webhooks/[webhookId]/test → the attempt: a signed webhook.test message sent now.
export const POST = memberRoute(
  { what: "send test webhooks", params: { webhookId: "webhookEndpoint" }, permission: "integrations.manage" },
  async ({ ctx, params: { webhookId }, requestId }) => jsonResponse(await testWebhook({ ctx, input: { id: webhookId } }), requestId),
);
