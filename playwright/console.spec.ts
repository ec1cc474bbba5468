import { Gatehouse } from "../packages/sdk/src/index.ts";
import { expect, signIn, test } from "./fixtures";

test.describe("signing in", () => {
  test("a wrong password shows an error and stays on the sign-in page", async ({ page, stack }) => {
    await page.goto("/signin");
    await signIn(page, { email: stack.member.email, password: "not the password" });

    await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password." })).toBeVisible();
    await expect(page).toHaveURL(/\/signin(\?|$)/);
  });

  test("after 5 failures for an email the form says when to try again", async ({ page }) => {
    // An email of its own (with no account: it is limited all the same), so no other test's failures count.
    const email = `locked-${Date.now().toString(36)}@example.test`;
    await page.goto("/signin");
    const password = page.getByLabel("Password");
    const formAlert = page.locator("form").getByRole("alert");
    for (let i = 0; i < 5; i += 1) {
      await signIn(page, { email, password: `guess ${i}` });
      // The form clears the password when an attempt has been answered.
      await expect(password).toHaveValue("");
      await expect(formAlert).toHaveText("Wrong email or password.");
    }
    await signIn(page, { email, password: "guess 5" });

    await expect(formAlert).toContainText(/^Too many failed sign-in attempts\. Try again in \d+ s, or sign in with a link we email you\./);
    // The way in an attacker cannot block (docs/adr/0017): the emailed link.
    await expect(formAlert.getByRole("link", { name: "Email me a sign-in link" })).toBeVisible();
    await expect(page).toHaveURL(/\/signin(\?|$)/);
  });

  test("a signed-out visit to an org page goes to the sign-in page", async ({ page, stack }) => {
    await page.goto(`/o/${stack.org.slug}/audit`);

    await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  });
});

test("an agent's decision shows up in the audit log", async ({ page, stack }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, stack.member);
  // Sign-in lands on the org home (the overview); the audit log is one click away.
  await expect(page).toHaveURL(`/o/${stack.org.slug}`);
  await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Audit" }).click();
  await expect(page).toHaveURL(`/o/${stack.org.slug}/audit`);
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();

  const gatehouse = new Gatehouse({ apiKey: stack.agent.apiKey, baseUrl: stack.apiUrl });
  const result = await gatehouse.execute("pr.open", { metadata: { repo: "acme/web", pr: 42, files: 3 } });
  expect(result.status).toBe("executed");

  await page.getByRole("button", { name: "Refresh" }).click();
  const row = page.getByRole("main").locator(`[data-testid="audit-row"][data-entry-id="${result.auditEventId}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("action-type")).toHaveText("pr.open");
  await expect(row.getByTestId("decision-status")).toHaveText("executed");
  // The agent acting for itself is named once, in the Agent column; identifiers wrap only at their dots.
  await expect(row.getByTestId("actor")).toHaveText("the agent");
  await expect(row.getByTestId("actor")).toHaveAttribute("title", new RegExp(`^agent `));
  await expect(row).toContainText(stack.agent.name);
  await expect(row.getByTestId("action-type").locator("wbr")).toHaveCount(1);
  await expect(row.getByTestId("policy")).toContainText("prs-may-open");

  // Newest first: the decision is the top row, and it is still there after a full reload.
  await page.reload();
  await expect(page.getByTestId("audit-row").first()).toHaveAttribute("data-entry-id", result.auditEventId);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto(`/o/${stack.org.slug}/audit`);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
});

test("another org's pages and audit API answer 404; the API needs a session", async ({ page, stack }) => {
  const signedOut = await page.request.get(`/api/orgs/${stack.org.slug}/audit`);
  expect(signedOut.status()).toBe(401);

  await page.goto(`/o/${stack.org.slug}/audit`);
  await signIn(page, stack.member);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/audit`);

  const own = await page.request.get(`/api/orgs/${stack.org.slug}/audit?limit=1`);
  expect(own.status()).toBe(200);
  const body = (await own.json()) as { events: unknown[]; nextCursor: string | null };
  expect(body.events).toHaveLength(1);

  const badLimit = await page.request.get(`/api/orgs/${stack.org.slug}/audit?limit=1000`);
  expect(badLimit.status()).toBe(400);

  const foreignApi = await page.request.get(`/api/orgs/${stack.otherOrg.slug}/audit`);
  expect(foreignApi.status()).toBe(404);

  const foreignPage = await page.goto(`/o/${stack.otherOrg.slug}/audit`);
  expect(foreignPage?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("Load more pages back to the first entry of the log", async ({ page, stack }) => {
  const gatehouse = new Gatehouse({ apiKey: stack.agent.apiKey, baseUrl: stack.apiUrl });
  for (let i = 0; i < 55; i += 1) {
    await gatehouse.execute("pr.open", { metadata: { repo: "acme/web", pr: 100 + i } });
  }

  await page.goto(`/o/${stack.org.slug}/audit`);
  await signIn(page, stack.member);
  const rows = page.getByTestId("audit-row");
  await expect(rows).toHaveCount(50);
  const total = Number(await rows.first().getAttribute("data-seq")) + 1;

  const loadMore = page.getByRole("button", { name: "Load more" });
  for (let pages = 1; pages * 50 < total; pages += 1) {
    await loadMore.click();
    await expect(rows).toHaveCount(Math.min((pages + 1) * 50, total));
  }
  await expect(page.getByText("Beginning of the log")).toBeVisible();
  await expect(loadMore).toHaveCount(0);
  await expect(rows.last()).toHaveAttribute("data-seq", "0");
});
