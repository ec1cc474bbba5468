/**
 * `gatehouse integrations …`: what the console's Integrations page shows and does, with an admin key:
 * the org's Slack app (where approvers vote, docs/approvals.md) and, beside it, its webhook endpoints
 * (managed with `gatehouse webhooks`). Email is the server's own configuration, not the org's.
 */
import { DEFAULT_BASE_URL, type SlackConnection, type WebhookEndpoint } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, shortTime, table, UsageError, withConnection } from "./cli-common.ts";
import { defineCommand, type CliIo, type CommandGroup } from "./command.ts";

/** Its state in a few words: not connected, pending (Slack has not proven it yet), or verified since when. */
function slackState(slack: SlackConnection): string {
  const state =
    slack.state === "none"
      ? "not connected"
      : slack.state === "pending"
        ? "pending: Slack has not proven it yet"
        : `verified${slack.verifiedAt === null ? "" : ` ${shortTime(slack.verifiedAt)}`}`;
  return slack.pendingApprovalId === null ? state : `${state}; a change waits for ${slack.pendingApprovalId}`;
}

/** The Slack workspace it posts to: its name and id, as far as they are known. */
function workspace(slack: SlackConnection): string {
  if (slack.teamName === null) return slack.teamId ?? "-";
  return slack.teamId === null ? slack.teamName : `${slack.teamName} (${slack.teamId})`;
}

function webhookState(w: WebhookEndpoint): string {
  if (!w.enabled) return `paused: ${w.disabledReason ?? ""}`;
  return w.failedAttempts > 0 ? `retrying (${w.failedAttempts} failed)` : "active";
}

