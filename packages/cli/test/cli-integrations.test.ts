import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { readLines } from "../src/secret-input.ts";
import { apiError, json, runCli } from "./helpers.ts";

const SLACK = "https://gh.example.com/v1/admin/integrations/slack";
const none = {
  connected: false,
  state: "none",
  teamId: null,
  teamName: null,
  botUserId: null,
  interactionsPath: "/v1/slack/org_1/interactions",
  eventsPath: "/v1/slack/org_1/events",
  connectedAt: null,
  verifiedAt: null,
  pendingApprovalId: null,
};
const pending = { ...none, connected: true, state: "pending", teamId: "T01", teamName: "Acme", botUserId: "U01", connectedAt: "2026-11-24T10:00:00.000Z" };
const verified = { ...pending, state: "verified", verifiedAt: "2026-11-24T10:01:00.000Z" };
const endpoint = {
  id: "whe_1",
  url: "https://hooks.example.test/in",
  description: "",
  events: ["*"],
  enabled: false,
  disabledReason: "the receiver answered 410 Gone",
  failedAttempts: 0,
  nextAttemptAt: null,
  backlog: 7,
  previousSecretUntil: null,
  createdAt: "2026-11-24T10:00:00.000Z",
};

/** Secrets as `readSecrets` gives them, recording the prompts. */
const secrets = (answers: string[], asked: string[] = []) => ({
  readSecrets: async (prompts: readonly string[]) => {
    asked.push(...prompts);
    return answers;
  },
});

describe("gatehouse integrations list", () => {
  it("lists the Slack app and the webhook endpoints, one line each, with their state", async () => {
    const run = await runCli(["integrations", "list"], [json(200, verified), json(200, { webhooks: [endpoint] })]);
    expect(run.code).toBe(EXIT_OK);
    expect(run.calls.map((call) => call.url)).toEqual([SLACK, "https://gh.example.com/v1/admin/webhooks"]);
    expect(run.stdout).toBe(
      [
        "TYPE     ID     TARGET                         STATE",
        "slack    -      Acme (T01)                     verified 2026-11-24T10:01:00Z",
        "webhook  whe_1  https://hooks.example.test/in  paused: the receiver answered 410 Gone",
        "",
      ].join("\n"),
    );
  });

  it("says how to add what is missing; --json prints { slack, webhooks }", async () => {
    const empty = await runCli(["integrations", "list"], [json(200, none), json(200, { webhooks: [] })]);
    expect(empty.stdout).toContain(
      "slack  -   -       not connected\nConnect Slack: gatehouse integrations slack connect\nAdd a webhook endpoint: gatehouse webhooks create <url>\n",
    );
    const asJson = await runCli(["integrations", "list", "--json"], [json(200, none), json(200, { webhooks: [endpoint] })]);
    expect(JSON.parse(asJson.stdout)).toEqual({ slack: none, webhooks: [endpoint] });
  });
});

describe("gatehouse integrations slack", () => {
  it("shows the app's state and the two request URLs to set in Slack, on the base URL in use", async () => {
    const run = await runCli(["integrations", "slack"], [json(200, { ...pending, pendingApprovalId: "apr_9" })]);
    expect([run.code, run.calls[0]?.url]).toEqual([EXIT_OK, SLACK]);
    expect(run.stdout).toContain("Slack: pending.\nWorkspace Acme (T01), bot user U01, connected 2026-11-24T10:00:00Z.\n");
    expect(run.stdout).toContain("until it arrives, nothing is posted and no click counts.");
    expect(run.stdout).toContain("waits for another owner or admin to approve apr_9 (the two-admin rule); the current one stays until then.");
    expect(run.stdout).toContain(
      "  Event Subscriptions Request URL: https://gh.example.com/v1/slack/org_1/events\n  Interactivity Request URL:       https://gh.example.com/v1/slack/org_1/interactions\n",
    );
  });

  it("connect reads the bot token and the signing secret (never from the command line) and PUTs them", async () => {
    const asked: string[] = [];
    const run = await runCli(["integrations", "slack", "connect"], [json(200, pending)], secrets(["xoxb-1-2", "s3cret"], asked));
    expect(run.code).toBe(EXIT_OK);
    expect(asked).toEqual(["Bot token (xoxb-…): ", "Signing secret: "]);
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.body]).toEqual(["PUT", SLACK, { botToken: "xoxb-1-2", signingSecret: "s3cret" }]);
    expect(run.stdout).toContain("Slack: pending.");
    expect(run.stdout).not.toContain("s3cret");
  });

  it("connect under the two-admin rule prints the approval that waits; a token Slack refuses is exit 1", async () => {
    const waiting = await runCli(["integrations", "slack", "connect"], [json(202, { status: "pending_approval", approvalId: "apr_1" })], secrets(["xoxb-1", "s"]));
    expect(waiting.stdout).toBe("Not connected yet: the two-admin rule is on. Another owner or admin must approve apr_1; the current app, if any, stays until then.\n");
    const refused = await runCli(["integrations", "slack", "connect"], [apiError(400, "VALIDATION")], secrets(["xoxb-bad", "s"]));
    expect(refused.code).toBe(EXIT_FAILURE);
  });

  it("connect without a way to read the secrets, or without one of them, is a usage mistake naming it", async () => {
    const noInput = await runCli(["integrations", "slack", "connect"], []);
    expect([noInput.code, noInput.stderr, noInput.calls.length]).toEqual([EXIT_USAGE, expect.stringContaining("reads the bot token and the signing secret from stdin"), 0]);
    const noSecret = await runCli(["integrations", "slack", "connect"], [], secrets(["xoxb-1"]));
    expect([noSecret.code, noSecret.stderr, noSecret.calls.length]).toEqual([EXIT_USAGE, expect.stringContaining("error: no signing secret given"), 0]);
    const nothing = await runCli(["integrations", "slack", "connect"], [], secrets([]));
    expect([nothing.code, nothing.stderr]).toEqual([EXIT_USAGE, expect.stringContaining("error: no bot token given")]);
  });

  it("disconnect DELETEs the app; without one it fails (exit 1)", async () => {
    const run = await runCli(["integrations", "slack", "disconnect"], [json(200, none)]);
    expect([run.code, run.calls[0]?.init.method, run.stdout]).toEqual([EXIT_OK, "DELETE", "Disconnected the Slack app: approval requests are no longer posted to Slack.\n"]);
    expect((await runCli(["integrations", "slack", "disconnect"], [apiError(404, "NOT_FOUND")])).code).toBe(EXIT_FAILURE);
  });
});

describe("reading several secrets from a pipe", () => {
  it("takes the first lines, one per secret, trimmed; fewer when the input ends first", async () => {
    expect(await readLines(Readable.from(["xoxb-1\r\n", "s3cret\n", "ignored\n"]), 2)).toEqual(["xoxb-1", "s3cret"]);
    expect(await readLines(Readable.from(["xoxb-1\ns3c", "ret"]), 2)).toEqual(["xoxb-1", "s3cret"]);
    expect(await readLines(Readable.from(["xoxb-1\n"]), 2)).toEqual(["xoxb-1"]);
  });
});
