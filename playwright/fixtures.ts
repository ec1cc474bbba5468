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
