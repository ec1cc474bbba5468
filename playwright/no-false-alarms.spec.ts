import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createOrg, disconnectDb, issueAdminKey, systemCtx } from "@gatehouse/db";
import type { BrowserContext, Page } from "@playwright/test";
import { consolePageRoutes, fillRoute } from "../scripts/lib/console-pages";
import { expect, openSignedIn, test } from "./fixtures";
import { linkIn, waitForMail } from "./mail";
import { readStack, type E2EStack } from "./stack";

// No false alarms: every page of the console, opened in a browser for a healthy new org (its home is
// the onboarding checklist, the first page a new owner sees) and for the demo org as `npm run db:seed`
// makes it (after a few calls, so its home is the overview), and every page a visitor opens signed
// out, shows no alert and no error element, and the browser logs no error. The pages come from the
// app directory, so a new page without a case below fails here.

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");

/** Who opens a page: a signed-in member of the org (org pages and the account's), or a visitor with no session. */
type Opener = "member" | "visitor";

interface Subjects {
  orgSlug: string;
  /** An agent of the org (none in a new org). */
  agentId?: string;
  /** A run of the org (none in a new org). */
  runId?: string;
  /** A policy of the org (none in a new org). */
  name?: string;
  /** An org of the member's that is closed (its /closed page; the demo admin has none). */
  closedSlug?: string;
  /** A pending invitation's token (a visitor opens the link). */
  token: string;
}

interface PageCase {
  as: Opener;
  /** The address to open, or null with the reason the page has nothing to show for these subjects. */
  url: (subjects: Subjects) => { url: string } | { none: string };
}

const orgPage: PageCase = { as: "member", url: (s) => ({ url: `/o/${encodeURIComponent(s.orgSlug)}` }) };
const org = (rest: string): PageCase => ({ as: "member", url: (s) => ({ url: `/o/${encodeURIComponent(s.orgSlug)}${rest}` }) });

/** Every page of apps/web/src/app, by route pattern. */
const PAGES: Record<string, PageCase | { skip: string }> = {
  "/": { as: "member", url: () => ({ url: "/" }) },
  "/account": { as: "member", url: () => ({ url: "/account" }) },
  "/cli-login": { as: "member", url: () => ({ url: "/cli-login" }) },
  "/dev/outbox": { skip: "served only to a console started for development (npm start); scripts/test/start.smoke.test.ts opens it there" },
  "/forgot-password": { as: "visitor", url: () => ({ url: "/forgot-password" }) },
  "/invite/[token]": { as: "visitor", url: (s) => ({ url: fillRoute("/invite/[token]", { token: s.token }) }) },
  "/o/[orgSlug]": orgPage,
  "/o/[orgSlug]/agents": org("/agents"),
  "/o/[orgSlug]/agents/[agentId]": { as: "member", url: (s) => (s.agentId ? { url: `/o/${s.orgSlug}/agents/${s.agentId}` } : { none: "a new org has no agent yet" }) },
  "/o/[orgSlug]/approvals": org("/approvals"),
  "/o/[orgSlug]/runs": org("/runs"),
  "/o/[orgSlug]/spend": org("/spend"),
  "/o/[orgSlug]/integrations": org("/integrations"),
  "/o/[orgSlug]/mcp": org("/mcp"),
  "/approve/[token]": { skip: "needs a link mailed for a pending approval; playwright/approval-links.spec.ts opens it (signed out, signed in, used)" },
  "/o/[orgSlug]/runs/[runId]": { as: "member", url: (s) => (s.runId ? { url: `/o/${s.orgSlug}/runs/${s.runId}` } : { none: "a new org has no run yet" }) },
  "/o/[orgSlug]/audit": org("/audit"),
  "/o/[orgSlug]/closed": { as: "member", url: (s) => (s.closedSlug ? { url: `/o/${s.closedSlug}/closed` } : { none: "the demo admin has no closed org" }) },
  "/o/[orgSlug]/keys": org("/keys"),
  "/o/[orgSlug]/members": org("/members"),
  "/o/[orgSlug]/policies": org("/policies"),
  "/o/[orgSlug]/policies/[name]": {
    as: "member",
    url: (s) => (s.name ? { url: `/o/${s.orgSlug}/policies/${encodeURIComponent(s.name)}` } : { none: "a new org has no policy yet" }),
  },
  "/o/[orgSlug]/policies/draft": org("/policies/draft"),
  "/o/[orgSlug]/settings": org("/settings"),
  "/orgs/new": { as: "member", url: () => ({ url: "/orgs/new" }) },
  "/reset-password": { as: "visitor", url: () => ({ url: "/reset-password" }) },
  "/signin": { as: "visitor", url: () => ({ url: "/signin" }) },
  "/signin/email": { as: "visitor", url: () => ({ url: "/signin/email" }) },
  "/signin/link": { as: "visitor", url: () => ({ url: "/signin/link" }) },
  "/signup": { as: "visitor", url: () => ({ url: "/signup" }) },
  "/signup/check-email": { as: "visitor", url: () => ({ url: "/signup/check-email?email=someone%40example.test" }) },
  "/signup/org": { as: "member", url: () => ({ url: "/signup/org" }) },
  "/sso-required": { as: "visitor", url: () => ({ url: "/sso-required" }) },
  "/verify-email": { as: "visitor", url: () => ({ url: "/verify-email" }) },
  "/verify-email/resend": { as: "visitor", url: () => ({ url: "/verify-email/resend" }) },
};

