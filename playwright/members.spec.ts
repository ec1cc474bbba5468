import { randomBytes } from "node:crypto";
import { disconnectDb } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { Page } from "@playwright/test";
import { expect, signIn, test } from "./fixtures";
import { linkIn, waitForMail } from "./mail";

// Members and settings of an org, end to end, each test on an org of its own (renames and removals
// touch nothing the other specs use). The invitation mail is read where the harness's SMTP server
// writes what it receives (mail.ts).

const PASSWORD = "a colleague's long password";

test.afterAll(async () => {
  await disconnectDb();
});

async function openAsOwner(page: Page, org: TestOrg, path: string): Promise<void> {
  await page.goto(`/o/${org.org.slug}${path}`);
  await signIn(page, { email: org.owner.email, password: org.owner.password });
  await expect(page).toHaveURL(`/o/${org.org.slug}${path}`);
}

test("the owner invites a colleague, who creates an account and joins; the owner changes their role, then removes them", async ({ page, browser, stack }) => {
  const org = await createTestOrg({ label: "members" });
  const colleague = `colleague-${randomBytes(3).toString("hex")}@example.test`;
  await openAsOwner(page, org, "/members");
  await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Members" })).toBeVisible();

  // An address that is not one is refused at its field.
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.locator("#invite-email-error")).toContainText("Email must be an email address");

  await page.getByLabel("Email").fill(colleague);
  await page.getByLabel("Role", { exact: true }).selectOption("auditor");
  const answer = page.waitForResponse((r) => r.url().endsWith(`/api/orgs/${org.org.slug}/invitations`) && r.request().method() === "POST");
  await page.getByRole("button", { name: "Send invitation" }).click();
  const created = page.getByRole("status").filter({ hasText: `Invited ${colleague} as auditor` });
  await expect(created).toContainText("We emailed them a link");
  // The link goes to the colleague's mailbox only: neither the console's answer nor its page shows it.
  const acceptUrl = linkIn(await waitForMail(stack.mailDir, colleague, /^You are invited to an organization on Gatehouse$/), /\/invite\/gh_invite_/);
  const token = acceptUrl.slice(acceptUrl.lastIndexOf("/") + 1);
  expect(token).toMatch(/^gh_invite_/);
  expect(await (await answer).text()).not.toContain(token);
  expect(await page.content()).not.toContain(token);
  const pending = page.getByRole("region", { name: "Pending invitations" }).getByRole("row").filter({ hasText: colleague });
  await expect(pending).toContainText("auditor");
  await expect(pending).toContainText("Test Owner");

  // The colleague, in a browser of their own: the link from the mail, an account made on the spot.
  const theirs = await browser.newContext({ baseURL: stack.webUrl });
  const them = await theirs.newPage();
  await them.goto(new URL(acceptUrl).pathname);
  await expect(them.getByRole("heading", { name: `Join ${org.org.name} as auditor` })).toBeVisible();
  await them.getByLabel("Your name").fill("Ada Colleague");
  await them.getByLabel("Password").fill(PASSWORD);
  await them.getByRole("button", { name: "Create account and join" }).click();
  // The org home: its onboarding checklist (no policy, no call yet), read-only for an auditor.
  await expect(them).toHaveURL(`/o/${org.org.slug}`);
  await expect(them.getByRole("heading", { name: "Get started" })).toBeVisible();
  await expect(them.getByRole("listitem", { name: "Apply a starter policy" })).toContainText("An owner or admin applies policies.");
  await expect(them.getByRole("button", { name: "Apply the starter policy" })).toHaveCount(0);
  await expect(them.getByRole("banner").getByText(org.org.name)).toBeVisible();
  await expect(them.getByRole("banner").getByText(colleague)).toBeVisible();

  // The link is spent.
  const spent = await theirs.newPage();
  await spent.goto(new URL(acceptUrl).pathname);
  await expect(spent.getByRole("main").getByRole("alert")).toContainText("This invitation was already used");
  await spent.close();

  // The owner sees them as a member (and no longer as invited), and makes them a viewer.
  await page.reload();
  const row = page.getByRole("region", { name: "People" }).getByRole("row").filter({ hasText: colleague });
  await expect(row).toContainText("Ada Colleague");
  await expect(row).toContainText("Password");
  await expect(page.getByRole("region", { name: "Pending invitations" })).not.toContainText(colleague);
  await row.getByLabel(`Role of ${colleague}`).selectOption("viewer");
  await expect(row.getByRole("status")).toHaveText("Role saved.");
  // A role change ends the member's sessions: they sign in again, and act with the new role.
  await them.reload();
  await expect(them).toHaveURL(/\/signin\?notice=ended$/);
  await signIn(them, { email: colleague, password: PASSWORD });
  await expect(them).toHaveURL(`/o/${org.org.slug}`);
  await expect(them.getByRole("banner").getByText("viewer", { exact: true })).toBeVisible();
  // A viewer cannot list members, yet reaches their own membership and Leave from the nav.
  await them.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Members" }).click();
  await expect(them.getByRole("region", { name: "Your membership" })).toContainText(`You are a viewer of ${org.org.name}`);
  await expect(them.getByRole("region", { name: "People" })).toHaveCount(0);
  await expect(them.getByRole("button", { name: "Leave organization…" })).toBeEnabled();

  // …then removes them, after confirming.
  await row.getByRole("button", { name: `Remove ${colleague}` }).click();
  await row.getByRole("button", { name: "Remove", exact: true }).click();
  await expect(page.getByRole("region", { name: "People" }).getByRole("row").filter({ hasText: colleague })).toHaveCount(0);

  // The removal ended their sessions: their next request is refused, the org's pages and its API alike.
  const api = await them.request.get(`/api/orgs/${org.org.slug}/audit`);
  expect(api.status()).toBe(401);
  await them.goto(`/o/${org.org.slug}/audit`);
  await expect(them).toHaveURL(/\/signin\?notice=ended$/);
  await theirs.close();
});

