import { connectSlackBodySchema } from "@gatehouse/contracts";
import { connectSlack, disconnectSlack, getSlackConnection } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// /api/orgs/[orgSlug]/integrations/slack: the org's Slack app (docs/approvals.md, Slack). Session (401),
// membership (another org is 404), integrations.manage (403). Its secrets are never answered.
export const GET = memberRoute({ what: "read the Slack connection", permission: "integrations.manage" }, async ({ ctx, requestId }) =>
  jsonResponse(await getSlackConnection({ ctx }), requestId),
);

// PUT { botToken, signingSecret }: Slack must accept the token (auth.test), else a 400 naming botToken. The app is
// pending until Slack proves its signing secret. While the two-admin rule is in force, 202 { status: "pending_approval",
// approvalId }: nothing changes until another owner or admin approves.
export const PUT = memberRoute({ what: "connect Slack", permission: "integrations.manage", body: connectSlackBodySchema }, async ({ ctx, body, requestId }) => {
  const outcome = await connectSlack({ ctx, input: body });
  return outcome.status === "applied" ? jsonResponse(outcome.connection, requestId) : jsonResponse(outcome, requestId, 202);
});

// Disconnecting weakens nothing: applied at once, under the two-admin rule too.
export const DELETE = memberRoute({ what: "disconnect Slack", permission: "integrations.manage" }, async ({ ctx, requestId }) =>
  jsonResponse(await disconnectSlack({ ctx }), requestId),
);
