import { test as base, expect, type Page } from "@playwright/test";
import { readStack, type E2EStack } from "./stack";

export const test = base.extend<{ stack: E2EStack }>({
  stack: async ({}, use) => {
    await use(readStack());
  },
  baseURL: async ({ stack }, use) => {
    await use(stack.webUrl);
  },
});

export { expect };

export async function signIn(page: Page, credentials: { email: string; password: string }): Promise<void> {
  await page.getByLabel("Email").fill(credentials.email);
  await page.getByLabel("Password").fill(credentials.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/**
 * Signs `page`'s browser context in as the sign-in form would (the same credentials provider, its password check and
 * limits, the session cookie it sets), without opening the sign-in page, then opens `path`. For the journeys whose
 * subject is what a member does once signed in (issue 63: one page load and a form fewer each, 30-odd times a run);
 * the journeys about signing in (console, sessions, sign-in links, SSO, sign-up, invitations, approval links) go
 * through the form with signIn.
 */
export async function openSignedIn(page: Page, path: string, credentials: { email: string; password: string }): Promise<void> {
  const csrf = await page.request.get("/api/auth/csrf");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  // From the console's own origin, as the form's post is (the console refuses a cross-site one).
  const answer = await page.request.post("/api/auth/callback/credentials", {
    form: { email: credentials.email, password: credentials.password, csrfToken },
    headers: { origin: new URL(csrf.url()).origin },
    maxRedirects: 0,
  });
  const location = answer.headers()["location"] ?? "";
  if (answer.status() !== 302 || /[?&](error|code)=/.test(location)) throw new Error(`signing in as ${credentials.email} failed: ${answer.status()} ${location}`);
  await page.goto(path);
}
