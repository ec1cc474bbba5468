import { defineConfig } from "@playwright/test";
import { SHARED_ORG_SPECS } from "./projects";

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
  // Two workers (issue 63): the journeys of the org global-setup.ts seeds (its member, its agent, its policies) run
  // one at a time in their own project, in file order, as they always have; every other spec makes orgs of its own
  // and runs beside them. A file's tests stay in order on one worker.
  fullyParallel: false,
  workers: 2,
  projects: [
    { name: "shared-org", testMatch: SHARED_ORG_SPECS.map((name) => `**/${name}.spec.ts`), workers: 1 },
    { name: "own-orgs", testIgnore: SHARED_ORG_SPECS.map((name) => `**/${name}.spec.ts`) },
  ],
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
