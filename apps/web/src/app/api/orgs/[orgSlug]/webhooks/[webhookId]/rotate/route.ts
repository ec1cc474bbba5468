import { rotateWebhookBodySchema } from "@gatehouse/contracts";
import { rotateWebhookSecret } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/webhooks/[webhookId]/rotate { overlapSeconds? } → { webhook, secret } (the new secret shown once).
export const POST = memberRoute(
  { what: "rotate webhook secrets", params: { webhookId: "webhookEndpoint" }, permission: "integrations.manage", body: rotateWebhookBodySchema },
  async ({ ctx, params: { webhookId }, body, requestId }) => jsonResponse(await rotateWebhookSecret({ ctx, input: { id: webhookId, body } }), requestId),
);
