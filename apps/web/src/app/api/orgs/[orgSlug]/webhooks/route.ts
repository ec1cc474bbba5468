import { createWebhookBodySchema } from "@gatehouse/contracts";
import { createWebhook, listWebhooks } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/webhooks → { webhooks }, newest first. Session (401), membership (another org is 404), integrations.manage (403).
export const GET = memberRoute({ what: "list webhook endpoints", permission: "integrations.manage" }, async ({ ctx, requestId }) =>
  jsonResponse(await listWebhooks({ ctx }), requestId),
);

// POST /api/orgs/[orgSlug]/webhooks { url, events, description? } → { webhook, secret } (the secret shown once).
// A URL that is or resolves to a private, loopback or link-local address is a 400 naming `url`.
export const POST = memberRoute({ what: "add webhook endpoints", permission: "integrations.manage", body: createWebhookBodySchema }, async ({ ctx, body, requestId }) =>
  jsonResponse(await createWebhook({ ctx, input: body }), requestId),
);
