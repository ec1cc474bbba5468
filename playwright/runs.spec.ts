import { randomBytes } from "node:crypto";
import { Gatehouse, type ActionResult } from "../packages/sdk/src/index.ts";
import { expect, openSignedIn, test } from "./fixtures";

// A run's timeline (docs/runs.md), end to end: an agent script works in a run through the SDK — an
// executed call, a model call with its usage, a denied one, a merge held for a person — and the console
// shows the run in the list and its timeline in order, the model call with its tokens and cost; a call
// made while the page is open appears without a reload, the approval given in the inbox shows who gave
// it, and the run's end shows when the agent ends it. The Spend page shows the budget it counted against.

test("a run's timeline shows its decisions and its approval in order, live, and its end", async ({ page, stack }) => {
  const gatehouse = new Gatehouse({ apiKey: stack.agent.apiKey, baseUrl: stack.apiUrl });
  const name = `triage ${randomBytes(3).toString("hex")}`;
  const run = gatehouse.withRun(`e2e-${randomBytes(6).toString("hex")}`, { name });
  expect((await run.execute("pr.open", { metadata: { pr: 1 } })).status).toBe("executed");
  // A model call (as wrapOpenAI makes it): declared, reserved against the daily budget, settled by its usage.
  const model = await run.execute("llm.openai.gpt-4o-mini", { spend: { model: "gpt-4o-mini", inputTokens: 1000, maxOutputTokens: 200 } });
  expect(model.status).toBe("executed");
  expect((await run.report(model.auditEventId, { status: "success", usage: { inputTokens: 900, outputTokens: 150 } })).spend?.tokens).toBe(1050);
  expect((await run.execute("repo.delete", { metadata: { repo: "acme/web" } })).denialReason).toBe("NO_POLICY");
  let requested: (result: ActionResult) => void = () => {};
  const asked = new Promise<ActionResult>((resolve) => (requested = resolve));
  const gated = run.gate("pr.merge", { metadata: { pr: 1, files: 80 }, onRequested: (r) => requested(r) }).then(
    (result) => ({ result, error: null }),
    (error: unknown) => ({ result: null, error }),
  );
  const { approvalId } = await asked;

  await openSignedIn(page, `/o/${stack.org.slug}/runs`, stack.member);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/runs`);
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Runs" })).toBeVisible();
  const row = page.getByTestId("run-row").filter({ hasText: name });
  await expect(row).toContainText("waiting for approval");
  await expect(row).toContainText(stack.agent.name);
  await expect(row).toContainText("4 (2 executed, 1 denied, 1 held)");
  await expect(row.getByTestId("run-spend")).toContainText("1,050 tokens · $0.00");
  await row.getByRole("link", { name }).click();

  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByTestId("run-status")).toHaveText("waiting for approval");
  const items = page.getByTestId("run-item");
  await expect(items).toHaveCount(6);
  await expect(items.nth(0)).toContainText("pr.open");
  await expect(items.nth(0)).toContainText("executed");
  await expect(items.nth(1)).toContainText("llm.openai.gpt-4o-mini");
  await expect(items.nth(1)).toContainText("executed");
  await expect(items.nth(2)).toHaveAttribute("data-type", "outcome");
  await expect(items.nth(2).getByTestId("model-call")).toContainText("gpt-4o-mini: 1,050 tokens · $0.00");
  await expect(items.nth(3)).toContainText("repo.delete");
  await expect(items.nth(3).getByTestId("denial-reason")).toHaveAttribute("data-code", "NO_POLICY");
  await expect(items.nth(4)).toContainText("pr.merge");
  await expect(items.nth(4)).toContainText("requested");
  await expect(items.nth(5)).toHaveAttribute("data-type", "approval");
  await expect(items.nth(5)).toContainText("Waiting for a person to decide.");
  await expect(page.getByTestId("run-spend")).toContainText("1,050 tokens");

  // A call the agent makes while the page is open arrives without a reload (the org's live events).
  await run.execute("pr.open", { metadata: { pr: 2 } });
  await expect(items).toHaveCount(7);
  await expect(items.nth(6)).toContainText("pr.open");

  // The approval, decided in the inbox, shows on the timeline with who decided and why; gate() returns.
  await items.nth(5).getByRole("link", { name: "Approval" }).click();
  const detail = page.getByTestId("approval-detail");
  await expect(detail).toHaveAttribute("data-approval-id", approvalId ?? "");
  await detail.getByRole("button", { name: "Approve", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Approved pr.merge" })).toBeVisible();
  const { result, error } = await gated;
  expect(error).toBeNull();
  expect(result?.status).toBe("executed");
  await page.goBack();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const approval = page.locator('[data-testid="run-item"][data-type="approval"]');
  await expect(approval).toContainText("approved");
  await expect(approval).toContainText(`Approved by ${stack.member.email}`);
  await expect(page.getByTestId("run-status")).toHaveText("running");

  // The agent ends the run: the page, still open, shows it (refetched while the run was live).
  await run.end("completed");
  await expect(page.getByTestId("run-status")).toHaveText("completed", { timeout: 15_000 });
  await expect(items.last()).toContainText("Run ended");
});

test("the Spend page shows a budget's count as model calls reserve and settle, and an owner sets the org's prices", async ({ page, stack }) => {
  const gatehouse = new Gatehouse({ apiKey: stack.agent.apiKey, baseUrl: stack.apiUrl });
  await openSignedIn(page, `/o/${stack.org.slug}/spend`, stack.member);
  await expect(page.getByRole("heading", { name: "Spend", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Spend" })).toHaveAttribute("aria-current", "page");
  // A model call reserved now shows in the budget's row without a reload (the org's live events).
  const decided = await gatehouse.execute("llm.anthropic.claude-haiku-4-5", { spend: { model: "claude-haiku-4-5", inputTokens: 2000, maxOutputTokens: 500 } });
  expect(decided.status).toBe("executed");
  // The agent's own count of the daily budget (each agent has its own).
  const row = page.getByTestId("budget-row").filter({ hasText: "model-calls" }).filter({ hasText: stack.agent.name });
  await expect(row.getByTestId("budget-reserved")).toContainText("2,500 tokens");
  // The built-in table lists the models a call is priced by.
  await page.getByText(/Built-in prices \(\d+ in force/).click();
  await expect(page.getByTestId("price-row").filter({ hasText: "claude-haiku-4-5" })).toContainText("anthropic");
  expect(await page.getByTestId("price-row").count()).toBeGreaterThanOrEqual(25);

  // An org price: a bad one is refused naming the field; a good one is saved.
  await page.getByRole("button", { name: "Add a price" }).click();
  const override = page.getByTestId("price-override").last();
  await override.getByLabel("Model").fill("acme-internal-7b");
  await override.getByLabel("Input", { exact: true }).fill("-1");
  await override.getByLabel("Output", { exact: true }).fill("2");
  await page.getByRole("button", { name: "Save prices" }).click();
  await expect(override.getByLabel("Input", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await override.getByLabel("Input", { exact: true }).fill("0.5");
  await page.getByRole("button", { name: "Save prices" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  const prices = await gatehouse.prices();
  expect(prices.overrides).toContainEqual({ model: "acme-internal-7b", input: 0.5, output: 2 });
});
