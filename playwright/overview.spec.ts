import { disconnectDb } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { Page } from "@playwright/test";
import { expect, openSignedIn, test } from "./fixtures";
import { addMember } from "./people";
import { readStack, type E2EStack } from "./stack";

// The org home once onboarding is done: the overview. Its numbers come from the rollups the stack's
// worker keeps (every second), so the checks poll rather than wait a fixed time.

const POLICIES = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 3600 } },
];

/** What the traffic below makes: every other action type matches no policy and is denied. */
const TRAFFIC = { executed: 3, denied: 2, requested: 2 } as const;

let traffic: TestOrg;

test.afterAll(async () => {
  await disconnectDb();
});

async function act(stack: E2EStack, org: TestOrg, actionType: string): Promise<{ status: string; approvalId?: string }> {
  const response = await fetch(`${stack.apiUrl}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType, metadata: { repo: "acme/web" } }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { status: string; approvalId?: string };
}

async function openHome(page: Page, slug: string, credentials: { email: string; password: string }) {
  await openSignedIn(page, `/o/${slug}`, credentials);
  await expect(page).toHaveURL(`/o/${slug}`);
}

/** Waits until the rollups have counted every decision the traffic made, then loads the page afresh. */
async function waitForRollups(page: Page, slug: string) {
  const decisions = TRAFFIC.executed + TRAFFIC.denied + TRAFFIC.requested;
  await expect
    .poll(async () => ((await (await page.request.get(`/api/orgs/${slug}/overview?range=24h`)).json()) as { totals: { decisions: number } }).totals.decisions, {
      timeout: 30_000,
    })
    .toBe(decisions);
  await page.reload();
}

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(60_000);
  const stack = readStack();
  traffic = await createTestOrg({ label: "overview", policies: POLICIES });
  for (let i = 0; i < TRAFFIC.executed; i += 1) expect((await act(stack, traffic, "pr.open")).status).toBe("executed");
  for (let i = 0; i < TRAFFIC.denied; i += 1) expect((await act(stack, traffic, "db.drop")).status).toBe("denied");
  const approvals: string[] = [];
  for (let i = 0; i < TRAFFIC.requested; i += 1) {
    const { status, approvalId } = await act(stack, traffic, "pr.merge");
    expect(status).toBe("requested");
    if (approvalId) approvals.push(approvalId);
  }
  // One approval decided (the time-to-decision chart has a bar), one left pending.
  const decided = await fetch(`${stack.apiUrl}/v1/admin/approvals/${approvals[0]}/decision`, {
    method: "POST",
    headers: { authorization: `Bearer ${traffic.adminKey.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ decision: "approve" }),
  });
  expect(decided.status, await decided.clone().text()).toBe(200);
});

