import { addTestMember, createTestOrg, startSlackStandIn, type SlackStandIn, type TestOrg } from "@gatehouse/db/testing";
import { connectSlack, sendApprovalNotices } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// Slack's clicks through the real HTTP route (docs/approvals.md, Slack): the form body read as the exact
// bytes Slack signed, answered at once, and a gate() waiting on the approval woken by the click as it is by
// a console vote. The hostile table: forged, stale, wrong media type, oversized, unknown org.

let app: FastifyInstance;
let baseUrl: string;
let slack: SlackStandIn;
let org: TestOrg;

beforeAll(async () => {
  slack = await startSlackStandIn();
  process.env.GATEHOUSE_SLACK_API_URL = slack.url;
  app = await startApp();
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({
    label: "slack-route",
    policies: [{ name: "deploys", actions: ["deploy.prod"], effect: "require_approval", approval: { notify: { slack: ["C0DEPLOYS"] } } }],
  });
  await connectSlack({ ctx: org.ctx, input: { botToken: slack.botToken, signingSecret: slack.signingSecret } });
});
afterAll(async () => {
  await stopApp(app);
  await slack.close();
});

async function requestDeploy(): Promise<string> {
  const answer = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "deploy.prod", metadata: { service: "api" } } });
  return answer.json<{ approvalId: string }>().approvalId;
}

const post = (body: string, headers: Record<string, string>, orgId = org.org.id) => fetch(`${baseUrl}/v1/slack/${orgId}/interactions`, { method: "POST", headers, body });

describe("POST /v1/slack/:orgId/interactions", () => {
  it("a verified click is answered 200 at once, and a gate() waiting on the approval wakes with the decision", async () => {
    const approver = await addTestMember(org, "approver", "slack-clicker");
    slack.users.set("U0CLICKER", { email: approver.email });
    const approvalId = await requestDeploy();
    await sendApprovalNotices({ orgIds: [org.org.id] });
    const waiting = fetch(`${baseUrl}/v1/approvals/${approvalId}/wait?timeoutMs=15000`, { headers: { authorization: `Bearer ${org.agent.apiKey}` } }).then(async (r) => ({
      body: (await r.json()) as { status: string },
      at: performance.now(),
    }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const click = slack.click({ approvalId, action: "approve", user: "U0CLICKER", channel: "C0DEPLOYS" });
    const clicked = performance.now();
    const answer = await post(click.body, click.headers);
    expect([answer.status, await answer.text()]).toEqual([200, ""]);
    const woke = await waiting;
    expect(woke.body.status).toBe("approved");
    // How long the wake took is the benchmark's to judge (bench/GATES.md); here it must be the click that woke it, well inside the wait.
    expect(woke.at - clicked).toBeLessThan(10_000);
  });

  it.each([
    ["a forged signature", (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { ...c.headers, "x-slack-signature": `v0=${"0".repeat(64)}` } }), 401],
    ["no signature", (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { "content-type": c.headers["content-type"] as string } }), 401],
    ["a stale timestamp", (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { ...c.headers, "x-slack-request-timestamp": "1000000000" } }), 401],
    [
      "JSON instead of a form",
      (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { ...c.headers, "content-type": "application/json" }, body: "{}" }),
      401,
    ],
    ["text/plain", (c: { body: string; headers: Record<string, string> }) => ({ ...c, headers: { ...c.headers, "content-type": "text/plain" } }), 415],
    ["a body over 64 KiB", (c: { body: string; headers: Record<string, string> }) => ({ ...c, body: `${c.body}&pad=${"x".repeat(70_000)}` }), 413],
  ])("%s: refused, nothing decided", async (_name, spoil, status) => {
    const approvalId = await requestDeploy();
    const spoiled = spoil(slack.click({ approvalId, action: "approve", user: "U0CLICKER" }));
    expect((await post(spoiled.body, spoiled.headers)).status).toBe(status);
    const approval = await call(app, "GET", `/v1/approvals/${approvalId}`, { key: org.agent.apiKey });
    expect(approval.json<{ status: string }>().status).toBe("pending");
  });

  it("an org without a Slack app: 404; a malformed org id: 400 naming it", async () => {
    const other = await createTestOrg({ label: "slack-none" });
    const click = slack.click({ approvalId: "apr_0000000000000000000000", action: "approve", user: "U0CLICKER" });
    expect((await post(click.body, click.headers, other.org.id)).status).toBe(404);
    expect((await post(click.body, click.headers, "org_doesnotexist00000000000")).status).toBe(400);
  });
});