/**
 * What the browser may log as an error on a healthy page, each with the reason. Matched against the
 * console message's text and the address it names. Empty: nothing is expected.
 */
const EXPECTED_CONSOLE_ERRORS: Array<{ match: RegExp; reason: string }> = [];

/** Alerts that are not alarms: Next's route announcer (role=alert, empty, for screen readers). */
const ALERTS = '[role="alert"]:not(#__next-route-announcer__)';
/** Words an error element says, wherever it renders without a role. */
const ERROR_TEXT = /could not load|unknown error|something went wrong|this page could not be found/i;

interface Problems {
  consoleErrors: string[];
}

/** Collects what the browser logs as errors (console.error, uncaught exceptions, failed loads) on `page`. */
function watch(page: Page): Problems {
  const problems: Problems = { consoleErrors: [] };
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = `${message.text()} ${message.location().url}`;
    if (!EXPECTED_CONSOLE_ERRORS.some((expected) => expected.match.test(text))) problems.consoleErrors.push(text);
  });
  page.on("pageerror", (error) => problems.consoleErrors.push(`uncaught: ${error.message}`));
  return problems;
}

/** Requests under way on `page`, except event streams (they stay open while the page is). */
function inFlight(page: Page): () => number {
  const open = new Set<object>();
  page.on("request", (request) => {
    if ((request.headers()["accept"] ?? "").includes("text/event-stream")) return;
    open.add(request);
  });
  page.on("requestfinished", (request) => open.delete(request));
  page.on("requestfailed", (request) => open.delete(request));
  return () => open.size;
}

/** Waits until the page's data requests have been quiet for half a second (at most 15 s), so a failure would have rendered. */
async function settle(page: Page, pending: () => number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    if (pending() > 0 || (await page.locator('[aria-busy="true"]').count()) > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= 500) return;
    await page.waitForTimeout(100);
  }
}

/**
 * Opens `url` and fails (softly: every page is opened, and each one at fault is named) on a status
 * ≥ 400, an alert or error element, or an error the browser logged.
 */
async function expectCalm(page: Page, problems: Problems, pending: () => number, route: string, url: string): Promise<void> {
  problems.consoleErrors.length = 0;
  const response = await page.goto(url);
  expect.soft(response?.status() ?? 0, `${route} (${url}) answered`).toBeLessThan(400);
  await settle(page, pending);
  const alerts = await page.locator(ALERTS).allInnerTexts();
  expect.soft(alerts, `${route} (${url}) shows an alert`).toEqual([]);
  const text = await page.locator("body").innerText();
  expect.soft(ERROR_TEXT.exec(text)?.[0], `${route} (${url}) says`).toBeUndefined();
  expect.soft(problems.consoleErrors, `${route} (${url}): the browser logged errors`).toEqual([]);
}

/** How many of a sweep's pages are open at once: each waits half a second of quiet after it loads, and those waits overlap. */
const TABS = 3;

/**
 * Opens each of `targets` once, on TABS pages of `context` at a time (each page with its own watch on what the browser
 * logs and what it has in flight), and fails softly on every one at fault (expectCalm).
 */
async function expectAllCalm(context: BrowserContext, targets: ReadonlyArray<{ route: string; url: string }>): Promise<void> {
  const queue = [...targets];
  await Promise.all(
    Array.from({ length: Math.min(TABS, queue.length) }, async () => {
      const page = await context.newPage();
      const pending = inFlight(page);
      const problems = watch(page);
      for (let next = queue.shift(); next; next = queue.shift()) await expectCalm(page, problems, pending, next.route, next.url);
      await page.close();
    }),
  );
}

/** The cases of PAGES that `as` opens, with their addresses for these subjects. */
function targetsFor(as: Opener, subjects: Subjects): Array<{ route: string; url: string }> {
  return Object.entries(PAGES).flatMap(([route, entry]) => {
    if ("skip" in entry || entry.as !== as) return [];
    const target = entry.url(subjects);
    return "none" in target ? [] : [{ route, url: target.url }];
  });
}

