import { randomBytes } from "node:crypto";
import { expect, signIn, test } from "./fixtures";
import { linkIn, waitForMail } from "./mail";

// A member locked out of password sign-in on a new device (docs/adr/0017): the page says so and
// offers an emailed link, which signs them in once, whatever the limits say.

const PASSWORD = "a long enough password";

test("after too many failed sign-ins, the page offers a sign-in link, which works once", async ({ page, stack }) => {
  const email = `ada-${randomBytes(3).toString("hex")}@example.test`;
  await page.goto("/signup");
  await page.getByLabel("Name").fill("Ada Lovelace");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  // One click: the link verifies and continues to the sign-in page.
  await page.goto(linkIn(await waitForMail(stack.mailDir, email, /^Verify your email for Gatehouse$/), /\/verify-email\?token=/));
  await expect(page).toHaveURL(/\/signin\?notice=verified/);

  // Someone fails on the address until the account's limit refuses this (cookie-less) browser.
  for (let i = 0; i < 5; i += 1) {
    await page.goto("/signin");
    await signIn(page, { email, password: `wrong password ${i}` });
    await expect(page.getByRole("main").getByRole("alert")).toContainText("Wrong email or password.");
  }
  await page.goto("/signin");
  await signIn(page, { email, password: PASSWORD });
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Too many failed sign-in attempts");
  await page.getByRole("main").getByRole("alert").getByRole("link", { name: "Email me a sign-in link" }).click();

  await expect(page.getByRole("heading", { name: "Email me a sign-in link" })).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await page.getByRole("button", { name: "Send me a sign-in link" }).click();
  await expect(page.getByText("If that address has a Gatehouse account, a sign-in link is on its way.")).toBeVisible();

  const href = linkIn(await waitForMail(stack.mailDir, email, /^Your Gatehouse sign-in link$/), /\/signin\/link\?token=/);
  expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/signin\/link\?token=[0-9a-zA-Z]{43}$/);
  await page.goto(href);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // Signed in: an account without an org lands on the home page that says so.
  await expect(page.getByRole("heading", { name: "No organization yet" })).toBeVisible();
  expect((await page.context().cookies()).some((cookie) => cookie.name.startsWith("gh-device-") && cookie.httpOnly)).toBe(true);

  // Spent: the same link in another browser does nothing.
  const other = await page.context().browser()!.newPage({ baseURL: stack.webUrl });
  await other.goto(href);
  await other.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(other.getByRole("main").getByRole("alert")).toContainText("This link is not valid");
  await other.close();
});
