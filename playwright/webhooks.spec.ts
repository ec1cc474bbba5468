import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { Gatehouse } from "../packages/sdk/src/index.ts";
import { expect, openSignedIn, test } from "./fixtures";

// Webhooks from the Integrations page, end to end (docs/webhooks.md): an admin adds an endpoint pointing
// at a receiver this spec runs, copies the secret shown once, and the stack's worker delivers the agent's
// decisions to it, each verified with the `standardwebhooks` package as a receiver would. The page shows
// the delivery log, sends a test, redelivers, pauses and resumes; a URL it refuses names the field.

test("an endpoint added in the console receives signed events; its log, test, redeliver, pause and resume work", async ({ page, stack }) => {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gatehouse`;
  try {
    await openSignedIn(page, `/o/${stack.org.slug}/integrations`, stack.member);
    const main = page.getByRole("main");
    await expect(main.getByRole("heading", { name: "Integrations", level: 1 })).toBeVisible();

    // A URL the server refuses is named at its field.
    const form = main.getByRole("form", { name: "Add webhook endpoint" });
    await form.getByLabel("Endpoint URL").fill("ftp://files.example.test/in");
    await form.getByRole("button", { name: "Add endpoint" }).click();
    await expect(form.getByText("URL must be an http or https URL")).toBeVisible();

    await form.getByLabel("Endpoint URL").fill(url);
    await form.getByLabel("Description").fill("e2e receiver");
    await form.getByRole("button", { name: "Add endpoint" }).click();
    const secret = (await main.getByTestId("webhook-secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    const row = main.getByTestId("webhook-row").filter({ hasText: url });
    await expect(row).toContainText("e2e receiver");
    await expect(row.getByTestId("webhook-state")).toHaveText("active");

    // The agent acts; the worker delivers, in order, and the receiver verifies each message.
    const agent = new Gatehouse({ apiKey: stack.agent.apiKey, baseUrl: stack.apiUrl });
    const first = await agent.execute("pr.open", { metadata: { pr: 41 } });
    const second = await agent.execute("repo.delete", { metadata: { repo: "acme/web" } });
    // The stack's org is shared with the other journeys, whose deferred work (an approval expiring, an agent going
    // quiet) may land in its log meanwhile and be delivered too: the order is that of this agent's two messages.
    const ours = () => received.filter((r) => r.headers["webhook-id"] === first.auditEventId || r.headers["webhook-id"] === second.auditEventId);
    await expect.poll(() => ours().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const verifier = new Webhook(secret);
    for (const r of received) verifier.verify(r.body, r.headers as Record<string, string>);
    const messages = ours().map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: { actionType: string } });
    expect(ours().map((r) => r.headers["webhook-id"])).toEqual([first.auditEventId, second.auditEventId]);
    expect(messages.map((m) => [m.type, m.data.actionType])).toEqual([
      ["action.executed", "pr.open"],
      ["action.denied", "repo.delete"],
    ]);

    // The delivery log, a test send and a redelivery.
    await row.getByRole("button", { name: "Deliveries" }).click();
    const log = row.getByTestId("delivery-row");
    await expect(log.filter({ hasText: first.auditEventId })).toContainText("delivered · 204");
    await row.getByRole("button", { name: "Send test" }).click();
    await expect(row.getByRole("status")).toContainText("Test message delivered (204)");
    await expect(log.filter({ hasText: "webhook.test" })).toHaveCount(1);
    const copiesOfSecond = () => received.filter((r) => r.headers["webhook-id"] === second.auditEventId).length;
    const before = copiesOfSecond();
    await log.filter({ hasText: second.auditEventId }).getByRole("button", { name: "Redeliver" }).click();
    await expect(log.filter({ hasText: second.auditEventId }).filter({ hasText: "(redelivery)" })).toHaveCount(1);
    expect(copiesOfSecond()).toBe(before + 1);

    // Paused, nothing is sent; resumed, what happened meanwhile arrives.
    await row.getByRole("button", { name: "Pause" }).click();
    await expect(row.getByTestId("webhook-state")).toHaveText("paused");
    const whilePaused = await agent.execute("pr.open", { metadata: { pr: 42 } });
    await page.waitForTimeout(1_000);
    expect(received.some((r) => r.headers["webhook-id"] === whilePaused.auditEventId)).toBe(false);
    await row.getByRole("button", { name: "Resume" }).click();
    await expect(row.getByTestId("webhook-state")).toHaveText("active");
    await expect.poll(() => received.some((r) => r.headers["webhook-id"] === whilePaused.auditEventId), { timeout: 10_000 }).toBe(true);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("Slack is connected from the Integrations page: a token Slack refuses is named at its field, a good one shows the workspace", async ({ page, stack }) => {
  await openSignedIn(page, `/o/${stack.org.slug}/integrations`, stack.member);
  const main = page.getByRole("main");
  await expect(main.getByTestId("slack-interactions-url")).toContainText("/v1/slack/org_");
  // The stack sends mail over SMTP: the Email section says how approval links leave.
  await expect(main.getByTestId("mail-state")).toContainText(`Sent by this instance's mail server, from Gatehouse E2E <gatehouse@example.test>; links start with ${stack.webUrl}.`);
  const form = main.getByRole("form", { name: "Connect Slack" });
  await form.getByLabel("Bot token").fill("xoxb-not-the-apps-token-000");
  await form.getByLabel("Signing secret").fill(stack.slack.signingSecret);
  await form.getByRole("button", { name: /Connect Slack|Replace the Slack app/ }).click();
  await expect(form.getByText("Bot token Slack did not accept this bot token (auth.test failed)")).toBeVisible();
  await form.getByLabel("Bot token").fill(stack.slack.botToken);
  await form.getByRole("button", { name: /Connect Slack|Replace the Slack app/ }).click();
  // Pending until Slack proves the signing secret: the page says so and where Slack's request must go.
  await expect(main.getByTestId("slack-state")).toContainText("Connected to Gatehouse Test, waiting for Slack to verify it");
  const eventsUrl = (await main.getByTestId("slack-events-url").textContent()) ?? "";
  expect(eventsUrl).toMatch(/\/v1\/slack\/org_[0-9a-zA-Z]{22}\/events$/);
  // Slack's url_verification, signed with the app's secret as Slack signs it: the page shows the app verified.
  const body = JSON.stringify({ token: "t", challenge: "e2e-challenge", type: "url_verification" });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac("sha256", stack.slack.signingSecret).update(`v0:${timestamp}:${body}`, "utf8").digest("hex")}`;
  const proof = await fetch(`${stack.apiUrl}${eventsUrl.slice(eventsUrl.indexOf("/v1/"))}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-slack-request-timestamp": timestamp, "x-slack-signature": signature },
    body,
  });
  expect(await proof.json()).toEqual({ challenge: "e2e-challenge" });
  await expect(main.getByTestId("slack-state")).toContainText("Connected to Gatehouse Test, verified by Slack", { timeout: 15_000 });
  await main.getByRole("button", { name: "Disconnect" }).click();
  await expect(main.getByTestId("slack-state")).toHaveText("Not connected.");
});
