import { db, disconnectDb, updateOrgSettings } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import { expect, openSignedIn, test } from "./fixtures";
import { addMember } from "./people";

// The two-admin rule in the console: a setting that weakens enforcement, saved in Settings, waits for
// another owner or admin; the member who asked cannot approve it from the console (page or route);
// a second admin approves it in the inbox, and only then does it apply.

test.afterAll(async () => {
  await disconnectDb();
});

test("report-only saved under the two-admin rule waits for a second admin, whom the console lets approve it and the requester not", async ({ page, browser, stack }) => {
  const org = await createTestOrg({ label: "two-person" });
  await updateOrgSettings({ ctx: org.ctx, input: { policies: { requireSecondApproval: true } } });
  const admin = await addMember(org, "admin");

  await openSignedIn(page, `/o/${org.org.slug}/settings`, { email: org.owner.email, password: org.owner.password });
  await expect(page).toHaveURL(`/o/${org.org.slug}/settings`);
  const policies = page.getByRole("region", { name: "Policies" });
  await policies.getByLabel("Report-only (trial)").check();
  await policies.getByRole("button", { name: "Save" }).click();
  await expect(policies.getByRole("status")).toContainText("Not applied yet: this change weakens enforcement (policies.reportOnly)");
  const request = await db().settingsChangeRequest.findFirstOrThrow({ where: { orgId: org.org.id }, select: { approvalId: true, appliedAt: true } });
  expect(request.appliedAt).toBeNull();
  await page.reload();
  await expect(page.getByRole("region", { name: "Policies" }).getByLabel("Report-only (trial)")).not.toBeChecked();

  // The requester: the inbox offers her no vote, and the console's route refuses one.
  await page.goto(`/o/${org.org.slug}/approvals`);
  const mine = page.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${request.approvalId}"]`);
  // While the streamed page settles, a row can stand in the DOM twice for a moment: wait for the one list.
  await expect(mine).toHaveCount(1);
  await mine.click();
  const detail = page.getByTestId("approval-detail");
  await expect(detail.getByRole("heading", { name: "gatehouse.settings.change" })).toBeVisible();
  await expect(detail.getByTestId("cannot-decide")).toContainText("separation of duties");
  await expect(detail.getByRole("button", { name: "Approve", exact: true })).toHaveCount(0);
  const vote = await page.request.post(`/api/orgs/${org.org.slug}/approvals/${request.approvalId}/decision`, { data: { decision: "approve" } });
  expect(vote.status()).toBe(403);
  expect(((await db().org.findUniqueOrThrow({ where: { id: org.org.id } })).settings as { policies: { reportOnly: boolean } }).policies.reportOnly).toBe(false);

  // A second admin approves it in their inbox: now it applies.
  const theirs = await browser.newContext({ baseURL: stack.webUrl });
  const them = await theirs.newPage();
  await openSignedIn(them, `/o/${org.org.slug}/approvals`, admin);
  const row = them.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${request.approvalId}"]`);
  await expect(row).toHaveCount(1);
  await row.click();
  await them.getByTestId("approval-detail").getByRole("button", { name: "Approve", exact: true }).click();
  await expect(them.getByRole("status").filter({ hasText: "Approved gatehouse.settings.change" })).toBeVisible();
  await theirs.close();

  await page.goto(`/o/${org.org.slug}/settings`);
  await expect(page.getByRole("region", { name: "Policies" }).getByLabel("Report-only (trial)")).toBeChecked();
});
