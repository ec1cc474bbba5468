import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { hashPassword, newId, type MemberRole } from "@gatehouse/core";
import { changeMemberRole, changePassword, db, disconnectDb, endAllSessions, issueAdminKey, removeMember, resetPassword } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { request as apiRequest, type APIRequestContext, type Page } from "@playwright/test";
import { expect, signIn, test } from "./fixtures";
import { linkIn, waitForMail } from "./mail";
import { freePort, startService, type Service } from "./services";

// Sessions that can be ended, and answers that do not tell who exists (issue 23), over HTTP against
// two console processes on one database: the stack's (A) and a second one started here (B) with the
// same environment. A session is signed in on A; the ending happens (sign-out through A, the rest
// through the services the console's actions call); the saved cookie is then replayed against B's
// pages and route handlers. B never saw the session before, so what refuses it is the database row.

const SESSION_COOKIE = "authjs.session-token";

let org: TestOrg;
let consoleB: Service;
let urlB: string;
const contexts: APIRequestContext[] = [];

test.beforeAll(async ({ stack }) => {
  test.setTimeout(120_000);
  org = await createTestOrg({ label: "sessions" });
  const port = await freePort();
  urlB = `http://127.0.0.1:${port}`;
  consoleB = startService({
    name: "web-b",
    command: join(stack.console.dir, "../../node_modules/.bin/next"),
    args: ["start", "--port", String(port), "--hostname", "127.0.0.1"],
    cwd: stack.console.dir,
    // Console B answers only for its own address (the edge's Host check), over the same database.
    env: { ...stack.console.env, GATEHOUSE_CONSOLE_URL: urlB },
    logDir: stack.console.logDir,
  });
  await consoleB.waitUntilHealthy(`${urlB}/api/healthz`, 90_000);
});

test.afterAll(async () => {
  await Promise.all(contexts.map((c) => c.dispose()));
  await consoleB?.stop();
  await disconnectDb();
});

interface Member {
  userId: string;
  membershipId: string;
  email: string;
  password: string;
  adminKey: string;
}

/** A member of the spec's org with a password and an org admin key of their own. */
async function addMember(role: MemberRole): Promise<Member> {
  const suffix = randomBytes(4).toString("hex");
  const email = `session-${suffix}@example.test`;
  const password = `pw-${randomBytes(12).toString("hex")}`;
  const user = await db().user.create({ data: { id: newId("user"), email, name: `Session ${suffix}`, passwordHash: await hashPassword(password) } });
  const membership = await db().membership.create({ data: { id: newId("membership"), orgId: org.org.id, userId: user.id, role } });
  const key = await issueAdminKey({ ctx: org.ctx, input: { membershipId: membership.id } });
  return { userId: user.id, membershipId: membership.id, email, password, adminKey: key.apiKey };
}

async function newContext(baseURL: string, cookie?: string): Promise<APIRequestContext> {
  const cookies = cookie ? [{ name: SESSION_COOKIE, value: cookie, domain: "127.0.0.1", path: "/", expires: -1, httpOnly: true, secure: false, sameSite: "Lax" as const }] : [];
  const context = await apiRequest.newContext({ baseURL, storageState: { cookies, origins: [] } });
  contexts.push(context);
  return context;
}

