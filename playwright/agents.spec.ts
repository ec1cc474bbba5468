import { randomBytes } from "node:crypto";
import { hashPassword, newId } from "@gatehouse/core";
import { db, disconnectDb } from "@gatehouse/db";
import { expect, openSignedIn, test } from "./fixtures";
import type { E2EStack } from "./stack";

// The agents and keys pages, end to end: an admin creates an agent and reads its key off the page, a
// script calls the API with it and the decision shows on the agent's page; halting it with a reason
// denies the next call with AGENT_HALTED. A personal admin key works against the API until revoked.

/** A new admin of the stack's org, with a password to sign in with. */
async function addAdmin(stack: E2EStack): Promise<{ email: string; password: string }> {
  const org = await db().org.findUniqueOrThrow({ where: { slug: stack.org.slug } });
  const suffix = randomBytes(4).toString("hex");
  const email = `admin-${suffix}@example.test`;
  const password = `pw-${randomBytes(12).toString("hex")}`;
  const user = await db().user.create({ data: { id: newId("user"), email, name: `Admin ${suffix}`, passwordHash: await hashPassword(password) } });
  await db().membership.create({ data: { id: newId("membership"), orgId: org.id, userId: user.id, role: "admin" } });
  return { email, password };
}

/** What an agent script does: one call to execute, with the key copied from the console. */
async function execute(stack: E2EStack, apiKey: string, actionType: string): Promise<{ httpStatus: number; body: { status?: string; denialReason?: string } }> {
  const response = await fetch(`${stack.apiUrl}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType, metadata: { repo: "acme/web" } }),
  });
  return { httpStatus: response.status, body: (await response.json()) as { status?: string; denialReason?: string } };
}

async function whoamiStatus(stack: E2EStack, apiKey: string): Promise<number> {
  return (await fetch(`${stack.apiUrl}/v1/whoami`, { headers: { authorization: `Bearer ${apiKey}` } })).status;
}

test.afterAll(async () => {
  await disconnectDb();
});

test("an admin creates an agent, its key decides through the API, and halting it with a reason denies the next call", async ({ page, stack }) => {
  const admin = await addAdmin(stack);
  await openSignedIn(page, `/o/${stack.org.slug}/agents`, admin);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/agents`);
  await expect(page.getByRole("heading", { name: "Agents", level: 1 })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Organization" });
  await expect(nav.getByRole("link", { name: "Agents" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Keys" })).toBeVisible();

  const name = `deploy-bot-${randomBytes(3).toString("hex")}`;
  await page.getByRole("button", { name: "New agent" }).click();
  const form = page.getByRole("form", { name: "New agent" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Description").fill("Opens pull requests");
  await form.getByLabel("Labels").fill("team=e2e, env=test");
  await form.getByRole("button", { name: "Create agent" }).click();

  // The key, shown once, with ready snippets naming it and the API's URL.
  const shown = page.getByRole("region", { name: `The key of ${name}` });
  const apiKey = ((await shown.getByTestId("new-key").textContent()) ?? "").trim();
  expect(apiKey).toMatch(/^gh_agent_/);
  await expect(shown.locator("pre").first()).toContainText(apiKey);
  await expect(shown.locator("pre").first()).toContainText(stack.apiUrl);
  await expect(shown.locator("pre").nth(1)).toContainText(`curl -sS -X POST ${stack.apiUrl}/v1/actions`);

  const row = page.getByTestId("agent-row").filter({ hasText: name });
  await expect(row).toContainText("active");
  // Labels read by key, whatever order they were given in.
  await expect(row).toContainText("env=test, team=e2e");
  await expect(row).toContainText("Admin ");

  const allowed = await execute(stack, apiKey, "pr.open");
  expect(allowed.httpStatus).toBe(200);
  expect(allowed.body.status).toBe("executed");

  await shown.getByRole("link", { name: `Open ${name}` }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const decision = page.getByTestId("decision-row").filter({ hasText: "pr.open" });
  await expect(decision).toContainText("executed");
  await expect(page.getByTestId("key-row")).toHaveCount(1);

  const halt = page.getByRole("form", { name: "Halt agent" });
  await halt.getByLabel("Reason").fill("incident 42");
  await halt.getByRole("button", { name: "Halt agent" }).click();
  await expect(page.getByTestId("agent-status")).toHaveText("halted");
  await expect(page.getByTestId("halted-reason")).toContainText("incident 42");

  const denied = await execute(stack, apiKey, "pr.open");
  expect(denied.body).toMatchObject({ status: "denied", denialReason: "AGENT_HALTED" });
  await expect(page.getByTestId("decision-row").filter({ hasText: "AGENT_HALTED" })).toBeVisible({ timeout: 15_000 });

  // Another key with an expiry, shown once; revoking it leaves the first.
  const issue = page.getByRole("form", { name: "Issue agent key" });
  await issue.getByLabel("Key name").fill("rotation");
  await issue.getByLabel("Expires in (days)").fill("7");
  await issue.getByRole("button", { name: "Issue key" }).click();
  await expect(page.getByTestId("new-key")).toContainText("gh_agent_");
  const rotation = page.getByTestId("key-row").filter({ hasText: "rotation" });
  await expect(rotation).toContainText("active, expires");
  await rotation.getByRole("button", { name: /^Revoke/ }).click();
  await expect(rotation).toContainText("revoked");

  // Resumed, it is decided by policy again.
  const resume = page.getByRole("form", { name: "Resume agent" });
  await resume.getByLabel("Reason").fill("incident closed");
  await resume.getByRole("button", { name: "Resume agent" }).click();
  await expect(page.getByTestId("agent-status")).toHaveText("active");
  // The API's copy of the agent row lives at most a second (SNAPSHOT_TTL_MS) when no signal reaches it.
  await expect.poll(async () => (await execute(stack, apiKey, "pr.open")).body.status, { timeout: 10_000 }).toBe("executed");
});

test("a personal admin key works against the API until it is revoked", async ({ page, stack }) => {
  const admin = await addAdmin(stack);
  await openSignedIn(page, `/o/${stack.org.slug}/keys`, admin);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/keys`);
  await expect(page.getByRole("heading", { name: "Admin keys", level: 1 })).toBeVisible();

  const form = page.getByRole("form", { name: "Issue admin key" });
  await form.getByLabel("Key name").fill("laptop cli");
  await form.getByLabel("Expires in (days)").fill("30");
  await form.getByRole("button", { name: "Issue admin key" }).click();
  const apiKey = ((await page.getByTestId("new-key").textContent()) ?? "").trim();
  expect(apiKey).toMatch(/^gh_admin_/);
  expect(await whoamiStatus(stack, apiKey)).toBe(200);

  const row = page.getByTestId("admin-key-row").filter({ hasText: "laptop cli" });
  await expect(row).toContainText("you (admin)");
  await expect(row).toContainText("active, expires");
  await row.getByRole("button", { name: /^Revoke/ }).click();
  await expect(row).toContainText("revoked");
  await expect.poll(() => whoamiStatus(stack, apiKey), { timeout: 15_000 }).toBe(401);
});

test("the agents page shows each agent's integrations, and flags one whose model calls go through a framework but whose tool calls never reached Gatehouse", async ({
  page,
  stack,
}) => {
  const admin = await addAdmin(stack);
  const org = await db().org.findUniqueOrThrow({ where: { slug: stack.org.slug } });
  const name = `coverage-bot-${randomBytes(3).toString("hex")}`;
  await openSignedIn(page, `/o/${stack.org.slug}/agents`, admin);
  await page.getByRole("button", { name: "New agent" }).click();
  await page.getByRole("form", { name: "New agent" }).getByLabel("Name").fill(name);
  await page.getByRole("form", { name: "New agent" }).getByRole("button", { name: "Create agent" }).click();
  const apiKey = (
    (await page
      .getByRole("region", { name: `The key of ${name}` })
      .getByTestId("new-key")
      .textContent()) ?? ""
  ).trim();

  // A wrapped model client's call, no tool call: the framework runs, its tools go past Gatehouse.
  const call = (integration: string, body: object) =>
    fetch(`${stack.apiUrl}/v1/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "x-gatehouse-integration": integration },
      body: JSON.stringify(body),
    });
  expect((await call("openai/0.1.0", { actionType: "llm.openai.gpt" })).status).toBe(200);
  const agent = await db().agent.findFirstOrThrow({ where: { orgId: org.id, name } });
  await expect.poll(() => db().agentIntegration.count({ where: { agentId: agent.id } })).toBe(1);
  await page.reload();
  const row = page.getByTestId("agent-row").filter({ hasText: name });
  await expect(row.getByTestId("agent-integrations")).toContainText("OpenAI client (wrapOpenAI)");
  await expect(row.getByTestId("ungoverned-tool-calls")).toBeVisible();

  // A tool call through an adapter: governed, the flag goes.
  expect((await call("ai-sdk/0.1.0", { actionType: "tool.read_file", tool: { name: "readFile", arguments: { path: "README.md" } } })).status).toBe(200);
  await expect.poll(() => db().agentIntegration.count({ where: { agentId: agent.id, lastToolCallAt: { not: null } } })).toBe(1);
  await page.reload();
  await expect(row.getByTestId("agent-integrations")).toContainText("Vercel AI SDK");
  await expect(row.getByTestId("ungoverned-tool-calls")).toHaveCount(0);

  // Coverage's counts (docs/agents.md, Coverage): a model call's spend declared by hand, beside the wrapped one.
  const spend = { model: "gpt-4o-mini", inputTokens: 10, maxOutputTokens: 5 };
  expect((await call("openai/0.1.0", { actionType: "llm.openai.gpt-4o-mini", spend })).status).toBe(200);
  expect((await call("python/0.1.0", { actionType: "llm.openai.gpt-4o-mini", spend })).status).toBe(200);
  // The API writes its counts within 5 seconds.
  await expect.poll(() => db().agentCallCoverage.count({ where: { agentId: agent.id, kind: { in: ["model.wrapped", "model.declared"] } } }), { timeout: 15_000 }).toBe(2);
  await page.reload();
  await expect(row.getByTestId("agent-calls")).toContainText("model calls: 1 wrapped, 1 unwrapped");
  await expect(row.getByTestId("agent-calls")).toContainText("tool calls: 1 via adapter, 0 by hand");
  await expect(row.getByTestId("unwrapped-model-calls")).toBeVisible();
  await row.getByRole("link", { name }).click();
  await expect(page).toHaveURL(`/o/${stack.org.slug}/agents/${agent.id}`);
  await expect(page.getByTestId("agent-integrations")).toContainText("Vercel AI SDK 0.1.0");
  await expect(page.getByTestId("agent-calls")).toContainText("model calls bypass the wrappers");
});