async function adminFetch(stack: E2EStack, apiKey: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

/** A healthy new org as sign-up makes one: an owner, nothing else yet; beside it a closed org of the same owner and a pending invitation. */
async function newOrg(stack: E2EStack): Promise<{ subjects: Subjects; owner: { email: string; password: string } }> {
  const suffix = randomBytes(4).toString("hex");
  const owner = { email: `new-owner-${suffix}@example.test`, password: `pw-${randomBytes(12).toString("hex")}` };
  const created = await createOrg({ input: { slug: `fresh-${suffix}`, name: `Fresh ${suffix}`, owner: { ...owner, name: "New Owner" } } });
  const key = await issueAdminKey({ ctx: systemCtx(created.org, "e2e"), input: { membershipId: created.owner.membershipId } });
  const invitee = `invitee-${suffix}@example.test`;
  await adminFetch(stack, key.apiKey, "POST", "/v1/admin/invitations", { email: invitee, role: "viewer" });
  const token = linkIn(await waitForMail(stack.mailDir, invitee, /invited/i), /\/invite\/gh_invite_/).split("/invite/")[1] ?? "";

  const closed = await createOrg({ input: { slug: `closed-${suffix}`, name: `Closed ${suffix}`, owner: { ...owner, name: "New Owner" } } });
  const closedKey = await issueAdminKey({ ctx: systemCtx(closed.org, "e2e"), input: { membershipId: closed.owner.membershipId } });
  await adminFetch(stack, closedKey.apiKey, "POST", "/v1/admin/org/close", { confirm: closed.org.slug });
  return { subjects: { orgSlug: created.org.slug, closedSlug: closed.org.slug, token }, owner };
}

/** The demo org, seeded by `npm run db:seed` (as `npm start` does) into the stack's database, then used a little: a call executed, one waiting for approval. */
async function demoOrg(stack: E2EStack, token: string): Promise<{ subjects: Subjects; owner: { email: string; password: string } }> {
  const home = await mkdtemp(join(tmpdir(), "gatehouse-demo-"));
  try {
    const seeded = spawn("npm", ["run", "--silent", "db:seed"], { cwd: ROOT, env: { ...stack.console.env, GATEHOUSE_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    seeded.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    seeded.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => seeded.once("exit", done));
    if (code !== 0) throw new Error(`db:seed exited ${code}:\n${output}`);
    const dev = JSON.parse(await readFile(join(home, "dev.json"), "utf8")) as {
      orgSlug: string;
      agentApiKey: string;
      adminApiKey: string;
      adminEmail: string;
      adminPassword: string;
    };
    const act = (actionType: string) =>
      adminFetch(stack, dev.agentApiKey, "POST", "/v1/actions", { actionType, metadata: { repo: "acme/web" }, runId: "demo-run", runName: "demo run" }) as Promise<{
        run?: { id: string };
      }>;
    const { run } = await act("pr.open");
    await act("pr.merge");
    const who = (await adminFetch(stack, dev.agentApiKey, "GET", "/v1/whoami")) as { agent?: { id: string } };
    return {
      subjects: { orgSlug: dev.orgSlug, agentId: who.agent?.id, ...(run ? { runId: run.id } : {}), name: "merges-need-review", token },
      owner: { email: dev.adminEmail, password: dev.adminPassword },
    };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

let fresh: Awaited<ReturnType<typeof newOrg>>;
let demo: Awaited<ReturnType<typeof demoOrg>>;

test.beforeAll(async () => {
  const stack = readStack();
  fresh = await newOrg(stack);
  demo = await demoOrg(stack, fresh.subjects.token);
});

test.afterAll(async () => {
  await disconnectDb();
});

test("every page of the app directory has a case here", () => {
  expect(
    consolePageRoutes().filter((route) => !(route in PAGES)),
    "pages without a case in PAGES",
  ).toEqual([]);
  expect(
    Object.keys(PAGES).filter((route) => !consolePageRoutes().includes(route)),
    "cases for pages that are gone",
  ).toEqual([]);
});

/**
 * Each journey below opens every page of its kind, TABS at a time, so its time grows with the pages: 4 s each on top of the
 * sign-in (a 2-core machine 2.3 times slower than another of the same size ran out of a flat 60 s on the demo org's
 * last pages).
 */
const timeForPages = (as: "member" | "visitor") => 30_000 + 4_000 * Object.values(PAGES).filter((entry) => !("skip" in entry) && entry.as === as).length;

for (const which of ["a healthy new org", "the demo org"] as const) {
  test(`${which}: every page a member opens shows no alert and logs no error`, async ({ browser, stack }) => {
    test.setTimeout(timeForPages("member"));
    const { subjects, owner } = which === "the demo org" ? demo : fresh;
    const context = await browser.newContext({ baseURL: stack.webUrl });
    const page = await context.newPage();
    await openSignedIn(page, `/o/${subjects.orgSlug}`, owner);
    await expect(page).toHaveURL(`/o/${subjects.orgSlug}`);
    await page.close();
    await expectAllCalm(context, targetsFor("member", subjects));
    await context.close();
  });
}

test("signed out: every page a visitor opens shows no alert and logs no error", async ({ browser, stack }) => {
  test.setTimeout(timeForPages("visitor"));
  const context = await browser.newContext({ baseURL: stack.webUrl });
  await expectAllCalm(context, targetsFor("visitor", fresh.subjects));
  await context.close();
});
