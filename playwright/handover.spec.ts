import { createTestOrg, addTestMember } from "@gatehouse/db/testing";
import { expect, openSignedIn, test } from "./fixtures";

// Out of office from the account page (docs/approvals.md, Hand-over): a member hands their approvals in one
// org to a colleague until a date, sees it, and ends it.

test("a member hands their approvals to a colleague from their account, and ends it", async ({ page }) => {
  const org = await createTestOrg({ label: "e2e-handover" });
  // An owner's queue goes only to a colleague ranking as high: another owner, never an approver.
  const colleague = await addTestMember(org, "owner", "holiday-cover");
  const junior = await addTestMember(org, "approver", "junior");
  await openSignedIn(page, "/account", { email: org.owner.email, password: org.owner.password });
  await expect(page).toHaveURL("/account");
  const section = page.locator(`[data-testid="handover"][data-org="${org.org.slug}"]`);
  const form = section.getByRole("form", { name: `Hand over in ${org.org.name}` });
  await expect(form.getByLabel("Colleague").locator(`option[value="${junior.membershipId}"]`)).toHaveCount(0);
  await form.getByLabel("Colleague").selectOption(colleague.membershipId);
  const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  await form.getByLabel("Until (the end of)").fill(day);
  await form.getByRole("button", { name: "Hand over" }).click();
  await expect(section.getByRole("status")).toContainText(`holds your approvals until`);
  await section.getByRole("button", { name: "End now" }).click();
  await expect(section.getByRole("form", { name: `Hand over in ${org.org.name}` })).toBeVisible();
});
