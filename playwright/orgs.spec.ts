import { generateCosigner } from "@gatehouse/tlog";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createAgent, db, disconnectDb, systemCtx } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import type { Page } from "@playwright/test";
import { expect, openSignedIn, test } from "./fixtures";

// Orgs end to end: a second org from the switcher, switching between them, the default approval
// timeout, then closing the second one with its typed confirmation — its agent key is refused by the
// API, and the owner still opens and exports its audit log.

test.afterAll(async () => {
  await disconnectDb();
});

async function openSwitcher(page: Page): Promise<void> {
  await page.getByRole("banner").locator("summary").click();
  await expect(page.getByRole("navigation", { name: "Your organizations" })).toBeVisible();
}

test("create a second org from the switcher, switch between them, close it; its key stops, its log stays", async ({ page, stack }) => {
  const first = await createTestOrg({ label: "orgs" });
  const suffix = randomBytes(3).toString("hex");
  const second = { name: `Second ${suffix}`, slug: `second-${suffix}` };

  await openSignedIn(page, `/o/${first.org.slug}/audit`, { email: first.owner.email, password: first.owner.password });
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();

  // One org so far: the switcher offers a new one.
  await openSwitcher(page);
  await page.getByRole("navigation", { name: "Your organizations" }).getByRole("link", { name: "New organization…" }).click();
  await expect(page).toHaveURL("/orgs/new");
  await expect(page.getByRole("heading", { name: "New organization" })).toBeVisible();
  // A slug another org has is refused at its field.
  await page.getByLabel("Organization name").fill(second.name);
  await page.getByLabel("Address").fill(first.org.slug);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.locator("#slug-help")).toContainText("taken");
  await page.getByLabel("Address").fill(second.slug);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${second.slug}(/|$)`));
  await expect(page.getByRole("banner").getByText(second.name)).toBeVisible();

  // Switching: to the first org and back.
  await openSwitcher(page);
  await page.getByRole("navigation", { name: "Your organizations" }).getByRole("link", { name: first.org.name }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${first.org.slug}(/|$)`));
  await expect(page.getByRole("banner").getByText(first.org.name)).toBeVisible();
  await openSwitcher(page);
  await page.getByRole("navigation", { name: "Your organizations" }).getByRole("link", { name: second.name }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${second.slug}(/|$)`));

  // An agent of the second org, whose key works until the close.
  const created = await db().org.findUniqueOrThrow({ where: { slug: second.slug } });
  const agent = await createAgent({ ctx: systemCtx({ id: created.id, slug: created.slug, name: created.name }, "orgs-spec"), input: { name: "closing-agent" } });
  const whoami = () => page.request.get(`${stack.apiUrl}/v1/whoami`, { headers: { authorization: `Bearer ${agent.apiKey}` } });
  expect((await whoami()).status()).toBe(200);

  // Settings: an index of its sections, read from the page (a new section joins it by itself), each a link to its heading.
  await page.goto(`/o/${second.slug}/settings`);
  const headings = await page.getByRole("main").locator("section > h2").allTextContents();
  const index = page.getByRole("navigation", { name: "Settings sections" }).getByRole("link");
  await expect(index).toHaveText(headings.map((h) => h.trim()));
  expect(headings.map((h) => h.trim())).toEqual(expect.arrayContaining(["General", "Approvals", "Sign-in", "Danger zone"]));
  await index.filter({ hasText: "Danger zone" }).click();
  await expect(page).toHaveURL(/#.+-heading$/);
  await expect(page.getByRole("heading", { name: "Danger zone" })).toBeInViewport();

  // The default approval timeout, refused out of range at its field, then saved.
  const approvals = page.getByRole("region", { name: "Approvals" });
  await approvals.getByLabel("Default approval timeout (seconds)").fill("59");
  await approvals.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#approval-timeout-error")).toBeVisible();
  await approvals.getByLabel("Default approval timeout (seconds)").fill("7200");
  await approvals.getByRole("button", { name: "Save" }).click();
  await expect(approvals.getByRole("status")).toContainText("Saved.");

  // Retention: days refused out of range at their field, then saved with what the worker will do; the home shows it.
  const retention = page.getByRole("region", { name: "Retention" });
  await retention.getByLabel("Decisions (days)").fill("40000");
  await retention.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#retention-decisions-error")).toBeVisible();
  await retention.getByLabel("Decisions (days)").fill("30");
  await retention.getByLabel("Anything with personal data (days)").fill("7");
  await retention.getByRole("button", { name: "Save" }).click();
  await expect(retention.getByRole("status")).toContainText("Within the hour the worker erases the values past their retention");
  // (A new org's home shows the first steps, not the score: its posture, read as the home reads it, says the retention.)
  const posture = (await (await page.request.get(`/api/orgs/${second.slug}/posture`)).json()) as { retention: { rule: string } };
  expect(posture.retention.rule).toContain("decisions 30 days; any entry with a personal-data finding 7 days");

  // Witnesses: a policy that breaks the spec is refused at its field, naming the line; a witness's key (as gatehouse witness init prints it) saves.
  const witnesses = page.getByRole("region", { name: "Witnesses" });
  await witnesses.getByLabel("Policy").fill("witness w1 not-a-key https://w1.example\nquorum w1");
  await witnesses.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#witnesses-policy-error")).toContainText("line 1: witness w1's key");
  await witnesses.getByLabel("Policy").fill(`witness w1 ${generateCosigner("witness.test/console").vkey} https://w1.example\nquorum w1`);
  await witnesses.getByRole("button", { name: "Save" }).click();
  await expect(witnesses.getByRole("status")).toContainText("the worker puts the latest checkpoint to each witness");

  // The danger zone: the button waits for the slug, typed out.
  const danger = page.getByRole("region", { name: "Danger zone" });
  await danger.getByRole("button", { name: "Close organization…" }).click();
  const confirm = danger.getByRole("button", { name: "Close this organization" });
  await expect(confirm).toBeDisabled();
  await danger.getByLabel(`Type ${second.slug} to confirm.`).fill(`${second.slug}-nope`);
  await expect(confirm).toBeDisabled();
  await danger.getByLabel(`Type ${second.slug} to confirm.`).fill(second.slug);
  await confirm.click();
  await expect(page).toHaveURL(`/o/${second.slug}/closed`);
  await expect(page.getByRole("heading", { name: `${second.name} is closed` })).toBeVisible();

  // Its agent key is refused. The stack runs without Redis, so the API process hears of the closing
  // (done by the console's process) through its key cache's bound (2 s), not a signal.
  await expect.poll(async () => (await whoami()).status(), { timeout: 10_000 }).toBe(401);
  expect(((await (await whoami()).json()) as { error: { message: string } }).error.message).toContain("closed");

  // The log is kept: the owner exports it (the closing is in it) and opens it.
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export the log (JSONL bundle)" }).click();
  const bundle = await readFile(await (await downloading).path(), "utf8");
  expect(bundle).toContain('\\"type\\":\\"org.closed\\"');
  await page.getByRole("link", { name: "Open the audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "This organization was closed" })).toBeVisible();

  // Still in the owner's switcher, marked closed.
  await page.goto(`/o/${first.org.slug}/audit`);
  await openSwitcher(page);
  await expect(page.getByRole("navigation", { name: "Your organizations" }).getByRole("link", { name: `${second.name} (closed)` })).toBeVisible();
});
