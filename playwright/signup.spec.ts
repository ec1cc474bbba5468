import { randomBytes } from "node:crypto";
import { expect, signIn, test } from "./fixtures";
import { linkIn, waitForMail } from "./mail";

// Self-service sign-up, end to end. The stack sends its mail to the harness's SMTP server
// (global-setup.ts, smtp.ts), so the verification link is read from the mail it received; the
// development outbox does not exist then (it is covered by packages/db/test/dev-outbox.test.ts).

const PASSWORD = "a long enough password";

test("a new person signs up, verifies their email through the link, creates an org and lands in it", async ({ page, stack }) => {
  const suffix = randomBytes(3).toString("hex");
  const email = `grace-${suffix}@example.test`;

  await page.goto("/signin");
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await page.getByLabel("Name").fill("Grace Hopper");
  await page.getByLabel("Email").fill(email);
  // A weak password is refused next to its field, and what was typed stays.
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Password must be at least 10 characters")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();

  // Not verified yet: sign-in says so and offers a new link.
  await page.goto("/signin");
  await signIn(page, { email, password: PASSWORD });
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Your email is not verified yet");
  await expect(page.getByRole("link", { name: "Resend the link" })).toBeVisible();

  // The link, from the mail the SMTP server received; with SMTP configured there is no development outbox.
  const href = linkIn(await waitForMail(stack.mailDir, email, /^Verify your email for Gatehouse$/), /\/verify-email\?token=/);
  expect((await page.request.get("/dev/outbox")).status()).toBe(404);
  expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/verify-email\?token=[0-9a-zA-Z]{43}$/);
  // A mail scanner opens every link first: it verifies the address and gets no session.
  const scanner = await page.context().browser()!.newContext();
  const scanned = await scanner.request.get(href, { maxRedirects: 0 });
  expect(scanned.status()).toBe(307);
  expect(scanned.headers()["location"]).toContain(`/signin?notice=verified&email=${encodeURIComponent(email)}`);
  expect((await scanner.cookies()).filter((c) => c.name.includes("session-token"))).toEqual([]);
  await scanner.close();

  // One click for the person, after the scanner: the sign-in, the email filled in, the password still asked for.
  await page.goto(href);
  await expect(page).toHaveURL(/\/signin\?notice=verified/);
  await expect(page.getByRole("main").getByRole("status")).toContainText("Your email is verified");
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Create your organization" })).toBeVisible();
  await page.getByLabel("Organization name").fill(`Hopper Labs ${suffix}`);
  await page.getByLabel("Address").fill(`hopper-labs-${suffix}`);
  await page.getByRole("button", { name: "Create organization" }).click();

  // A new org lands on its onboarding checklist, nothing done yet.
  await expect(page).toHaveURL(new RegExp(`/o/hopper-labs-${suffix}$`));
  await expect(page.getByRole("heading", { name: "Get started" })).toBeVisible();
  await expect(page.getByTestId("step-state")).toHaveText(["To do", "To do", "To do", "To do"]);
  await expect(page.getByRole("banner").getByText(`Hopper Labs ${suffix}`)).toBeVisible();
  await expect(page.getByRole("banner").getByText("owner", { exact: true })).toBeVisible();

  // Signing out everywhere ends this session too (the session version moved on).
  await page.getByRole("banner").getByRole("link", { name: email }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("main").getByRole("status")).toContainText("Your session ended");
  await page.goto(`/o/hopper-labs-${suffix}/audit`);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});
