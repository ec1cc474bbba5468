import { db, disconnectDb } from "@gatehouse/db";
import { expect, openSignedIn, test } from "./fixtures";
import type { E2EStack } from "./stack";

// Delegation in the console: the seeded agent delegates to a child, which delegates to a grandchild;
// the grandchild's approval names its chain in the inbox; the tree shows on the root's page, the
// grandchild's page names its chain; revoking the middle node in the console (the confirmation counts
// the descendant it takes with it) refuses the grandchild's key at the API.

interface Created {
  delegation: { id: string; childAgentId: string; name: string };
  apiKey: string;
}

async function api<T>(stack: E2EStack, apiKey: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function delegate(stack: E2EStack, apiKey: string, name: string, capabilities: string[], ttlSeconds: number): Promise<Created> {
  const answer = await api<Created>(stack, apiKey, "POST", "/v1/delegations", { name, capabilities, ttlSeconds });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

test.afterAll(async () => {
  await disconnectDb();
});

test("a two-level tree shows on the agent page, a delegate's approval names its chain, and revoking the middle node refuses the grandchild", async ({ page, stack }) => {
  const root = await db().agent.findFirstOrThrow({ where: { name: stack.agent.name, org: { slug: stack.org.slug } } });
  const child = await delegate(stack, stack.agent.apiKey, "build", ["pr.*"], 600);
  const grandchild = await delegate(stack, child.apiKey, "reader", ["pr.merge"], 300);
  const [childAgent, grandchildAgent] = await Promise.all(
    [child, grandchild].map((c) => db().agent.findUniqueOrThrow({ where: { id: c.delegation.childAgentId }, select: { name: true } })),
  );

  // A large merge by the grandchild waits for a person: the inbox says who delegated it.
  const requested = await api<{ status: string; approvalId?: string }>(stack, grandchild.apiKey, "POST", "/v1/actions", {
    actionType: "pr.merge",
    metadata: { repo: "acme/web", files: 80 },
  });
  expect(requested.body.status).toBe("requested");
  await openSignedIn(page, `/o/${stack.org.slug}/approvals`, stack.member);
  const row = page.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${requested.body.approvalId}"]`);
  await expect(row.getByTestId("approval-chain")).toHaveText(`, delegated by ${childAgent?.name} ← ${root.name}`);

  // The root's page shows the tree, child then grandchild, both active.
  await page.goto(`/o/${stack.org.slug}/agents/${root.id}`);
  const section = page.getByRole("region", { name: "Delegations" });
  const rows = section.getByTestId("delegation-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("build");
  await expect(rows.nth(0)).toContainText("depth 1");
  await expect(rows.nth(1)).toContainText("reader");
  await expect(rows.nth(1)).toContainText("pr.merge");
  await expect(rows.nth(1)).toHaveAttribute("data-state", "active");

  // The grandchild's own page names its chain, with links.
  await rows.nth(1).getByRole("link", { name: "reader" }).click();
  await expect(page.getByTestId("delegation-chain")).toHaveText(`Delegated by ${childAgent?.name} ← ${root.name}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(grandchildAgent?.name ?? "");
  await page.getByTestId("delegation-chain").getByRole("link", { name: root.name }).click();
  await expect(page).toHaveURL(`/o/${stack.org.slug}/agents/${root.id}`);

  // Revoke the middle node: the confirmation counts the descendant that goes with it.
  await page.getByRole("button", { name: "Revoke build" }).click();
  await expect(section).toContainText("its 1 active descendant is revoked with it");
  await section.getByRole("button", { name: "Revoke", exact: true }).click();
  await expect(rows.nth(0)).toHaveAttribute("data-state", "revoked");
  await expect(rows.nth(1)).toHaveAttribute("data-state", "revoked");

  // The grandchild's key is refused by the API (within its key cache's bound).
  await expect.poll(async () => (await api(stack, grandchild.apiKey, "GET", "/v1/whoami")).status, { timeout: 15_000 }).toBe(401);

  // The agents list marks delegates, and keeps revoked ones behind a toggle.
  await page.goto(`/o/${stack.org.slug}/agents`);
  const grandchildRow = page.getByTestId("agent-row").filter({ hasText: grandchildAgent?.name ?? "" });
  await expect(grandchildRow).toHaveCount(0);
  await page.getByLabel(/Show \d+ revoked delegates?/).check();
  await expect(grandchildRow.getByTestId("delegate-badge")).toHaveText(`delegate of ${childAgent?.name}`);
});
