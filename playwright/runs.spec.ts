import { randomBytes } from "node:crypto";
import { Gatehouse, type ActionResult } from "../packages/sdk/src/index.ts";
import { expect, signIn, test } from "./fixtures";

// A run's timeline (docs/runs.md), end to end: an agent script works in a run through the SDK — an
// executed call, a denied one, a merge held for a person — and the console shows the run in the list
// and its timeline in order; a call made while the page is open appears without a reload, the
// approval given in the inbox shows who gave it, and the run's end shows when the agent ends it.

test("a run's timeline shows its decisions and its approval in order, live, and its end", async ({ page, stack }) => {
  const gatehouse = new Gatehouse({ apiKey: stack.agent.apiKey, baseUrl: stack.apiUrl });
  const name = `triage ${randomBytes(3).toString("hex")}`;
  const run = gatehouse.withRun(`e2e-${randomBytes(6).toString("hex")}`, { name });
  expect((await run.execute("pr.open", { metadata: { pr: 1 } })).status).toBe("executed");
  expect((await run.execute("repo.delete", { metadata: { repo: "acme/web" } })).denialReason).toBe("NO_POLICY");
  let requested: (result: ActionResult) => void = () => {};
  const asked = new Promise<ActionResult>((resolve) => (requested = resolve));
  const gated = run.gate("pr.merge", { metadata: { pr: 1, files: 80 }, onRequested: (r) => requested(r) }).then(
    (result) => ({ result, error: null }),
    (error: unknown) => ({ result: null, error }),
  );
  const { approvalId } = await asked;

  await page.goto(`/o/${stack.org.slug}/runs`);
  await signIn(page, stack.member);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/runs`);
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Runs" })).toBeVisible();
  const row = page.getByTestId("run-row").filter({ hasText: name });
  await expect(row).toContainText("waiting for approval");
  await expect(row).toContainText(stack.agent.name);
  await expect(row).toContainText("3 (1 executed, 1 denied, 1 held)");
  await row.getByRole("link", { name }).click();

  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByTestId("run-status")).toHaveText("waiting for approval");
  const items = page.getByTestId("run-item");
  await expect(items).toHaveCount(4);
  await expect(items.nth(0)).toContainText("pr.open");
  await expect(items.nth(0)).toContainText("executed");
  await expect(items.nth(1)).toContainText("repo.delete");
  await expect(items.nth(1).getByTestId("denial-reason")).toHaveAttribute("data-code", "NO_POLICY");
  await expect(items.nth(2)).toContainText("pr.merge");
  await expect(items.nth(2)).toContainText("requested");
  await expect(items.nth(3)).toHaveAttribute("data-type", "approval");
  await expect(items.nth(3)).toContainText("Waiting for a person to decide.");

  // A call the agent makes while the page is open arrives without a reload (the org's live events).
  await run.execute("pr.open", { metadata: { pr: 2 } });
  await expect(items).toHaveCount(5);
  await expect(items.nth(4)).toContainText("pr.open");

  // The approval, decided in the inbox, shows on the timeline with who decided and why; gate() returns.
  await items.nth(3).getByRole("link", { name: "Approval" }).click();
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