/** Where Slack must send its requests: the paths on the API's public address (here, the one this command calls). */
function slackUrls(io: CliIo, slack: SlackConnection): string {
  const base = (io.connection("gh_admin_…").baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  return `In the Slack app's settings, on the API's public address (this command calls ${base}):
  Event Subscriptions Request URL: ${base}${slack.eventsPath}
  Interactivity Request URL:       ${base}${slack.interactionsPath}
`;
}

function describeSlack(io: CliIo, slack: SlackConnection): string {
  const lines = [`Slack: ${slack.state === "none" ? "not connected" : slack.state === "pending" ? "pending" : "verified"}.`];
  if (slack.connected) {
    const since = slack.connectedAt === null ? "" : `, connected ${shortTime(slack.connectedAt)}`;
    lines.push(
      `Workspace ${workspace(slack)}, bot user ${slack.botUserId ?? "-"}${since}${slack.verifiedAt === null ? "" : `, verified by Slack ${shortTime(slack.verifiedAt)}`}.`,
    );
  }
  if (slack.state === "pending") {
    lines.push("Waiting for Slack's request to the Event Subscriptions Request URL below, which proves the app: until it arrives, nothing is posted and no click counts.");
  }
  if (slack.pendingApprovalId !== null) {
    lines.push(
      `A Slack app waits for another owner or admin to approve ${slack.pendingApprovalId} (the two-admin rule)${slack.connected ? "; the current one stays until then" : ""}.`,
    );
  }
  return `${lines.join("\n")}\n${slackUrls(io, slack)}`;
}

const SLACK_NOTES = `The Slack app posts each approval request with Approve and Deny buttons. A click counts only from
the app's workspace, from a full member of it, on the message Gatehouse posted, as the vote of the
member whose account has the clicker's Slack email. The app needs the scopes chat:write, users:read
and users:read.email.`;

const CONNECT_HELP = withConnection(`Usage: gatehouse integrations slack connect [--json]

Connects the org's Slack app, or replaces it (integrations.manage: owners, admins). Reads the app's
bot token (xoxb-…) and signing secret from stdin, never from the command line: piped in, one per
line (printf '%s\\n%s\\n' "$BOT_TOKEN" "$SIGNING_SECRET" | gatehouse integrations slack connect), or
typed at two prompts that show nothing. Slack must accept the token; both are stored encrypted and
never shown again. The app is pending until Slack's request to the Event Subscriptions Request URL
proves the signing secret. While the two-admin rule is on, nothing changes yet: it prints the approval
another owner or admin must approve.

${SLACK_NOTES}

Options:
  --json             Print the answer as JSON`);

export const integrationsGroup: CommandGroup = {
  name: "integrations",
  notes: "Webhook endpoints are managed with gatehouse webhooks (docs/webhooks.md); email is the server's configuration.",
  commands: [
    defineCommand({
      name: "list",
      summary: "List the org's integrations (Slack, webhook endpoints) and their state",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(`Usage: gatehouse integrations list [--json]

Lists the org's integrations, one line each: its Slack app (not connected, pending or verified, and
its workspace) and its webhook endpoints (URL and state: active, retrying, paused and why).

Options:
  --json             Print them as JSON ({ slack, webhooks })`),
      async run(io, args, options) {
        noMore(args);
        const admin = io.admin();
        const [slack, webhooks] = await Promise.all([admin.slack.get({ signal: io.signal }), admin.webhooks.list({ signal: io.signal })]);
        if (options.json) return printJson(io.stdout, { slack, webhooks });
        const rows = [["slack", "-", workspace(slack), slackState(slack)], ...webhooks.map((w) => ["webhook", w.id, w.url, webhookState(w)])];
        io.stdout(table(["TYPE", "ID", "TARGET", "STATE"], rows));
        if (slack.state === "none") io.stdout("Connect Slack: gatehouse integrations slack connect\n");
        if (webhooks.length === 0) io.stdout("Add a webhook endpoint: gatehouse webhooks create <url>\n");
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "slack",
      summary: "Show the Slack app: its state, workspace, and the request URLs to set in Slack",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(`Usage: gatehouse integrations slack [--json]

Shows the org's Slack app: whether it is connected, pending (Slack has not proven its signing secret
yet) or verified, its workspace and bot user, a change waiting for a second admin, and the two
request URLs to set in the app's settings.

${SLACK_NOTES}

Options:
  --json             Print the answer as JSON`),
      async run(io, args, options) {
        noMore(args);
        const slack = await io.admin().slack.get({ signal: io.signal });
        if (options.json) return printJson(io.stdout, slack);
        io.stdout(describeSlack(io, slack));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "slack connect",
      summary: "Connect (or replace) the org's Slack app; reads its secrets from stdin",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: CONNECT_HELP,
      async run(io, args, options) {
        noMore(args);
        if (io.readSecrets === undefined) throw new UsageError("integrations slack connect reads the bot token and the signing secret from stdin: pipe them in, one per line");
        const [botToken = "", signingSecret = ""] = await io.readSecrets(["Bot token (xoxb-…): ", "Signing secret: "]);
        if (botToken === "") throw new UsageError("no bot token given: pipe in the bot token (xoxb-…) and the signing secret, one per line");
        if (signingSecret === "") throw new UsageError("no signing secret given: pipe in the bot token, then the signing secret on the next line");
        const answer = await io.admin().slack.connect({ botToken, signingSecret }, { signal: io.signal });
        if (options.json) return printJson(io.stdout, answer);
        if ("status" in answer) {
          io.stdout(`Not connected yet: the two-admin rule is on. Another owner or admin must approve ${answer.approvalId}; the current app, if any, stays until then.\n`);
          return EXIT_OK;
        }
        io.stdout(describeSlack(io, answer));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "slack disconnect",
      summary: "Disconnect the Slack app: approvals are no longer posted to Slack",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(`Usage: gatehouse integrations slack disconnect [--json]

Disconnects the org's Slack app (integrations.manage: owners, admins) and forgets its secrets:
approval requests are no longer posted to Slack, and clicks on the messages already posted no longer
count; approvers vote in the console, the CLI or the API. It weakens nothing, so it applies at once,
under the two-admin rule too. Without a connected app it fails (not found).

Options:
  --json             Print the answer as JSON`),
      async run(io, args, options) {
        noMore(args);
        const slack = await io.admin().slack.disconnect({ signal: io.signal });
        if (options.json) return printJson(io.stdout, slack);
        io.stdout("Disconnected the Slack app: approval requests are no longer posted to Slack.\n");
        return EXIT_OK;
      },
    }),
  ],
};
