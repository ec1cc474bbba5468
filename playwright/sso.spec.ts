import { randomBytes } from "node:crypto";
import { hashPassword } from "@gatehouse/core";
import { acceptInvitation, createInvitation, db, disconnectDb, updateOrgSettings, verifySsoDomain, type Ctx } from "@gatehouse/db";
import { addTestMember, createTestOrg, fakeDns, type TestOrg } from "@gatehouse/db/testing";
import type { Page } from "@playwright/test";
import { expect, signIn, test } from "./fixtures";
import { linkIn, waitForMail } from "./mail";
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

function ownerCtx(org: TestOrg): Ctx {
  return { org: org.org, actor: { type: "user", userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" }, requestId: "e2e" };
}

/**
 * Proves the org's claim on `domain` as its DNS would: the console looks TXT records up in the real DNS,
 * which a test cannot write, so the journey publishes the record in a zone of its own and verifies
 * through the same service the console's Verify button calls.
 */
async function proveDomain(org: TestOrg, domain: string): Promise<void> {
  const claim = await db().orgDomainClaim.findUniqueOrThrow({ where: { orgId_domain: { orgId: org.org.id, domain } } });
  const dns = fakeDns();
  dns.publish(`_gatehouse-challenge.${domain}`, `gatehouse-domain-verification=${claim.token}`);
  await verifySsoDomain({ ctx: ownerCtx(org), input: { domain }, deps: { resolveTxt: dns.resolveTxt } });
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

test("an owner claims their domain with the approver role, proves it; a new person signs in with SSO and joins as approver", async ({ page, browser, stack }) => {
  const oidc = oidcOf(stack);
  const org = await createTestOrg({ label: "sso" });
  const owner = await ownerAt(org, oidc.domain);
  await page.goto(`/o/${org.org.slug}/settings`);
  await signIn(page, owner);
  await expect(page).toHaveURL(`/o/${org.org.slug}/settings`);
  const section = page.getByRole("region", { name: "Sign-in" });
  // A public mail domain is refused at its field.
  await section.getByLabel("Email domains").fill("gmail.com");
  await section.getByRole("button", { name: "Save sign-in" }).click();
  await expect(section.locator("#sso-domains-error")).toContainText("public mail domain");
  await section.getByLabel("Email domains").fill(oidc.domain.toUpperCase());
  await section.getByLabel("Default role").selectOption("approver");
  await section.getByRole("button", { name: "Save sign-in" }).click();
  await expect(section.getByRole("status")).toContainText("Saved.");
  await expect(section.getByLabel("Email domains")).toHaveValue(oidc.domain);
  // Claimed, not proved: the record to publish, and Verify fails until DNS has it.
  const proof = section.getByRole("listitem", { name: oidc.domain });
  await expect(proof).toContainText("Not verified: routes nobody");
  await expect(proof).toContainText(`_gatehouse-challenge.${oidc.domain}`);
  await expect(proof).toContainText("gatehouse-domain-verification=");
  await proof.getByRole("button", { name: `Verify ${oidc.domain}` }).click();
  await expect(proof.getByRole("alert")).toContainText(`no TXT record found at _gatehouse-challenge.${oidc.domain}`, { timeout: 20_000 });
  await proveDomain(org, oidc.domain);
  await page.reload();
  await expect(page.getByRole("region", { name: "Sign-in" }).getByRole("listitem", { name: oidc.domain })).toContainText("Verified");

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

test("an org that requires SSO refuses a member's password session with a clear page; SSO lets them in; the owner's password still works", async ({ page, browser, stack }) => {
  const oidc = oidcOf(stack);
  const org = await createTestOrg({ label: "ssoreq" });
  const domain = `req-${randomBytes(3).toString("hex")}.example.test`;
  const owner = await ownerAt(org, domain);
  await updateOrgSettings({ ctx: ownerCtx(org), input: { signIn: { ssoDomains: [domain] } } });
  await proveDomain(org, domain);
  await updateOrgSettings({ ctx: ownerCtx(org), input: { signIn: { ssoRequired: true } }, deps: { ssoConfigured: true } });
  const admin = await addTestMember(org, "admin");
  const member = { email: `admin-${randomBytes(3).toString("hex")}@${domain}`, password: "an admin's long password" };
  await db().user.update({ where: { id: admin.userId }, data: { email: member.email, passwordHash: await hashPassword(member.password) } });

  await page.goto(`/o/${org.org.slug}/audit`);
  await signIn(page, member);
  await expect(page.getByRole("heading", { name: "This organization requires single sign-on" })).toBeVisible();
  const refused = await page.request.get(`/api/orgs/${org.org.slug}/audit`);
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("requires single sign-on");

  await signInThroughProvider(page, oidc, member.email);
  await expect(page).toHaveURL(new RegExp(`/o/${org.org.slug}(/|$)`));
  await expect(page.getByRole("banner").getByText(member.email)).toBeVisible();
  expect((await page.request.get(`/api/orgs/${org.org.slug}/audit`)).status()).toBe(200);

  // The owner's password is the way back in if the identity provider fails.
  const ownersBrowser = await browser.newContext({ baseURL: localOrigin(stack) });
  const ownersPage = await ownersBrowser.newPage();
  await ownersPage.goto(`/o/${org.org.slug}/audit`);
  await signIn(ownersPage, owner);
  await expect(ownersPage).toHaveURL(`/o/${org.org.slug}/audit`);
  expect((await ownersPage.request.get(`/api/orgs/${org.org.slug}/audit`)).status()).toBe(200);
  await ownersBrowser.close();
});

test("a password chosen on an invitation's accept page by whoever held the link stops working at the address owner's first SSO sign-in", async ({ page, browser, stack }) => {
  const oidc = oidcOf(stack);
  const attacker = await createTestOrg({ label: "hijack" });
  const victim = `victim-${randomBytes(3).toString("hex")}@${oidc.domain}`;
  const stolen = "the attacker's long password";
  // The attacker invites the victim's address and, holding the link (a forwarded or leaked mail, read
  // here from the test's SMTP server), accepts it with a password of their own.
  await createInvitation({ ctx: ownerCtx(attacker), input: { body: { email: victim, role: "viewer" } } });
  const link = linkIn(await waitForMail(stack.mailDir, victim, /^You are invited to an organization on Gatehouse$/), /\/invite\/gh_invite_/);
  const token = new URL(link).pathname.split("/").pop() ?? "";
  await acceptInvitation({ input: { token, newAccount: { name: "Victim", password: stolen } } });
  await page.goto(`/o/${attacker.org.slug}`);
  await signIn(page, { email: victim, password: stolen });
  await expect(page).toHaveURL(`/o/${attacker.org.slug}`);

  // The victim signs in with SSO for the first time.
  const theirs = await browser.newContext({ baseURL: localOrigin(stack) });
  const them = await theirs.newPage();
  await them.goto("/signin");
  await signInThroughProvider(them, oidc, victim);
  await expect(them).not.toHaveURL(/\/signin/);
  await theirs.close();

  // The attacker's session has ended, and the password no longer signs in.
  await page.reload();
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, { email: victim, password: stolen });
  await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password." })).toBeVisible();
  expect(await db().membership.count({ where: { orgId: attacker.org.id, user: { email: victim }, removedAt: null } })).toBe(0);
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