/** Signs in on `baseURL` through next-auth's credentials endpoint and answers the session cookie's value. */
async function signInOver(baseURL: string, member: Member): Promise<{ context: APIRequestContext; cookie: string }> {
  const context = await newContext(baseURL);
  const { csrfToken } = (await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await context.post("/api/auth/callback/credentials", {
    headers: { origin: baseURL },
    form: { csrfToken, email: member.email, password: member.password, callbackUrl: baseURL },
  });
  const cookie = (await context.storageState()).cookies.find((c) => c.name === SESSION_COOKIE)?.value;
  if (!cookie) throw new Error(`no session cookie for ${member.email}`);
  return { context, cookie };
}

/** Signs out on `baseURL` through next-auth's sign-out endpoint (what the console's button does). */
async function signOutOver(context: APIRequestContext, baseURL: string): Promise<void> {
  const { csrfToken } = (await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await context.post("/api/auth/signout", { headers: { origin: baseURL }, form: { csrfToken }, maxRedirects: 0 });
}

/** What `cookie` gets on `baseURL` from an org page and from a route handler: "works" or "refused". */
async function replay(baseURL: string, cookie: string): Promise<{ page: string; route: string }> {
  const context = await newContext(baseURL, cookie);
  const page = await context.get(`/o/${org.org.slug}`, { maxRedirects: 0 });
  const route = await context.get(`/api/orgs/${org.org.slug}/members`);
  const pageAnswer =
    page.status() === 200 ? "works" : page.status() === 307 && page.headers().location === "/account/session-ended" ? "refused" : `${page.status()} ${page.headers().location}`;
  const routeAnswer = route.status() === 200 ? "works" : route.status() === 401 ? "refused" : String(route.status());
  return { page: pageAnswer, route: routeAnswer };
}

async function adminKeyAnswer(apiUrl: string, key: string): Promise<string> {
  const response = await fetch(`${apiUrl}/v1/whoami`, { headers: { authorization: `Bearer ${key}` } });
  return response.status === 200 ? "works" : response.status === 401 ? "refused" : String(response.status);
}

const ownerCtx = () => ({
  org: org.org,
  actor: { type: "user" as const, userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" as const },
  requestId: "sessions-spec",
});
const WORKS = { page: "works", route: "works" };
const REFUSED = { page: "refused", route: "refused" };

type Ending = "sign-out" | "sign out everywhere" | "password change" | "password reset" | "removal" | "role change";

/** What an ending may use: the signed-out session's context, a browser page on A, where mail arrives. */
interface EndingTools {
  signedOut: APIRequestContext;
  /** The console the signed-out session belongs to (its writes carry this Origin, as a browser's do). */
  webUrl: string;
  page: Page;
  mailDir: string;
}

const ENDINGS: Record<Ending, { end: (m: Member, tools: EndingTools) => Promise<unknown>; otherSession: typeof WORKS; adminKey: string }> = {
  "sign-out": { end: (_m, { signedOut, webUrl }) => signOutOver(signedOut, webUrl), otherSession: WORKS, adminKey: "works" },
  "sign out everywhere": { end: (m) => endAllSessions({ userId: m.userId }), otherSession: REFUSED, adminKey: "works" },
  "password change": {
    end: (m) => changePassword({ userId: m.userId, input: { currentPassword: m.password, newPassword: "a new password for the member" } }),
    otherSession: REFUSED,
    adminKey: "works",
  },
  "password reset": {
    end: async (m, { page, mailDir }) => {
      await page.goto("/forgot-password");
      await page.getByLabel("Email").fill(m.email);
      await page.getByRole("button", { name: "Send me a link" }).click();
      await expect(page.getByText("If that address has a Gatehouse account")).toBeVisible();
      const token = new URL(linkIn(await waitForMail(mailDir, m.email, /^Reset your Gatehouse password$/), /\/reset-password\?token=/)).searchParams.get("token");
      return resetPassword({ input: { token, password: "a new password for the member" } });
    },
    otherSession: REFUSED,
    adminKey: "works",
  },
  removal: { end: (m) => removeMember({ ctx: ownerCtx(), input: { membershipId: m.membershipId } }), otherSession: REFUSED, adminKey: "refused" },
  "role change": {
    end: (m) => changeMemberRole({ ctx: ownerCtx(), input: { membershipId: m.membershipId, body: { role: "viewer" } } }),
    otherSession: REFUSED,
    adminKey: "refused",
  },
};

test.describe("a session ended on one console is refused by the other at once", () => {
  for (const [ending, expected] of Object.entries(ENDINGS) as Array<[Ending, (typeof ENDINGS)[Ending]]>) {
    test(`${ending}: the ended cookie is refused by B's page and route handler; the member's other session and admin key as the table says; a bystander is untouched`, async ({
      page,
      stack,
    }) => {
      const [member, bystander] = [await addMember("admin"), await addMember("admin")];
      const first = await signInOver(stack.webUrl, member);
      const second = await signInOver(stack.webUrl, member);
      const theirs = await signInOver(stack.webUrl, bystander);
      for (const cookie of [first.cookie, second.cookie, theirs.cookie]) expect(await replay(urlB, cookie)).toEqual(WORKS);

      await expected.end(member, { signedOut: first.context, webUrl: stack.webUrl, page, mailDir: stack.mailDir });

      expect(await replay(urlB, first.cookie), "the ended session on B").toEqual(REFUSED);
      expect(await replay(stack.webUrl, first.cookie), "the ended session on A").toEqual(REFUSED);
      expect(await replay(urlB, second.cookie), "the member's other session").toEqual(expected.otherSession);
      expect(await adminKeyAnswer(stack.apiUrl, member.adminKey), "the member's admin key").toBe(expected.adminKey);
      expect(await replay(urlB, theirs.cookie), "a bystander's session").toEqual(WORKS);
      expect(await adminKeyAnswer(stack.apiUrl, bystander.adminKey), "a bystander's admin key").toBe("works");
    });
  }
});

test("signing out with the button ends the session: the saved cookie, replayed, is refused by a page and a route handler", async ({ page, browser, stack }) => {
  const member = await addMember("viewer");
  await page.goto(`/o/${org.org.slug}`);
  await signIn(page, member);
  await expect(page).toHaveURL(`/o/${org.org.slug}`);
  // The same person in another browser: signing out of one leaves the other signed in.
  const elsewhere = await browser.newContext({ baseURL: stack.webUrl });
  const otherPage = await elsewhere.newPage();
  await otherPage.goto(`/o/${org.org.slug}`);
  await signIn(otherPage, member);
  await expect(otherPage).toHaveURL(`/o/${org.org.slug}`);

  const saved = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE)?.value;
  expect(saved).toBeTruthy();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);

  const attacker = await newContext(stack.webUrl, saved);
  const replayedPage = await attacker.get(`/o/${org.org.slug}/audit`);
  expect(new URL(replayedPage.url()).pathname).toBe("/signin");
  expect(await replayedPage.text()).not.toContain(org.org.name);
  const replayedRoute = await attacker.get(`/api/orgs/${org.org.slug}/audit`);
  expect(replayedRoute.status()).toBe(401);
  expect(await replay(urlB, saved ?? "")).toEqual(REFUSED);

  await otherPage.reload();
  await expect(otherPage).toHaveURL(`/o/${org.org.slug}`);
  await expect(otherPage.getByRole("banner").getByText(member.email)).toBeVisible();
  await elsewhere.close();
});

// ── Answers that do not tell who exists ──────────────────────────────────────────────────────────

type Branch = "no account" | "verified account" | "unverified account";

/** An address in each branch: none, a verified account, an account that never verified its email. */
async function addresses(): Promise<Record<Branch, string>> {
  const suffix = () => randomBytes(4).toString("hex");
  const verified = `known-${suffix()}@example.test`;
  const unverified = `pending-${suffix()}@example.test`;
  const passwordHash = await hashPassword("the account's real password");
  await db().user.create({ data: { id: newId("user"), email: verified, name: "Known", passwordHash } });
  await db().user.create({ data: { id: newId("user"), email: unverified, name: "Pending", passwordHash, emailVerifiedAt: null } });
  return { "no account": `nobody-${suffix()}@example.test`, "verified account": verified, "unverified account": unverified };
}

/**
 * What the visitor sees of a form's answer: the action's response (status, redirect, cookies set, body)
 * and the page after it, with the address typed in replaced. React's per-render ids in the body (a
 * random 21-character key of the metadata boundary, the same in every branch's shape) are replaced too.
 */
async function visibleAnswer(page: Page, path: string, fill: (page: Page, email: string) => Promise<void>, submit: string, email: string): Promise<Record<string, unknown>> {
  await page.context().clearCookies();
  await page.goto(path);
  await fill(page, email);
  let answered: ((answer: { status: number; headers: Array<{ name: string; value: string }>; body: string }) => void) | undefined;
  const answer = new Promise<{ status: number; headers: Array<{ name: string; value: string }>; body: string }>((resolve) => (answered = resolve));
  // The form's POST goes through here: fetched as it is, read whole, handed to the page unchanged.
  await page.route(
    (url) => url.pathname === path,
    async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      const response = await route.fetch({ maxRedirects: 0 });
      answered?.({ status: response.status(), headers: response.headersArray(), body: await response.text() });
      return route.fulfill({ response });
    },
  );
  await page.getByRole("button", { name: submit, exact: true }).click();
  const { status, headers, body } = await answer;
  // An answer that redirects is followed by the page's router: wait for it to arrive there (on a slow machine the network
  // can fall quiet before the router has started), then for the page to settle.
  const target = headers.find((h) => ["x-action-redirect", "location"].includes(h.name.toLowerCase()))?.value.split(";")[0];
  if (target) await page.waitForURL((url) => url.pathname === new URL(target, url).pathname, { timeout: 30_000 });
  // One that stays on the page has rendered its answer once the button is itself again (not its pending label).
  else await page.getByRole("button", { name: submit, exact: true }).waitFor({ timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  await page.unrouteAll();
  const scrub = (text: string) =>
    text
      .replaceAll(email, "<email>")
      .replaceAll(encodeURIComponent(email), "<email>")
      .replace(/"[0-9A-Za-z_-]{21}([vm])"/g, '"<render-id>$1"');
  const header = (name: string) => headers.filter((h) => h.name.toLowerCase() === name).map((h) => h.value);
  return {
    status,
    redirect: scrub([...header("x-action-redirect"), ...header("location")].join(" ")),
    cookiesSet: header("set-cookie").map((value) => value.split("=")[0]),
    body: scrub(body),
    url: scrub(page.url()),
    text: scrub(await page.locator("main").innerText()),
  };
}

const FORMS: Record<string, { path: string; submit: string; fill: (page: Page, email: string) => Promise<void> }> = {
  "sign-up": {
    path: "/signup",
    submit: "Create account",
    fill: async (page, email) => {
      await page.getByLabel("Name").fill("Mallory");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("mallory's long password");
    },
  },
  "sign-in": {
    path: "/signin",
    submit: "Sign in",
    fill: async (page, email) => {
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("not the account's password");
    },
  },
  "forgot password": {
    path: "/forgot-password",
    submit: "Send me a link",
    fill: async (page, email) => {
      await page.getByLabel("Email").fill(email);
    },
  },
};

test.describe("the three forms answer byte for byte alike whether or not the address has an account", () => {
  for (const [form, { path, submit, fill }] of Object.entries(FORMS)) {
    test(`${form}: no account, a verified account and an unverified account get the same status, redirect, cookies, body and page`, async ({ page }) => {
      const emails = await addresses();
      const answers: Partial<Record<Branch, Record<string, unknown>>> = {};
      for (const branch of Object.keys(emails) as Branch[]) answers[branch] = await visibleAnswer(page, path, fill, submit, emails[branch]);
      expect(answers["verified account"]).toEqual(answers["no account"]);
      expect(answers["unverified account"]).toEqual(answers["no account"]);
    });
  }

  test("sign-up of a taken address makes no second account and mails its owner instead", async ({ page, stack }) => {
    const { "verified account": email } = await addresses();
    await visibleAnswer(page, "/signup", FORMS["sign-up"]!.fill, "Create account", email);
    const mail = await waitForMail(stack.mailDir, email, /^Someone tried to sign up for Gatehouse with your address$/);
    expect(linkIn(mail, /\/reset-password\?token=/)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=[0-9a-zA-Z]{43}$/);
    expect(await db().user.count({ where: { email } })).toBe(1);
  });
});