test("the last owner cannot leave; the owner renames the org, and a slug change moves the URL", async ({ page, stack }) => {
  const org = await createTestOrg({ label: "settings" });
  await openAsOwner(page, org, "/members");
  const leave = page.getByRole("region", { name: "Leave organization" });
  await expect(leave).toContainText("You are the last owner");
  await expect(leave.getByRole("button", { name: "Leave organization…" })).toBeDisabled();
  // The route refuses it too, saying why.
  const refused = await page.request.post(`/api/orgs/${org.org.slug}/members/leave`, { headers: { origin: stack.webUrl } });
  expect(refused.status()).toBe(409);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("the last owner cannot leave");

  await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(`/o/${org.org.slug}/settings`);
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();

  // The org's own fields (the page has other forms below, e.g. content detectors, with their own Name fields).
  const general = page.getByRole("region", { name: "General" });
  // A 400 is shown at its field.
  await general.getByLabel("Slug").fill("Not A Slug");
  await general.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#org-slug-error")).toContainText("Slug must be 2-48 lower-case letters");

  const suffix = randomBytes(3).toString("hex");
  await general.getByLabel("Name").fill(`Renamed ${suffix}`);
  await general.getByLabel("Slug").fill(`renamed-${suffix}`);
  await general.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(`/o/renamed-${suffix}/settings`);
  await expect(page.getByRole("banner").getByText(`Renamed ${suffix}`)).toBeVisible();
  await expect(general.getByLabel("Name")).toHaveValue(`Renamed ${suffix}`);
  // The old slug is gone.
  expect((await page.request.get(`/api/orgs/${org.org.slug}/members`)).status()).toBe(404);

  // Circuit-breaker thresholds: out of range at the field, then saved.
  const breaker = page.getByRole("region", { name: "Circuit breaker" });
  await breaker.getByLabel("Failure threshold").fill("0");
  await breaker.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#breaker-threshold-error")).toBeVisible();
  await breaker.getByLabel("Failure threshold").fill("25");
  await breaker.getByRole("button", { name: "Save" }).click();
  await expect(breaker.getByRole("status")).toContainText("Saved.");
  await page.reload();
  await expect(page.getByRole("region", { name: "Circuit breaker" }).getByLabel("Failure threshold")).toHaveValue("25");

  // Loops (docs/loops.md): the defaults, out of range at the field, then a tighter limit with the halt.
  const loops = page.getByRole("region", { name: "Loops" });
  await expect(loops.getByLabel("Repeats allowed")).toHaveValue("20");
  await expect(loops.getByLabel("Window (seconds)")).toHaveValue("60");
  await loops.getByLabel("Repeats allowed").fill("0");
  await loops.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#loops-max-repeats-error")).toBeVisible();
  await loops.getByLabel("Repeats allowed").fill("5");
  await loops.getByLabel("Halt the agent when a loop is detected").check();
  await loops.getByRole("button", { name: "Save" }).click();
  await expect(loops.getByRole("status")).toContainText("Saved. The same call more than 5 times within 60 s is refused, and the agent halted.");
  await page.reload();
  const reloaded = page.getByRole("region", { name: "Loops" });
  await expect(reloaded.getByLabel("Repeats allowed")).toHaveValue("5");
  await expect(reloaded.getByLabel("Halt the agent when a loop is detected")).toBeChecked();
});

test("an invitee who has an account signs in from the invitation and joins; a revoked invitation's link says so", async ({ page, browser, stack }) => {
  const org = await createTestOrg({ label: "invitees" });
  const elsewhere = await createTestOrg({ label: "elsewhere" });
  const revoked = `revoked-${randomBytes(3).toString("hex")}@example.test`;
  await openAsOwner(page, org, "/members");

  const invite = async (email: string): Promise<string> => {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Invited ${email} as viewer` })).toBeVisible();
    return new URL(linkIn(await waitForMail(stack.mailDir, email, /^You are invited to an organization on Gatehouse$/), /\/invite\/gh_invite_/)).pathname;
  };
  const joinPath = await invite(elsewhere.owner.email);
  const revokedPath = await invite(revoked);
  await page.getByRole("button", { name: `Revoke the invitation of ${revoked}` }).click();
  await expect(page.getByRole("region", { name: "Pending invitations" }).getByRole("row").filter({ hasText: revoked })).toHaveCount(0);

  const theirs = await browser.newContext({ baseURL: stack.webUrl });
  const them = await theirs.newPage();
  await them.goto(revokedPath);
  await expect(them.getByRole("main").getByRole("alert")).toContainText("This invitation was revoked");

  await them.goto(joinPath);
  await expect(them.getByRole("heading", { name: `Join ${org.org.name} as viewer` })).toBeVisible();
  await expect(them.getByRole("main")).toContainText("already has a Gatehouse account");
  await them.getByRole("link", { name: "Sign in to accept" }).click();
  await signIn(them, { email: elsewhere.owner.email, password: elsewhere.owner.password });
  await expect(them).toHaveURL(joinPath);
  await them.getByRole("button", { name: `Accept and join ${org.org.name}` }).click();
  await expect(them).toHaveURL(`/o/${org.org.slug}`);
  await expect(them.getByRole("banner").getByText("viewer", { exact: true })).toBeVisible();
  await theirs.close();
});