test("an org with traffic: the overview shows the score, its four components and charts of the decisions", async ({ page, stack }) => {
  await openHome(page, traffic.org.slug, traffic.owner);
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");
  await waitForRollups(page, traffic.org.slug);

  // The posture: a number out of 100 and the four components, each a score out of its max.
  const posture = page.getByTestId("posture-panel");
  await expect(posture.getByTestId("posture-score")).toHaveText(/^\d{1,3}\s*\/ 100$/);
  for (const name of ["policyCoverage", "humanOversight", "identityAccess", "auditIntegrity"]) {
    await expect(posture.getByTestId(`component-${name}`).getByTestId("component-score")).toHaveText(/^\d+$/);
  }
  await expect(posture.getByRole("meter")).toHaveCount(4);
  // Beside the score, not in it: the org's retention (none set: values are kept), with the way to its settings.
  await expect(posture.getByTestId("posture-retention")).toContainText("Retention: Values are kept for the life of the organization");
  await expect(posture.getByTestId("posture-retention").getByRole("link", { name: "Settings" })).toHaveAttribute("href", `/o/${traffic.org.slug}/settings#retention-heading`);
  // db.drop is named by no policy: the finding's "Fix it" opens the console's policy editor.
  await expect(posture.locator('[data-finding-id="coverage.uncovered_action_types"]').getByRole("link", { name: "Fix it" })).toHaveAttribute(
    "href",
    `/o/${traffic.org.slug}/policies/draft`,
  );

  // A new org's trend says what there is and when the line appears (it was an empty box as tall as a chart).
  await expect(page.getByTestId("posture-trend-empty")).toContainText(/One snapshot so far: \d+ on \d{4}-\d{2}-\d{2}\.|No snapshot yet/);
  await expect(page.getByTestId("posture-trend-empty")).toContainText("the line appears from the second day");

  // Decisions over time: totals from the traffic, and a stacked bar chart with bars in it.
  const decisions = page.getByTestId("decisions-panel");
  await expect(decisions.getByTestId("total-executed")).toHaveText(String(TRAFFIC.executed));
  await expect(decisions.getByTestId("total-denied")).toHaveText(String(TRAFFIC.denied));
  await expect(decisions.getByTestId("total-requested")).toHaveText(String(TRAFFIC.requested));
  await expect(decisions.getByRole("img", { name: /^Decisions over the last 24 hours/ })).toBeVisible();
  await expect(decisions.getByTestId("decisions-chart").locator("path.recharts-rectangle").first()).toBeVisible();

  // Approval times: one decided, its bar drawn; one still pending, linked to the queue.
  const times = page.getByTestId("approval-times");
  await expect(times.getByTestId("approval-decided")).toHaveText("1");
  await expect(times.getByTestId("approval-times-chart").locator("path.recharts-rectangle")).toHaveCount(1);
  const pending = page.getByTestId("pending-approvals");
  await expect(pending.getByTestId("pending-count")).toHaveText("1");
  await expect(pending.getByRole("link", { name: /pr\.merge by test-agent/ })).toHaveAttribute("href", new RegExp(`/o/${traffic.org.slug}/approvals\\?approval=apr_`));

  // Top denials: the denied action type and the agent, which links to its page.
  const denied = page.getByTestId("top-denied");
  await expect(denied.getByTestId("top-denied-action-types").getByRole("listitem")).toHaveText([new RegExp(`db\\.drop\\s*${TRAFFIC.denied}`)]);
  await expect(denied.getByTestId("top-denied-agents").getByRole("link", { name: traffic.agent.name })).toHaveAttribute(
    "href",
    `/o/${traffic.org.slug}/agents/${traffic.agent.id}`,
  );

  // The range switcher: 7 days is pressed, in the address bar, and counts the same traffic.
  await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "Last 7 days" }).click();
  await expect(page.getByRole("button", { name: "Last 7 days" })).toHaveAttribute("aria-pressed", "true");
  await expect(page).toHaveURL(`/o/${traffic.org.slug}?range=7d`);
  await expect(decisions.getByRole("img", { name: /^Decisions over the last 7 days/ })).toBeVisible();
  await expect(decisions.getByTestId("total-executed")).toHaveText(String(TRAFFIC.executed));

  // The live feed: a decision made now shows up as it happens, and the totals move without a reload.
  await expect(page.getByTestId("activity-feed")).toContainText("Waiting for activity");
  expect((await act(stack, traffic, "pr.open")).status).toBe("executed");
  const line = page.getByTestId("activity-feed").getByTestId("activity-line").first();
  await expect(line).toContainText(traffic.agent.name);
  await expect(line).toContainText("pr.open");
  await expect(line).toContainText("executed");
  await expect(decisions.getByTestId("total-executed")).toHaveText(String(TRAFFIC.executed + 1), { timeout: 20_000 });
});

