import { randomBytes } from "node:crypto";
import { db, disconnectDb, updateOrgSettings } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { Page } from "@playwright/test";
import { expect, signIn, test } from "./fixtures";
import type { E2EStack } from "./stack";

// Single sign-on through a real OpenID Connect provider (oidc.ts, started by global-setup.ts): its own
// login and consent pages, the authorization code flow with PKCE, state and nonce. Each test uses an
// org of its own, whose owner's email is moved to the domain the test routes.
//
// The browser opens the console as http://localhost:<port>, not 127.0.0.1: Next.js spells a loopback
// host "localhost" in a route handler's request URL, so next-auth's callback builds its redirect URI with
// localhost, and the authorization request (built from the Host header) must say the same (ADR 0012).
test.use({ baseURL: async ({ stack }, use) => use(localOrigin(stack)) });

function localOrigin(stack: E2EStack): string {
  return stack.webUrl.replace("//127.0.0.1:", "//localhost:");
}

test.afterAll(async () => {
  await disconnectDb();
});

function oidcOf(stack: E2EStack): NonNullable<E2EStack["oidc"]> {
  if (!stack.oidc) throw new Error("global-setup.ts started no OpenID Connect provider");
  return stack.oidc;
}

async function ownerAt(org: TestOrg, domain: string): Promise<{ email: string; password: string }> {
  const email = `owner-${randomBytes(3).toString("hex")}@${domain}`;
  await db().user.update({ where: { id: org.owner.userId }, data: { email } });
  return { email, password: org.owner.password };
}

/** From the console's "Sign in with <name>" through the provider's login and consent pages, back to the console. */
async function signInThroughProvider(page: Page, oidc: NonNullable<E2EStack["oidc"]>, login: string): Promise<void> {
  await page.getByRole("button", { name: `Sign in with ${oidc.name}` }).click();
  await expect(page).toHaveURL(new RegExp(`^${oidc.issuer.replace(/[.]/g, "\\.")}/interaction/`));
  await page.getByPlaceholder("Enter any login").fill(login);
  await page.getByPlaceholder("and password").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("an owner routes their domain with the approver role; a new person signs in with SSO and joins as approver", async ({ page, browser, stack }) => {
  const oidc = oidcOf(stack);
  const org = await createTestOrg({ label: "sso" });
  const owner = await ownerAt(org, oidc.domain);
  await page.goto(`/o/${org.org.slug}/settings`);
  await signIn(page, owner);
  await expect(page).toHaveURL(`/o/${org.org.slug}/settings`);
  const section = page.getByRole("region", { name: "Sign-in" });
  // A domain that is not the owner's own is refused at its field.
  await section.getByLabel("Email domains").fill("elsewhere.example.test");
  await section.getByRole("button", { name: "Save sign-in" }).click();
  await expect(section.locator("#sso-domains-error")).toContainText("you can route only your own email's domain");
  await section.getByLabel("Email domains").fill(oidc.domain.toUpperCase());
  await section.getByLabel("Default role").selectOption("approver");
  await section.getByRole("button", { name: "Save sign-in" }).click();
  await expect(section.getByRole("status")).toContainText("Saved.");
  await expect(section.getByLabel("Email domains")).toHaveValue(oidc.domain);

  // A person with no Gatehouse account, in a browser of their own.
  const theirs = await browser.newContext({ baseURL: localOrigin(stack) });
  const them = await theirs.newPage();
  await them.goto("/signin");
  await expect(them.getByLabel("Password")).toBeVisible();
  await signInThroughProvider(them, oidc, oidc.account.login);
  await expect(them).toHaveURL(new RegExp(`/o/${org.org.slug}$`));
  const banner = them.getByRole("banner");
  await expect(banner.getByText(oidc.account.email)).toBeVisible();
  await expect(banner.getByText("approver", { exact: true })).toBeVisible();
  await theirs.close();

  // The owner sees them: approver, signing in with SSO.
  await page.goto(`/o/${org.org.slug}/members`);
  const row = page.getByRole("row").filter({ hasText: oidc.account.email });
  await expect(row).toContainText("approver");
  await expect(row).toContainText("SSO");
});

test("an org that requires SSO refuses a password session with a clear page; SSO lets the member in", async ({ page, stack }) => {
  const oidc = oidcOf(stack);
  const org = await createTestOrg({ label: "ssoreq" });
  const domain = `req-${randomBytes(3).toString("hex")}.example.test`;
  const owner = await ownerAt(org, domain);
  const ctx = { org: org.org, actor: { type: "user" as const, userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" as const }, requestId: "e2e" };
  await updateOrgSettings({ ctx, input: { signIn: { ssoDomains: [domain], ssoRequired: true } }, deps: { ssoConfigured: true } });

  await page.goto(`/o/${org.org.slug}/audit`);
  await signIn(page, owner);
  await expect(page.getByRole("heading", { name: "This organization requires single sign-on" })).toBeVisible();
  const refused = await page.request.get(`/api/orgs/${org.org.slug}/audit`);
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("requires single sign-on");

  await signInThroughProvider(page, oidc, owner.email);
  await expect(page).toHaveURL(new RegExp(`/o/${org.org.slug}(/|$)`));
  await expect(page.getByRole("banner").getByText(owner.email)).toBeVisible();
  expect((await page.request.get(`/api/orgs/${org.org.slug}/audit`)).status()).toBe(200);
});

test("an identity whose email the provider does not confirm is refused on the sign-in page, and no account is made", async ({ page, stack }) => {
  const oidc = oidcOf(stack);
  const email = `unverified-${randomBytes(3).toString("hex")}@${oidc.domain}`;
  await page.goto("/signin");
  await signInThroughProvider(page, oidc, email);
  await expect(page).toHaveURL(/\/signin\?error=sso&code=sso_email_unverified$/);
  // Filtered: Next.js's route announcer is an (empty) alert too, once the page has navigated.
  await expect(page.getByRole("alert").filter({ hasText: "did not confirm your email address as verified" })).toBeVisible();
  expect(await db().user.count({ where: { email } })).toBe(0);
});
