import { connectSlackBodySchema, pendingSlackConnectionSchema, slackConnectionSchema, slackEventAnswerSchema, slackInteractionParams } from "../webhooks";
import type { RouteContract } from "./contract";

/** The org's Slack app: connecting it (members), and the requests Slack sends it (no key: each must verify with the org's signing secret). */
export const slackRoutes = [
  {
    operationId: "getSlackConnection",
    method: "GET",
    path: "/v1/admin/integrations/slack",
    summary: "The org's Slack app",
    description:
      "Whether one is connected and proven by Slack (`state`), its workspace, the interactions and events paths to set in the app, and a connection waiting for a second admin (its secrets are never answered).",
    tag: "Integrations",
    auth: "admin",
    permission: "integrations.manage",
    success: { status: 200, description: "The connection.", json: slackConnectionSchema },
  },
  {
    operationId: "connectSlack",
    method: "PUT",
    path: "/v1/admin/integrations/slack",
    summary: "Connect (or replace) the org's Slack app",
    description:
      "Slack must accept the bot token (`auth.test`, which names the workspace), else a 400 naming `botToken`. Both secrets are stored encrypted. The app is `pending` until Slack proves the signing secret its own: set the app's Event Subscriptions Request URL to `/v1/slack/<org id>/events` (Slack's `url_verification` there, signed with the secret, makes it `verified`) and its Interactivity Request URL to `/v1/slack/<org id>/interactions`. Until then nothing is posted and no click counts. When the two-admin rule (`policies.requireSecondApproval`) is in force nothing is changed: the app is recorded and an approval opened (action `gatehouse.integrations.slack` of the org's system agent) that another owner or admin must approve (202; the asking member cannot approve it); it is connected, still to be proven, when approved.",
    tag: "Integrations",
    auth: "admin",
    permission: "integrations.manage",
    body: connectSlackBodySchema,
    success: { status: 200, description: "The connection (pending until Slack proves it).", json: slackConnectionSchema },
    accepted: { status: 202, description: "Waiting for a second admin's approval.", json: pendingSlackConnectionSchema },
  },
  {
    operationId: "disconnectSlack",
    method: "DELETE",
    path: "/v1/admin/integrations/slack",
    summary: "Disconnect the org's Slack app",
    description:
      "Its secrets are deleted; messages already posted stay, and their buttons stop working. Applied at once, under the two-admin rule too (it weakens nothing). Without a connection: 404.",
    tag: "Integrations",
    auth: "admin",
    permission: "integrations.manage",
    success: { status: 200, description: "The connection, now disconnected.", json: slackConnectionSchema },
  },
  {
    operationId: "slackEvents",
    method: "POST",
    path: "/v1/slack/:orgId/events",
    summary: "Slack's Events API requests (the app's proof)",
    description:
      "Called by Slack, not by people: `application/json`, at most 64 KiB. A request whose `x-slack-signature` does not verify with the org's signing secret (the exact bytes), or whose `x-slack-request-timestamp` is more than 5 minutes off, is a 401 and nothing is read or proven. Slack's `url_verification` (sent when the app's Event Subscriptions Request URL is set) verified by it proves the app: a `pending` connection becomes `verified` (an `integration.changed` entry) and the challenge is answered. Other events are acknowledged and change nothing. No Slack app: 404.",
    tag: "Integrations",
    auth: "public",
    params: slackInteractionParams,
    rawBody: { mediaTypes: ["application/json"], description: "Slack's Events API request, read as the bytes Slack signed before it is parsed." },
    success: { status: 200, description: "Received; a `url_verification`'s challenge answered.", json: slackEventAnswerSchema },
  },
  {
    operationId: "slackInteractions",
    method: "POST",
    path: "/v1/slack/:orgId/interactions",
    summary: "Slack's interactivity requests (Approve / Deny clicks)",
    description:
      "Called by Slack, not by people: `application/x-www-form-urlencoded` with a `payload`. A request whose `x-slack-signature` does not verify with the org's signing secret, or whose `x-slack-request-timestamp` is more than 5 minutes off, is a 401 and nothing is read. A verified one is answered 200 at once (Slack's 3-second window). A click counts only on an app Slack has proven, from its workspace (`team.id`, the clicker's `team_id`), from a full member of it (`users.info`: no guest, single-channel guest, Slack Connect person, bot, app or deactivated account), on the message Gatehouse posted for that approval in that channel; it is then mapped to the member with the clicker's Slack email, checked like a console vote (role, separation of duties, `humanOnly`), recorded with `via: slack`, and the message is updated with the outcome. A refusal is told to the clicker alone (an ephemeral message), as is \"already decided by …\"; nothing is recorded.",
    tag: "Integrations",
    auth: "public",
    params: slackInteractionParams,
    rawBody: { mediaTypes: ["application/x-www-form-urlencoded"], description: "Slack's interaction request: `payload`, its JSON, as Slack signed the bytes." },
    success: { status: 200, description: "Received (the click's effect follows).", raw: { mediaTypes: ["text/plain"], description: "Empty." } },
  },
] as const satisfies readonly RouteContract[];