test("a new org's home is the onboarding checklist, not empty charts", async ({ page }) => {
  const fresh = await createTestOrg({ label: "overview-new" });
  await openHome(page, fresh.org.slug, fresh.owner);
  await expect(page.getByRole("heading", { name: "Get started", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toHaveCount(0);
  await expect(page.getByTestId("decisions-panel")).toHaveCount(0);
  await expect(page.locator(".recharts-wrapper")).toHaveCount(0);
});

test("an auditor sees the posture and the charts, but not the pending approvals and no write controls", async ({ page }) => {
  const auditor = await addMember(traffic, "auditor");
  await openHome(page, traffic.org.slug, auditor);
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  await expect(page.getByTestId("posture-score")).toHaveText(/^\d{1,3}\s*\/ 100$/);
  await expect(page.getByTestId("decisions-chart").locator("path.recharts-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("total-denied")).toHaveText(String(TRAFFIC.denied));

  // The catalogue withholds approvals.read from auditors: no panel, no queue link, a short note.
  await expect(page.getByTestId("pending-approvals")).toHaveCount(0);
  await expect(page.getByTestId("pending-approvals-note")).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Organization" });
  await expect(nav.getByRole("link", { name: "Overview" })).toBeVisible();
  await expect(nav.getByRole("link", { name: /Approvals/ })).toHaveCount(0);
  await expect(page.getByRole("main").getByRole("link", { name: /approval/i })).toHaveCount(0);
  // The only buttons on the page are the range switcher's.
  await expect(page.getByRole("main").getByRole("button")).toHaveText(["24h", "7d", "30d"]);
});

test("the governance health on the org home: every item for whoever is on call, a failing webhook endpoint as a warning with its reason, no panel for a viewer", async ({
  page,
  stack,
}, testInfo) => {
  const org = await createTestOrg({ label: "health-panel", policies: POLICIES });
  expect((await act(stack, org, "pr.open")).status).toBe("executed");
  await openHome(page, org.org.slug, org.owner);
  const panel = page.getByTestId("governance-health");
  await expect(panel.getByRole("heading", { name: "Governance health" })).toBeVisible();
  for (const name of ["logIntegrity", "signingKey", "checkpointAge", "workerJobs", "webhookBacklog", "decisionLatency", "evaluationFailures", "witnesses"]) {
    await expect(panel.getByTestId(`health-item-${name}`)).toBeVisible();
  }
  // The stack's worker signs the org's log within a second and leads the jobs: the log is checked against its key.
  await expect
    .poll(
      async () => {
        await page.reload();
        return panel.getByTestId("health-item-logIntegrity").getAttribute("data-status");
      },
      { timeout: 20_000 },
    )
    .toBe("ok");
  await expect(panel.getByTestId("health-item-logIntegrity")).toContainText(/verifies with the org's key/);
  await expect(panel.getByTestId("health-item-signingKey")).toHaveAttribute("data-status", "ok");
  await expect(panel.getByTestId("health-item-workerJobs")).toHaveAttribute("data-status", "ok");
  await expect(panel.getByTestId("health-item-webhookBacklog")).toContainText("no enabled webhook endpoint");
  await expect(panel.getByTestId("health-item-witnesses")).toContainText("none configured");
  await expect(panel.getByTestId("health-item-evaluationFailures")).toHaveAttribute("data-status", "ok");

  // A call carrying an address: the live feed shows the decision and, beside it, what the content screen found.
  const withAddress = await fetch(`${stack.apiUrl}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType: "pr.open", metadata: { reviewer: "dana@example.com" } }),
  });
  expect(withAddress.status).toBe(200);
  const feed = page.getByTestId("activity-feed");
  await expect(feed.getByTestId("activity-line").filter({ hasText: "content found" })).toContainText("pr.open");
  await expect(feed).not.toContainText("dana@example.com");

  // An endpoint nobody listens on: the worker's first attempt fails, and the panel says so before the backlog ages.
  const created = await fetch(`${stack.apiUrl}/v1/admin/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ url: "http://127.0.0.1:9/nobody-listens", events: ["*"] }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  expect((await act(stack, org, "pr.open")).status).toBe("executed");
  const backlog = panel.getByTestId("health-item-webhookBacklog");
  await expect
    .poll(
      async () => {
        await page.reload();
        return backlog.getAttribute("data-status");
      },
      { timeout: 30_000 },
    )
    .toBe("warn");
  await expect(backlog).toContainText(/waits? for delivery.*1 endpoint is failing/);
  // The API process that decided writes how long it took every few seconds: the console shows its figures.
  const latency = panel.getByTestId("health-item-decisionLatency");
  await expect
    .poll(
      async () => {
        await page.reload();
        return latency.textContent();
      },
      { timeout: 20_000 },
    )
    .toMatch(/3 decisions in the last 15 minutes, from every API process: p50 ≤ \d+ ms, p99 ≤ \d+ ms/);
  await expect(panel.getByTestId("governance-health-status")).toHaveText(/Warning|Failing/);
  const shot = testInfo.outputPath("governance-health-panel.png");
  await panel.screenshot({ path: shot });
  await testInfo.attach("governance-health-panel", { path: shot, contentType: "image/png" });

  // audit.verify is the catalogue's: a viewer's home has no panel and never asks for it.
  const viewer = await addMember(org, "viewer");
  await page.context().clearCookies();
  const asked: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/health/governance")) asked.push(request.url());
  });
  await openHome(page, org.org.slug, viewer);
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  await expect(page.getByTestId("posture-panel")).toBeVisible();
  await expect(page.getByTestId("governance-health")).toHaveCount(0);
  expect(asked).toEqual([]);
});
