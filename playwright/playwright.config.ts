import { defineConfig } from "@playwright/test";

// Browser journeys of the console against a stack that global-setup.ts starts on a fresh database.
// Chromium comes from Debian (/usr/bin/chromium); `npx playwright install` is not used here.
export default defineConfig({
  testDir: ".",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results",
  globalSetup: "./global-setup.ts",
  // A bound on a run that hangs, not a speed target: building the console (cold) and starting two servers happen before
  // the first test, and the 372 journeys took 8.6 min on one 2-core run and more than 10 on another (a fresh clone's
  // CI stopped at 10 with 73 done, every one passing, each about twice as slow).
  globalTimeout: 30 * 60_000,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"], ["html", { outputFolder: "report", open: "never" }]],
  use: {
    headless: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
});
