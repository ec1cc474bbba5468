import { connectSlackBodySchema } from "@gatehouse/contracts";
import { connectSlack, disconnectSlack, getSlackConnection } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// /api/orgs/[orgSlug]/integrations/slack: the org's Slack app (docs/approvals.md, Slack). Session (401),
// membership (another org is 404), integrations.manage (403). Its secrets are never answered.
export const GET = memberRoute({ what: "read the Slack connection", permission: "integrations.manage" }, async ({ ctx, requestId }) =>
  jsonResponse(await getSlackConnection({ ctx }), requestId),
);

// PUT { botToken, signingSecret }: Slack must accept the token (auth.test), else a 400 naming botToken.
export const PUT = memberRoute({ what: "connect Slack", permission: "integrations.manage", body: connectSlackBodySchema }, async ({ ctx, body, requestId }) =>
  jsonResponse(await connectSlack({ ctx, input: body }), requestId),
);

export const DELETE = memberRoute({ what: "disconnect Slack", permission: "integrations.manage" }, async ({ ctx, requestId }) =>
  jsonResponse(await disconnectSlack({ ctx }), requestId),
);
