import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, signIn, test } from "./fixtures";
import { linkIn, waitForMail } from "./mail";

// Issue 13's acceptance journey, in one test: a new person signs up (the verification link from the
// mail the harness's SMTP server received), creates an org, creates an agent on the onboarding
// checklist and copies its key; a script with that key calls gate() and blocks; the person invites a
// colleague, who accepts from the mailed link in a browser of their own and approves; the script's
// gate() returns and it exits 0. The owner then removes the colleague, whose next request is refused.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PASSWORD = "an owner's long password";
const COLLEAGUE_PASSWORD = "a colleague's long password";

/** The agent's script (agent-script.ts) in a process of its own; `requested` resolves once gate() waits. */
function runAgentScript(apiKey: string, baseUrl: string, actionType: string) {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "playwright/agent-script.ts"), actionType], {
    cwd: ROOT,
    env: { ...process.env, GATEHOUSE_API_KEY: apiKey, GATEHOUSE_BASE_URL: baseUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let onRequested: (approvalId: string) => void = () => {};
  const requested = new Promise<string>((resolve) => (onRequested = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    const match = /^requested (\S+)$/m.exec(stdout);
    if (match?.[1]) onRequested(match[1]);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
  return {
    requested: Promise.race([requested, exit.then((e) => Promise.reject(new Error(`the script exited before it waited: ${JSON.stringify(e)}`)))]),
    exit,
    kill: () => child.kill(),
  };
}

test("sign up, verify, create an org and an agent, gate() waits, an invited colleague approves, then is removed and refused", async ({ page, browser, stack, context }) => {
  test.setTimeout(180_000);
  const suffix = randomBytes(3).toString("hex");
  const email = `founder-${suffix}@example.test`;
  const colleague = `approver-${suffix}@example.test`;
  const slug = `acme-${suffix}`;

  // Sign up, and verify the email through the link that arrived by SMTP.
  await page.goto("/signup");
  await page.getByLabel("Name").fill("Frances Founder");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  const verify = linkIn(await waitForMail(stack.mailDir, email, /^Verify your email for Gatehouse$/), /\/verify-email\?token=/);
  await page.goto(verify);
  await expect(page).toHaveURL(/\/signin\?notice=verified/);

  // Create the org: it lands on its onboarding checklist.
  await page.goto(`/signin?callbackUrl=${encodeURIComponent("/signup/org")}`);
  await signIn(page, { email, password: PASSWORD });
  await page.getByLabel("Organization name").fill(`Acme ${suffix}`);
  await page.getByLabel("Address").fill(slug);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(`/o/${slug}`);
  const steps = page.getByTestId("step-state");
  await expect(steps).toHaveText(["To do", "To do", "To do", "To do"]);

  // Create an agent on the checklist; its key is shown once, and copied with its button.
  await page.getByLabel("Agent name").fill("deploy-bot");
  await page.getByRole("button", { name: "Create agent" }).click();
  const shown = page.getByRole("region", { name: "The key of deploy-bot" });
  await expect(shown.getByTestId("new-key")).toHaveText(/^gh_agent_/);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await shown.getByRole("button", { name: "Copy key" }).click();
  await expect(shown.getByRole("button", { name: "Copied" })).toBeVisible();
  const apiKey = await page.evaluate(() => navigator.clipboard.readText());
  expect(apiKey).toBe((await shown.getByTestId("new-key").textContent())?.trim());
  await expect(steps).toHaveText(["Done", "Done", "To do", "To do"]);
  // The snippets carry the real key and the API's URL.
  const firstCall = page.getByRole("listitem", { name: "Make the first gate() call" });
  await expect(firstCall.locator("pre").first()).toContainText(`new Gatehouse({ apiKey: "${apiKey}", baseUrl: "${stack.apiUrl}" })`);
  await expect(firstCall.locator("pre").nth(1)).toContainText(`curl -sS -X POST ${stack.apiUrl}/v1/actions`);
  await expect(firstCall.locator("pre").nth(2)).toContainText(`GATEHOUSE_API_KEY=${apiKey}`);

  // The starter policy: deploys wait for an approval.
  await page.getByRole("button", { name: "Apply the starter policy" }).click();
  await expect(steps).toHaveText(["Done", "Done", "Done", "To do"]);
  await expect(firstCall.getByRole("status")).toHaveText("Waiting for the first call…");

  // The agent's script calls gate() with the copied key and blocks; the checklist ticks itself (no reload).
  const script = runAgentScript(apiKey, stack.apiUrl, "deploy.production");
  try {
    const approvalId = await script.requested;
    expect(approvalId).toMatch(/^apr_/);
    await expect(page.getByRole("region", { name: "You're set up" })).toBeVisible();
    // Policies are changed in the console's own editor.
    await expect(page.getByRole("region", { name: "You're set up" }).getByRole("link", { name: "Policies" })).toHaveAttribute("href", `/o/${slug}/policies/draft`);
    await expect(page).toHaveURL(`/o/${slug}`);

    // Invite a colleague as an approver.
    await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Members" }).click();
    await page.getByLabel("Email").fill(colleague);
    await page.getByLabel("Role", { exact: true }).selectOption("approver");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Invited ${colleague} as approver` })).toBeVisible();

    // The colleague, in a browser of their own: the link from their mail, an account, then the approval.
    const theirs = await browser.newContext({ baseURL: stack.webUrl });
    const them = await theirs.newPage();
    const invite = linkIn(await waitForMail(stack.mailDir, colleague, /^You are invited to an organization on Gatehouse$/), /\/invite\/gh_invite_/);
    await them.goto(invite);
    await expect(them.getByRole("heading", { name: `Join Acme ${suffix} as approver` })).toBeVisible();
    await them.getByLabel("Your name").fill("Ada Approver");
    await them.getByLabel("Password").fill(COLLEAGUE_PASSWORD);
    await them.getByRole("button", { name: "Create account and join" }).click();
    // Signed in; the org's onboarding is done, so its home is the overview.
    await expect(them).toHaveURL(`/o/${slug}`);
    await expect(them.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
    await expect(them.getByRole("banner").getByText("approver", { exact: true })).toBeVisible();
    await them
      .getByRole("navigation", { name: "Organization" })
      .getByRole("link", { name: /^Approvals/ })
      .click();
    const row = them.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${approvalId}"]`);
    await expect(row.getByTestId("approval-action-type")).toHaveText("deploy.production");
    await row.click();
    await them.getByTestId("approval-detail").getByRole("button", { name: "Approve", exact: true }).click();
    await expect(them.getByRole("status").filter({ hasText: "Approved deploy.production for deploy-bot" })).toBeVisible();

    // The script's gate() returns, and it exits 0.
    const { code, stdout, stderr } = await script.exit;
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^executed /m);

    // The owner removes the colleague; their sessions end with it: their next request is refused, page and API alike.
    await page.reload();
    const member = page.getByRole("region", { name: "People" }).getByRole("row").filter({ hasText: colleague });
    await member.getByRole("button", { name: `Remove ${colleague}` }).click();
    await member.getByRole("button", { name: "Remove", exact: true }).click();
    await expect(page.getByRole("region", { name: "People" }).getByRole("row").filter({ hasText: colleague })).toHaveCount(0);
    expect((await them.request.get(`/api/orgs/${slug}/approvals`)).status()).toBe(401);
    await them.reload();
    await expect(them).toHaveURL(/\/signin/);
    await theirs.close();
  } finally {
    script.kill();
  }
});
